// Package autotag tags a release: glcd autotag. It reads the version the checkout declares
// (internal/version), and creates the tag v<version> at HEAD on the remote if it does not
// exist yet, either by pushing an annotated tag with a lease that it must not exist (so two
// racing pipelines create it once) or through GitLab's tags API (API-created tags start
// pipelines; pushes made with CI_JOB_TOKEN do not). It never moves an existing tag.
package autotag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/version"
)

// Via says how the tag is created.
type Via string

// The ways to create a tag.
const (
	ViaGit Via = "git" // push an annotated tag
	ViaAPI Via = "api" // POST /projects/:id/repository/tags
)

// DefaultPrefix goes before the version in the tag name.
const DefaultPrefix = "v"

// Input is what the command line says, before any check.
type Input struct {
	Env *ci.Env
	// Dir is the checkout, where the version is declared (else CI_PROJECT_DIR, else ".").
	Dir string
	// Version sources: From (comma-separated kinds, in order), the Makefile variable, and a
	// custom file and pattern.
	From, MakefileVar, RegexFile, Regex string
	// Prefix goes before the version (default "v"; "" is allowed through NoPrefix).
	Prefix   string
	NoPrefix bool
	// Message is the annotated tag's message template ($NAME expands; credentials refused).
	Message string
	Via     string
	// Remote (else CI_REPOSITORY_URL, else the checkout's origin; never the infra repo's
	// PROJECT_INFRA_REPO_LOCATION) and GitUser for ViaGit.
	Remote, GitUser string
	// Project and GitLabURL for ViaAPI (else CI_PROJECT_ID, CI_API_V4_URL, CI_SERVER_URL).
	Project, GitLabURL string
	// Tagger (else GITLAB_USER_NAME and GITLAB_USER_EMAIL, else glcd).
	TaggerName, TaggerEmail string
	// Strict makes a tag that exists on another commit a failure (exit 1).
	Strict bool
}

// Plan is a checked autotag.
type Plan struct {
	Dir     string
	Found   version.Found
	Tag     string
	Via     Via
	Remote  gitops.Remote // unset: the checkout's origin
	Auth    gitops.Auth
	APIURL  string
	Project string
	Message string
	Tagger  gitops.Ident
	Strict  bool
}

// Prepare finds the version and checks the settings; every problem is a usage error (exit 2).
func Prepare(in Input) (*Plan, error) {
	env := in.Env
	p := &Plan{Dir: cmp.Or(in.Dir, env.Value("CI_PROJECT_DIR"), "."), Strict: in.Strict}
	switch v := Via(strings.ToLower(strings.TrimSpace(in.Via))); v {
	case "", ViaGit:
		p.Via = ViaGit
	case ViaAPI:
		p.Via = ViaAPI
	default:
		return nil, exitcode.UsageError(fmt.Errorf("--via %q: want git or api", in.Via))
	}
	opts := version.Options{MakefileVar: in.MakefileVar}
	if strings.TrimSpace(in.From) != "" {
		kinds, err := version.ParseKinds(in.From)
		if err != nil {
			return nil, err
		}
		opts.From = kinds
	}
	if in.RegexFile != "" || in.Regex != "" {
		if in.RegexFile == "" || in.Regex == "" {
			return nil, exitcode.UsageError(errors.New("--regex-file and --regex go together: the file and the pattern (one capture group) that finds the version in it"))
		}
		opts.Regex = &version.Custom{File: in.RegexFile, Pattern: in.Regex}
	}
	found, err := version.Detect(p.Dir, opts)
	if err != nil {
		return nil, err
	}
	p.Found = found
	prefix := in.Prefix
	if prefix == "" && !in.NoPrefix {
		prefix = DefaultPrefix
	}
	p.Tag = prefix + found.Version
	if err := gitops.CheckRefName("tag", p.Tag); err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("%w (version %s)", err, found))
	}

	switch p.Via {
	case ViaGit:
		remote, ok, err := gitops.ResolveProjectRemote(in.Remote, env)
		if err != nil {
			return nil, err
		}
		if ok {
			p.Remote = remote
		}
		p.Auth = gitops.AuthFromEnv(env, strings.TrimSpace(in.GitUser))
	case ViaAPI:
		missing := map[string]string{}
		u, err := gitlab.APIURL(in.GitLabURL, env)
		switch {
		case err != nil:
			return nil, err
		case u == "":
			missing["CI_API_V4_URL"] = "is not set, nor CI_SERVER_URL, nor --gitlab-url (GLCD_GITLAB_URL), and --via api needs GitLab's API"
		}
		p.APIURL = u
		p.Project = cmp.Or(in.Project, env.GitLab.ProjectID, env.GitLab.ProjectPath)
		if p.Project == "" {
			missing["CI_PROJECT_ID"] = "is not set, nor CI_PROJECT_PATH, nor --project (GLCD_AUTOTAG_PROJECT)"
		}
		if !env.GitLabToken.IsSet() && !env.GitLab.JobToken.IsSet() {
			missing["GLCD_GITLAB_TOKEN"] = "is not set, nor CI_JOB_TOKEN: creating a tag through the API needs a token with the api scope"
		}
		if len(missing) > 0 {
			return nil, ci.Missing(missing)
		}
	}

	p.Tagger = gitops.Ident{Name: cmp.Or(in.TaggerName, env.GitLab.UserName, "glcd"), Email: cmp.Or(in.TaggerEmail, env.GitLab.UserEmail, "glcd@noreply.localhost")}
	if err := p.Tagger.Check("tagger"); err != nil {
		return nil, exitcode.UsageError(err)
	}
	msg, err := message(in.Message, p, env)
	if err != nil {
		return nil, err
	}
	p.Message = msg
	return p, nil
}

