// Package ci is glcd's one view of the GitLab CI environment: the CI_*, KUBE_* and KUBECONFIG
// variables GitLab sets, and the variables the old deploy scripts used. It validates them,
// reports every missing or invalid one in a single error, and keeps secrets masked.
package ci

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Lookup finds an environment variable, like os.LookupEnv.
type Lookup func(name string) (string, bool)

// Environ returns a Lookup over KEY=value entries such as os.Environ() returns.
func Environ(environ []string) Lookup {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return Map(m)
}

// Map returns a Lookup over a map.
func Map(m map[string]string) Lookup {
	m = maps.Clone(m)
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// GitLab holds the predefined variables GitLab sets for every job (and some for some jobs).
type GitLab struct {
	ServerURL       string // CI_SERVER_URL
	APIV4URL        string // CI_API_V4_URL
	ProjectID       string // CI_PROJECT_ID
	ProjectPath     string // CI_PROJECT_PATH
	ProjectName     string // CI_PROJECT_NAME
	CommitSHA       string // CI_COMMIT_SHA
	CommitTag       string // CI_COMMIT_TAG
	CommitRefName   string // CI_COMMIT_REF_NAME
	DefaultBranch   string // CI_DEFAULT_BRANCH
	JobToken        Secret // CI_JOB_TOKEN
	JobURL          string // CI_JOB_URL
	PipelineURL     string // CI_PIPELINE_URL
	EnvironmentName string // CI_ENVIRONMENT_NAME
	EnvironmentSlug string // CI_ENVIRONMENT_SLUG
	RegistryImage   string // CI_REGISTRY_IMAGE
	RepositoryURL   string // CI_REPOSITORY_URL (holds the job token: shown only through a Masker)
	UserName        string // GITLAB_USER_NAME
	UserEmail       string // GITLAB_USER_EMAIL
}

// Kube holds the variables of GitLab's Kubernetes integrations (agent or certificate-based).
type Kube struct {
	Config    string // KUBECONFIG (a path, or several joined by ':')
	Context   string // KUBE_CONTEXT (agent contexts are "path/to/agent-project:agent-name")
	URL       string // KUBE_URL
	Token     Secret // KUBE_TOKEN
	CAPEM     string // KUBE_CA_PEM
	CAPEMFile string // KUBE_CA_PEM_FILE
	Namespace string // KUBE_NAMESPACE
}

// Deploy holds the variables of the old deploy scripts, kept so pipelines switch in one line.
type Deploy struct {
	Project             string // PROJECT_NAME: the Deployment and its namespace
	Container           string // POD_NAME: the container
	Image               string // IMAGE_NAME: repository without tag
	Version             string // TARGET_IMAGE_VERSION: the tag to deploy
	InfraRepo           string // PROJECT_INFRA_REPO_LOCATION: host/path of the infra repo, no scheme
	PersonalAccessToken Secret // CI_PERSONAL_ACCESS_TOKEN
	PipelineToken       Secret // INFRA_PIPELINE_TOKEN
	TriggerURL          string // INFRA_PIPELINE_TRIGGER_URL
}

// Env is the typed environment of a job.
type Env struct {
	GitLab GitLab
	Kube   Kube
	Deploy Deploy
	// GitToken (GLCD_GIT_TOKEN) and GitLabToken (GLCD_GITLAB_TOKEN) are glcd's own credentials.
	GitToken    Secret
	GitLabToken Secret

	lookup Lookup
}

// Load reads the environment through lookup. It never fails: Validate reports problems.
func Load(lookup Lookup) *Env {
	g := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	s := func(name string) Secret {
		v, _ := lookup(name)
		return NewSecret(strings.TrimSpace(v))
	}
	return &Env{
		GitLab: GitLab{
			ServerURL:       g("CI_SERVER_URL"),
			APIV4URL:        g("CI_API_V4_URL"),
			ProjectID:       g("CI_PROJECT_ID"),
			ProjectPath:     g("CI_PROJECT_PATH"),
			ProjectName:     g("CI_PROJECT_NAME"),
			CommitSHA:       g("CI_COMMIT_SHA"),
			CommitTag:       g("CI_COMMIT_TAG"),
			CommitRefName:   g("CI_COMMIT_REF_NAME"),
			DefaultBranch:   g("CI_DEFAULT_BRANCH"),
			JobToken:        s("CI_JOB_TOKEN"),
			JobURL:          g("CI_JOB_URL"),
			PipelineURL:     g("CI_PIPELINE_URL"),
			EnvironmentName: g("CI_ENVIRONMENT_NAME"),
			EnvironmentSlug: g("CI_ENVIRONMENT_SLUG"),
			RegistryImage:   g("CI_REGISTRY_IMAGE"),
			RepositoryURL:   g("CI_REPOSITORY_URL"),
			UserName:        g("GITLAB_USER_NAME"),
			UserEmail:       g("GITLAB_USER_EMAIL"),
		},
		Kube: Kube{
			Config:    g("KUBECONFIG"),
			Context:   g("KUBE_CONTEXT"),
			URL:       g("KUBE_URL"),
			Token:     s("KUBE_TOKEN"),
			CAPEM:     g("KUBE_CA_PEM"),
			CAPEMFile: g("KUBE_CA_PEM_FILE"),
			Namespace: g("KUBE_NAMESPACE"),
		},
		Deploy: Deploy{
			Project:             g("PROJECT_NAME"),
			Container:           g("POD_NAME"),
			Image:               g("IMAGE_NAME"),
			Version:             g("TARGET_IMAGE_VERSION"),
			InfraRepo:           g("PROJECT_INFRA_REPO_LOCATION"),
			PersonalAccessToken: s("CI_PERSONAL_ACCESS_TOKEN"),
			PipelineToken:       s("INFRA_PIPELINE_TOKEN"),
			TriggerURL:          g("INFRA_PIPELINE_TRIGGER_URL"),
		},
		GitToken:    s("GLCD_GIT_TOKEN"),
		GitLabToken: s("GLCD_GITLAB_TOKEN"),
		lookup:      lookup,
	}
}

// secretNames are the variables whose values are credentials, whether or not Env types them.
var secretNames = []string{
	"CI_JOB_TOKEN", "KUBE_TOKEN", "CI_PERSONAL_ACCESS_TOKEN", "INFRA_PIPELINE_TOKEN",
	"GLCD_GIT_TOKEN", "GLCD_GITLAB_TOKEN", "GLCD_TRIGGER_TOKEN", "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD",
	"CI_JOB_JWT", "CI_JOB_JWT_V2", "CI_BUILD_TOKEN", "CI_DEPENDENCY_PROXY_PASSWORD",
}

// Secrets returns every credential present in the environment, for a Masker.
func (e *Env) Secrets() []Secret {
	var out []Secret
	for _, name := range secretNames {
		if v, ok := e.lookup(name); ok && strings.TrimSpace(v) != "" {
			out = append(out, NewSecret(strings.TrimSpace(v)))
		}
	}
	return out
}

// IsSecret reports whether the variable name holds a credential.
func IsSecret(name string) bool { return slices.Contains(secretNames, name) }

// credentialName matches names that look like they hold a credential (GitLab's own and the
// usual conventions): ..._TOKEN, ...PASSWORD..., ...SECRET..., ..._KEY, ...PRIVATE..., and
// GitLab's CI_JOB_JWT style.
var credentialName = regexp.MustCompile(`(?i)(TOKEN|PASSWORD|PASSWD|SECRET|_KEY$|^KEY$|PRIVATE|CREDENTIAL|_JWT)`)

// LooksSecret reports whether a variable's name says it holds a credential: the known ones
// and any name matching the usual conventions. Such values are never shown, copied into
// another pipeline or written into git history.
func LooksSecret(name string) bool { return IsSecret(name) || credentialName.MatchString(name) }

// Value returns the raw value of a variable, trimmed of surrounding space.
func (e *Env) Value(name string) string {
	v, _ := e.lookup(name)
	return strings.TrimSpace(v)
}

// ExpandMessage expands $NAME and ${NAME} in a message template that will be written into git
// history (commit and tag messages): vars first, then the job's variables. A name that looks
// like a credential (LooksSecret, CI_REPOSITORY_URL) or whose value holds a known secret is
// not expanded: refused lists it, and the caller refuses the template.
func (e *Env) ExpandMessage(tmpl string, vars map[string]string) (out string, refused []string) {
	secrets := e.Secrets()
	out = os.Expand(tmpl, func(name string) string {
		if v, ok := vars[name]; ok {
			return v
		}
		if LooksSecret(name) || name == "CI_REPOSITORY_URL" {
			refused = append(refused, name)
			return ""
		}
		v := e.Value(name)
		for _, s := range secrets {
			if v != "" && strings.Contains(v, s.Reveal()) {
				refused = append(refused, name+" (its value holds a credential)")
				return ""
			}
		}
		return v
	})
	return out, refused
}
