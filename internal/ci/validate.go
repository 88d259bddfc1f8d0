package ci

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Where a variable comes from, said once per kind of variable.
const (
	fromEveryJob    = "GitLab sets it for every CI job; outside GitLab CI, export it yourself"
	fromEnvironment = "GitLab sets it only for jobs that declare `environment:`"
	fromCertCluster = "GitLab's certificate-based cluster integration sets it only for jobs that declare `environment:`; " +
		"with the GitLab agent use KUBECONFIG and KUBE_CONTEXT instead"
	fromOldScripts = "a variable of the old deploy scripts: set it under `variables:` in .gitlab-ci.yml or pass it with the trigger"
)

type varSpec struct {
	hint  string
	check func(string) error // nil: any non-empty value
}

var specs = map[string]varSpec{
	"CI_SERVER_URL":       {fromEveryJob, checkHTTPURL},
	"CI_API_V4_URL":       {fromEveryJob, checkHTTPURL},
	"CI_PROJECT_ID":       {fromEveryJob, checkID},
	"CI_PROJECT_PATH":     {fromEveryJob, nil},
	"CI_PROJECT_NAME":     {fromEveryJob, nil},
	"CI_COMMIT_SHA":       {fromEveryJob, checkSHA},
	"CI_COMMIT_TAG":       {"GitLab sets it only in pipelines for tags", nil},
	"CI_COMMIT_REF_NAME":  {fromEveryJob, nil},
	"CI_DEFAULT_BRANCH":   {fromEveryJob, nil},
	"CI_JOB_TOKEN":        {fromEveryJob, nil},
	"CI_JOB_URL":          {fromEveryJob, checkHTTPURL},
	"CI_PIPELINE_URL":     {fromEveryJob, checkHTTPURL},
	"CI_ENVIRONMENT_NAME": {fromEnvironment, nil},
	"CI_ENVIRONMENT_SLUG": {fromEnvironment, nil},
	"CI_REGISTRY_IMAGE":   {"GitLab sets it when the project's container registry is enabled", checkRepository},
	"CI_REPOSITORY_URL":   {fromEveryJob, checkHTTPURL},
	"GITLAB_USER_NAME":    {fromEveryJob, nil},
	"GITLAB_USER_EMAIL":   {fromEveryJob, nil},
	"KUBECONFIG": {"GitLab sets it only for jobs that declare `environment:` and whose project has a Kubernetes " +
		"cluster or an agent configured (an agent must also list the project under ci_access)", checkFiles},
	"KUBE_CONTEXT": {"set it under `variables:` to the agent's context, `path/to/agent-project:agent-name` " +
		"(`glcd doctor` lists the contexts KUBECONFIG has)", nil},
	"KUBE_URL":         {fromCertCluster, checkKubeURL},
	"KUBE_TOKEN":       {fromCertCluster, nil},
	"KUBE_CA_PEM":      {fromCertCluster, checkPEM},
	"KUBE_CA_PEM_FILE": {fromCertCluster, checkPEMFile},
	"KUBE_NAMESPACE": {"the cluster integration sets it for jobs that declare `environment:`; " +
		"or set `environment:kubernetes:namespace`, or `variables:`", checkDNSLabel},
	"PROJECT_NAME":                {fromOldScripts, checkDNSLabel},
	"POD_NAME":                    {fromOldScripts, checkDNSLabel},
	"IMAGE_NAME":                  {fromOldScripts, checkRepository},
	"TARGET_IMAGE_VERSION":        {"the app repo's deploy job passes it with the trigger (glcd trigger does)", checkTag},
	"PROJECT_INFRA_REPO_LOCATION": {fromOldScripts + " (host/path of the infra repo, without scheme)", checkRepoLocation},
	"CI_PERSONAL_ACCESS_TOKEN":    {"a masked CI/CD variable holding a token with write_repository", nil},
	"INFRA_PIPELINE_TOKEN":        {"a masked CI/CD variable holding the infra project's pipeline trigger token", nil},
	"INFRA_PIPELINE_TRIGGER_URL":  {fromOldScripts + " (…/api/v4/projects/:id/trigger/pipeline)", checkHTTPURL},
	"GLCD_GIT_TOKEN":              {"a masked CI/CD variable holding a token allowed to push to the repository", nil},
	"GLCD_GITLAB_TOKEN":           {"a masked CI/CD variable holding a GitLab API token", nil},
}

// Hint tells what sets the variable name and how to set it, or "" for an unknown name.
func Hint(name string) string { return specs[name].hint }

// Problem is one missing or invalid variable.
type Problem struct {
	Name   string
	Value  string // the value as shown: quoted, or "" for unset variables and credentials
	Reason string // "is not set", or why the value is invalid
	Hint   string
}

// VarsError lists every missing or invalid variable found at once.
type VarsError struct{ Problems []Problem }