// message expands the tag message template; the default names the version's source and the pipeline.
func message(tmpl string, p *Plan, env *ci.Env) (string, error) {
	if strings.TrimSpace(tmpl) == "" {
		m := fmt.Sprintf("Version %s (%s:%d)\n", p.Found.Version, p.Found.Source, p.Found.Line)
		if u := env.GitLab.PipelineURL; u != "" {
			m += "\nTagged by glcd autotag in " + u + "\n"
		}
		return m, nil
	}
	vars := map[string]string{"GLCD_VERSION": p.Found.Version, "GLCD_TAG": p.Tag, "GLCD_VERSION_SOURCE": p.Found.Source}
	out, refused := env.ExpandMessage(tmpl, vars)
	if len(refused) > 0 {
		return "", exitcode.UsageError(fmt.Errorf("--message names %s, which holds a credential: it would be written into the tag", strings.Join(refused, ", ")))
	}
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out, nil
}

// API is the part of internal/gitlab's client autotag uses.
type API interface {
	Tag(ctx context.Context, project, name string) (*gitlab.Tag, bool, error)
	CreateTag(ctx context.Context, project, name, ref, message string) (*gitlab.Tag, error)
}

// Options are Run's collaborators.
type Options struct {
	// Repo is the checkout: HEAD is what gets tagged.
	Repo *gitops.Repo
	// API creates and reads tags for ViaAPI.
	API      API
	Progress io.Writer
}

// Status is what autotag found or did.
type Status string

// The outcomes.
const (
	StatusCreated   Status = "created"   // the tag did not exist: it does now, at HEAD
	StatusExists    Status = "exists"    // the tag exists at HEAD already
	StatusElsewhere Status = "elsewhere" // the tag exists at another commit: left there
)

// Result is what autotag did.
type Result struct {
	Status  Status `json:"status"`
	Tag     string `json:"tag"`
	Version string `json:"version"`
	Source  string `json:"source"` // file:line of the version
	Commit  string `json:"commit"` // HEAD, the commit to tag
	// TagCommit is the commit the tag points at now.
	TagCommit string `json:"tagCommit"`
	Via       Via    `json:"via"`
	Where     string `json:"where"` // the remote URL or the project
	// Raced is true when another pipeline created the tag between the look and the create.
	Raced bool `json:"raced,omitempty"`
}

// Dotenv is the result as KEY=value pairs for artifacts:reports:dotenv.
func (r *Result) Dotenv() [][2]string {
	return [][2]string{{"GLCD_AUTOTAG_TAG", r.Tag}, {"GLCD_AUTOTAG_VERSION", r.Version}, {"GLCD_AUTOTAG_STATUS", string(r.Status)},
		{"GLCD_AUTOTAG_COMMIT", r.TagCommit}}
}

