// Package writeback records a deploy in the infra repository: glcd writeback. It sets the
// image in the manifests (internal/manifest, only the bytes of the tag change), commits on
// top of the remote branch, moves the annotated <project>-<environment> tag to that commit,
// and pushes both in one atomic compare-and-swap push. A push that lost to another pipeline
// is redone on the new tip, with jittered backoff, so no deploy is lost and history stays
// linear. Nothing touches the checkout until the push has succeeded.
//
// Prepare turns the command line and the job's environment into a checked Plan, listing
// every problem at once; Run does the work in a checkout.
package writeback

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/distribution/reference"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/manifest"
)

// Input is what the command line says, before any check. Empty fields fall back to the
// environment, as documented on each.
type Input struct {
	Env *ci.Env
	// Image is REPOSITORY:TAG, REPOSITORY@DIGEST or both (else $IMAGE_NAME:$TARGET_IMAGE_VERSION).
	Image string
	// Files and Dirs are the manifests to edit, relative to the checkout; a directory means
	// every *.yaml and *.yml file under it. Neither means kubernetes/$PROJECT_NAME.yaml.
	Files, Dirs []string
	// Tag is the tag to move (else $PROJECT_NAME-$CI_ENVIRONMENT_NAME).
	Tag string
	// Branch is the branch to push to (else CI_DEFAULT_BRANCH, else the remote's default).
	Branch string
	// Remote is the repository (else PROJECT_INFRA_REPO_LOCATION, CI_REPOSITORY_URL, then
	// the checkout's origin).
	Remote string
	// GitUser replaces the user name sent with the token.
	GitUser string
	// Message and TagMessage are templates for the commit and tag messages: $NAME and
	// ${NAME} expand to variables of the environment and to GLCD_IMAGE, GLCD_TAG and
	// GLCD_BRANCH; credentials are refused. Empty means the default messages.
	Message, TagMessage string
	// Author and committer (else GITLAB_USER_NAME and GITLAB_USER_EMAIL, else glcd; the
	// committer defaults to the author).
	AuthorName, AuthorEmail       string
	CommitterName, CommitterEmail string
	DryRun                        bool
}

// Plan is a checked write-back.
type Plan struct {
	Change manifest.Change
	Image  string // as shown: registry.example.com/group/app:1.4.0
	Files  []string
	Dirs   []string
	Tag    string
	Branch string // "" means the remote's default branch
	// Remote is unset (URL "") when the checkout's origin is to be used.
	Remote gitops.Remote
	Auth   gitops.Auth
	// Message and TagMessage are expanded by Run once the branch is known; an author email
	// left empty becomes glcd@noreply.<git host> then.
	Message    string
	TagMessage string
	Author     gitops.Ident
	Committer  gitops.Ident
	DryRun     bool
	Warnings   []string

	messageTemplate, tagTemplate string
	env                          *ci.Env
}

// DefaultDir is where the old scripts kept the manifest: kubernetes/$PROJECT_NAME.yaml.
const DefaultDir = "kubernetes"