func (e *VarsError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("1 environment variable is missing or invalid:")
	} else {
		fmt.Fprintf(&b, "%d environment variables are missing or invalid:", len(e.Problems))
	}
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s%s %s", p.Name, p.Value, p.Reason)
		if p.Hint != "" {
			fmt.Fprintf(&b, " — %s", p.Hint)
		}
	}
	return b.String()
}

// Validate checks the named variables: each must be set, and valid where its form is known.
// Every problem is listed in one *VarsError, wrapped as a usage error (exit 2).
func (e *Env) Validate(required ...string) error {
	var probs []Problem
	for _, name := range required {
		if p, bad := e.check(name, true); bad {
			probs = append(probs, p)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return exitcode.UsageError(&VarsError{Problems: probs})
}

// CheckSet checks the form of the named variables that are set; unset ones are fine.
func (e *Env) CheckSet(names ...string) error { return ProblemsError(e.SetProblems(names...)) }

// SetProblems lists what is wrong with the form of the named variables that are set.
func (e *Env) SetProblems(names ...string) []Problem {
	var probs []Problem
	for _, name := range names {
		if p, bad := e.check(name, false); bad {
			probs = append(probs, p)
		}
	}
	return probs
}

// ProblemsError is the usage error (exit 2) listing probs, the first of each name only (a
// missing variable is not also invalid), or nil when there are none.
func ProblemsError(probs []Problem) error {
	if len(probs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var first []Problem
	for _, p := range probs {
		if !seen[p.Name] {
			seen[p.Name] = true
			first = append(first, p)
		}
	}
	return exitcode.UsageError(&VarsError{Problems: first})
}

// Missing returns a *VarsError (exit 2) for variables a caller found missing by its own rules,
// such as "one of these two".
func Missing(reasons map[string]string) error {
	var probs []Problem
	for _, name := range sortedKeys(reasons) {
		probs = append(probs, Problem{Name: name, Reason: reasons[name], Hint: Hint(name)})
	}
	return exitcode.UsageError(&VarsError{Problems: probs})
}

func (e *Env) check(name string, required bool) (Problem, bool) {
	v := e.Value(name)
	spec := specs[name]
	if v == "" {
		return Problem{Name: name, Reason: "is not set", Hint: spec.hint}, required
	}
	if spec.check == nil {
		return Problem{}, false
	}
	if err := spec.check(v); err != nil {
		shown := fmt.Sprintf("=%q", v)
		if IsSecret(name) || strings.Contains(name, "URL") && strings.Contains(v, "@") {
			shown = "" // never echo a credential, nor a URL that may carry one
		}
		return Problem{Name: name, Value: shown, Reason: fmt.Sprintf("is invalid: %v", err), Hint: spec.hint}, true
	}
	return Problem{}, false
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("want an absolute http(s) URL")
	}
	return nil
}

func checkKubeURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.Scheme != "https" {
		return errors.New("want the API server's https URL with its port, such as https://203.0.113.7:6443")
	}
	return nil
}

func checkID(v string) error {
	if n, err := strconv.ParseUint(v, 10, 64); err != nil || n == 0 {
		return errors.New("want the project's numeric id")
	}
	return nil
}

var shaRE = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

func checkSHA(v string) error {
	if !shaRE.MatchString(v) {
		return errors.New("want a full commit SHA")
	}
	return nil
}

func checkFiles(v string) error {
	for _, p := range filepath.SplitList(v) {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("cannot read %s: %w", p, errors.Unwrap(err))
		}
	}
	return nil
}

func checkPEM(v string) error {
	rest := []byte(v)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("a CERTIFICATE block does not parse: %w", err)
		}
		n++
	}
	if n == 0 {
		return errors.New("want the cluster's CA certificate in PEM form (-----BEGIN CERTIFICATE-----)")
	}
	return nil
}

func checkPEMFile(v string) error {
	b, err := os.ReadFile(v)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", v, errors.Unwrap(err))
	}
	return checkPEM(string(b))
}

func checkDNSLabel(v string) error {
	if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
		return errors.New(errs[0])
	}
	return nil
}

func checkRepository(v string) error {
	n, err := reference.ParseNormalizedNamed(v)
	if err != nil {
		return fmt.Errorf("not an image repository: %w", err)
	}
	if !reference.IsNameOnly(n) {
		return errors.New("want the repository without tag or digest (the tag goes in TARGET_IMAGE_VERSION)")
	}
	return nil
}

var tagRE = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)

// ValidTag reports whether v is a valid image tag.
func ValidTag(v string) bool { return tagRE.MatchString(v) }

func checkTag(v string) error {
	if !tagRE.MatchString(v) {
		return errors.New("want an image tag: letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'")
	}
	return nil
}

func checkRepoLocation(v string) error {
	if strings.Contains(v, "://") {
		return errors.New("want host/path without a scheme, such as gitlab.com/group/app-infra")
	}
	if !strings.Contains(v, "/") {
		return errors.New("want host/path, such as gitlab.com/group/app-infra")
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