// Run creates the planned tag at HEAD unless it exists. A tag that exists at another commit
// is never moved: the result says where it is, and with Plan.Strict the error is a failure
// (exit 1).
func Run(ctx context.Context, p *Plan, o Options) (*Result, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if err := o.Repo.CheckVersion(ctx); err != nil {
		return nil, err
	}
	head, ok, err := o.Repo.RevParse(ctx, "HEAD^{commit}")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, exitcode.UsageError(fmt.Errorf("%s has no commit to tag", p.Dir))
	}
	res := &Result{Tag: p.Tag, Version: p.Found.Version, Source: fmt.Sprintf("%s:%d", p.Found.Source, p.Found.Line), Commit: head, Via: p.Via}
	fmt.Fprintf(progress, "Version %s (%s): tag %s\n", p.Found.Version, res.Source, p.Tag)
	switch p.Via {
	case ViaAPI:
		err = viaAPI(ctx, p, o, res)
	default:
		err = viaGit(ctx, p, o, res)
	}
	if err != nil {
		return nil, err
	}
	switch res.Status {
	case StatusCreated:
		fmt.Fprintf(progress, "Created tag %s at %s in %s\n", p.Tag, gitops.Short(head), res.Where)
	case StatusExists:
		how := "already exists"
		if res.Raced {
			how = "was just created by another pipeline"
		}
		fmt.Fprintf(progress, "Tag %s %s at this commit %s: nothing to do\n", p.Tag, how, gitops.Short(head))
	case StatusElsewhere:
		msg := fmt.Sprintf("tag %s already exists at %s, not at this commit %s: glcd never moves a version tag; "+
			"bump the version in %s to release this commit", p.Tag, res.TagCommit, head, res.Source)
		if p.Strict {
			return res, exitcode.FailedError(errors.New(msg + " (--strict)"))
		}
		fmt.Fprintf(progress, "Warning: %s\n", msg)
	}
	return res, nil
}

func viaGit(ctx context.Context, p *Plan, o Options, res *Result) error {
	remote := p.Remote
	if remote.URL == "" {
		var err error
		if remote, err = o.Repo.Origin(ctx); err != nil {
			return err
		}
	}
	res.Where = remote.URL
	ref := "refs/tags/" + p.Tag
	look := func() (bool, error) {
		refs, err := o.Repo.LsRemote(ctx, remote.URL, ref, ref+"^{}")
		if err != nil {
			return false, err
		}
		obj, peeled := refs[ref], refs[ref+"^{}"]
		if obj == "" {
			return false, nil
		}
		res.TagCommit = cmp.Or(peeled, obj)
		res.Status = StatusElsewhere
		if res.TagCommit == res.Commit {
			res.Status = StatusExists
		}
		return true, nil
	}
	if exists, err := look(); err != nil || exists {
		return err
	}
	if remote.HTTP() && !o.Repo.Auth.IsSet() {
		return ci.Missing(map[string]string{"GLCD_GIT_TOKEN": "is not set, nor CI_PERSONAL_ACCESS_TOKEN, nor CI_JOB_TOKEN: " +
			"pushing tag " + p.Tag + " to " + remote.URL + " needs a token with the write_repository scope"})
	}
	tag, err := o.Repo.MakeTag(ctx, gitops.TagSpec{Object: res.Commit, Name: p.Tag, Message: p.Message, Tagger: p.Tagger})
	if err != nil {
		return err
	}
	refs, err := o.Repo.Push(ctx, remote.URL, []gitops.RefUpdate{{Src: tag, Dst: ref, Lease: true, Expect: ""}})
	if err == nil && len(refs) == 1 && refs[0].Flag == '=' {
		// Another pipeline pushed the very same tag object (same commit, message, tagger
		// and second) first: git reports it up to date.
		res.Status, res.TagCommit, res.Raced = StatusExists, res.Commit, true
		return nil
	}
	if errors.Is(err, gitops.ErrRace) {
		exists, lerr := look()
		if lerr != nil {
			return lerr
		}
		if !exists {
			return err // rejected, yet absent: say what git said
		}
		res.Raced = true
		return nil
	}
	if err != nil {
		return err
	}
	res.Status, res.TagCommit = StatusCreated, res.Commit
	// The checkout gets the tag too, unless it has its own of that name: the remote's counts.
	none := ""
	_ = o.Repo.UpdateRef(context.WithoutCancel(ctx), ref, tag, &none)
	return nil
}

func viaAPI(ctx context.Context, p *Plan, o Options, res *Result) error {
	if o.API == nil {
		return errors.New("autotag: --via api needs a GitLab client")
	}
	res.Where = "project " + p.Project
	look := func() (bool, error) {
		t, found, err := o.API.Tag(ctx, p.Project, p.Tag)
		if err != nil || !found {
			return false, err
		}
		res.TagCommit = t.Commit
		res.Status = StatusElsewhere
		if t.Commit == res.Commit {
			res.Status = StatusExists
		}
		return true, nil
	}
	if exists, err := look(); err != nil || exists {
		return err
	}
	t, err := o.API.CreateTag(ctx, p.Project, p.Tag, res.Commit, p.Message)
	var ge *gitlab.Error
	if errors.As(err, &ge) && ge.Status == http.StatusBadRequest && strings.Contains(ge.Message, "already exists") {
		exists, lerr := look()
		if lerr != nil {
			return lerr
		}
		if !exists {
			return err
		}
		res.Raced = true
		return nil
	}
	if err != nil {
		return err
	}
	res.Status, res.TagCommit = StatusCreated, t.Commit
	return nil
}