// Prepare checks in and returns the plan, or one usage error (exit 2) listing every missing
// or invalid setting.
func Prepare(in Input) (*Plan, error) {
	env := in.Env
	d := env.Deploy
	missing := map[string]string{}
	var bad []string
	p := &Plan{Files: clean(in.Files), Dirs: clean(in.Dirs), Branch: strings.TrimSpace(in.Branch), DryRun: in.DryRun, env: env,
		messageTemplate: in.Message, tagTemplate: in.TagMessage}

	image := strings.TrimSpace(in.Image)
	if image == "" {
		if d.Image == "" {
			missing["IMAGE_NAME"] = "is not set and --image was not given"
		}
		if d.Version == "" {
			missing["TARGET_IMAGE_VERSION"] = "is not set and --image was not given"
		}
		if d.Image != "" && d.Version != "" {
			image = d.Image + ":" + d.Version
		}
	}
	if image != "" {
		if c, shown, err := ParseImage(image); err != nil {
			bad = append(bad, err.Error())
		} else {
			p.Change, p.Image = c, shown
		}
	}

	if len(p.Files) == 0 && len(p.Dirs) == 0 {
		if d.Project == "" {
			missing["PROJECT_NAME"] = "is not set and no --file or --dir was given (the manifest is kubernetes/$PROJECT_NAME.yaml)"
		} else {
			p.Files = []string{path.Join(DefaultDir, d.Project+".yaml")}
		}
	}
	for _, f := range append(append([]string{}, p.Files...), p.Dirs...) {
		if err := checkPath(f); err != nil {
			bad = append(bad, err.Error())
		}
	}

	p.Tag = strings.TrimSpace(in.Tag)
	if p.Tag == "" {
		envName := env.GitLab.EnvironmentName
		if d.Project == "" {
			missing["PROJECT_NAME"] = "is not set and --tag was not given (the tag is $PROJECT_NAME-$CI_ENVIRONMENT_NAME)"
		}
		if envName == "" {
			missing["CI_ENVIRONMENT_NAME"] = "is not set and --tag was not given (the tag is $PROJECT_NAME-$CI_ENVIRONMENT_NAME); " +
				"declare `environment:` on the job"
		}
		p.Tag = d.Project + "-" + envName
	}
	if _, ok := missing["PROJECT_NAME"]; !ok {
		if _, ok := missing["CI_ENVIRONMENT_NAME"]; !ok {
			if err := gitops.CheckRefName("tag", p.Tag); err != nil {
				bad = append(bad, err.Error()+"; set one with --tag")
			}
		}
	}
	if p.Branch == "" {
		p.Branch = env.GitLab.DefaultBranch
	}
	if p.Branch != "" {
		if err := gitops.CheckRefName("branch", p.Branch); err != nil {
			bad = append(bad, err.Error())
		}
	}

	remote, ok, err := gitops.ResolveRemote(in.Remote, env)
	if err != nil {
		bad = append(bad, err.Error())
	} else if ok {
		p.Remote = remote
	}
	p.Auth = gitops.AuthFromEnv(env, strings.TrimSpace(in.GitUser))

	p.Author = gitops.Ident{Name: cmp.Or(in.AuthorName, env.GitLab.UserName, "glcd"), Email: cmp.Or(in.AuthorEmail, env.GitLab.UserEmail)}
	p.Committer = gitops.Ident{Name: cmp.Or(in.CommitterName, p.Author.Name), Email: cmp.Or(in.CommitterEmail, p.Author.Email)}
	for _, id := range []struct {
		what string
		id   gitops.Ident
	}{{"author", p.Author}, {"committer", p.Committer}} {
		if id.id.Email == "" {
			continue // filled in once the remote is known: glcd@noreply.<host>
		}
		if err := id.id.Check(id.what); err != nil {
			bad = append(bad, err.Error())
		}
	}

	if len(missing) > 0 || len(bad) > 0 {
		var errs []error
		if len(missing) > 0 {
			errs = append(errs, ci.Missing(missing))
		}
		for _, b := range bad {
			errs = append(errs, errors.New(b))
		}
		return nil, exitcode.UsageError(errors.Join(errs...))
	}
	if p.Remote.Insecure() && p.Auth.IsSet() {
		p.Warnings = append(p.Warnings, fmt.Sprintf("the remote %s is plain http: the token travels unencrypted", p.Remote.URL))
	}
	return p, nil
}

// finish fills in what needs the remote and the branch: the default email and the messages.
func (p *Plan) finish(remote gitops.Remote, branch string) error {
	host := "localhost"
	if u, err := url.Parse(remote.URL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if p.Author.Email == "" {
		p.Author.Email = "glcd@noreply." + host
	}
	if p.Committer.Email == "" {
		p.Committer.Email = p.Author.Email
	}
	for _, id := range []struct {
		what string
		id   gitops.Ident
	}{{"author", p.Author}, {"committer", p.Committer}} {
		if err := id.id.Check(id.what); err != nil {
			return exitcode.UsageError(err)
		}
	}
	vars := map[string]string{"GLCD_IMAGE": p.Image, "GLCD_TAG": p.Tag, "GLCD_BRANCH": branch}
	var err error
	if p.Message, err = p.expand("--message", p.messageTemplate, p.defaultMessage(), vars); err != nil {
		return err
	}
	if p.TagMessage, err = p.expand("--tag-message", p.tagTemplate, p.defaultTagMessage(), vars); err != nil {
		return err
	}
	return nil
}

// defaultMessage is the old script's commit message, made readable:
// "Deploy jobboard to production: registry.example.com/group/jobboard:1.4.0" and the pipeline.
func (p *Plan) defaultMessage() string {
	project, envName := p.env.Deploy.Project, p.env.GitLab.EnvironmentName
	var subject string
	switch {
	case project != "" && envName != "":
		subject = fmt.Sprintf("Deploy %s to %s: %s", project, envName, p.Image)
	case project != "":
		subject = fmt.Sprintf("Deploy %s: %s", project, p.Image)
	case envName != "":
		subject = fmt.Sprintf("Deploy %s to %s", p.Image, envName)
	default:
		subject = "Deploy " + p.Image
	}
	return subject + p.trailer()
}

func (p *Plan) defaultTagMessage() string {
	if envName := p.env.GitLab.EnvironmentName; envName != "" {
		return fmt.Sprintf("%s deployed to %s", p.Image, envName) + p.trailer()
	}
	return p.Image + " deployed" + p.trailer()
}

func (p *Plan) trailer() string {
	var lines []string
	if u := p.env.GitLab.PipelineURL; u != "" {
		lines = append(lines, "Pipeline: "+u)
	}
	if u := p.env.GitLab.JobURL; u != "" {
		lines = append(lines, "Job: "+u)
	}
	if len(lines) == 0 {
		return "\n"
	}
	return "\n\n" + strings.Join(lines, "\n") + "\n"
}

// expand expands a message template; a template that names a variable that looks like a
// credential, or whose value holds a known secret, is refused, so that no token lands in the
// repository's history.
func (p *Plan) expand(flag, tmpl, def string, vars map[string]string) (string, error) {
	if strings.TrimSpace(tmpl) == "" {
		return def, nil
	}
	out, refused := p.env.ExpandMessage(tmpl, vars)
	if len(refused) > 0 {
		return "", exitcode.UsageError(fmt.Errorf("%s names %s, which holds a credential: it would be written into the repository's history",
			flag, strings.Join(refused, ", ")))
	}
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out, nil
}

// ParseImage reads REPOSITORY:TAG, REPOSITORY@DIGEST or REPOSITORY:TAG@DIGEST into a change
// and the image as shown.
func ParseImage(image string) (manifest.Change, string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return manifest.Change{}, "", fmt.Errorf("image %q: %v; want REPOSITORY:TAG, such as registry.example.com/group/app:1.4.0", image, err)
	}
	c := manifest.Change{Repository: reference.FamiliarName(named)}
	if t, ok := named.(reference.Tagged); ok {
		c.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		c.Digest = d.Digest().String()
	}
	if c.Tag == "" && c.Digest == "" {
		return manifest.Change{}, "", fmt.Errorf("image %q has no tag or digest: want REPOSITORY:TAG (or TARGET_IMAGE_VERSION set)", image)
	}
	return c, reference.FamiliarString(named), nil
}

// checkPath refuses relative manifest paths that leave the checkout; absolute ones are
// checked against the checkout by Run.
func checkPath(p string) error {
	if p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Errorf("manifest path %q is outside the checkout: give paths relative to it", p)
	}
	return nil
}

// clean trims and cleans paths and drops empty ones.
func clean(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, path.Clean(p))
		}
	}
	return out
}
