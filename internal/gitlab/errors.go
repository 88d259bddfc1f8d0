package gitlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
)

// ErrNotFound matches (errors.Is) an *Error for a 404 answer.
var ErrNotFound = errors.New("not found")

// Error is a failed GitLab API call. Its text is masked: no token it knows appears in it.
type Error struct {
	Op      string // what glcd was doing, such as "trigger a pipeline of group/infra"
	Method  string
	Path    string // API path as sent, such as /projects/group%2Finfra/trigger/pipeline
	Status  int    // HTTP status; 0 when GitLab did not answer
	Message string // GitLab's message, such as "Reference not found"
	Hint    string // what to check

	kind   string // opTrigger, opPipeline, ...: picks the hint
	err    error
	masker *ci.Masker
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: ", e.Op, e.Method, e.Path)
	switch {
	case e.Status >= 200 && e.Status < 300 && e.err != nil:
		fmt.Fprintf(&b, "GitLab answered %d %s, but its answer could not be read: %s", e.Status, http.StatusText(e.Status), transportMessage(e.err))
	case e.Status != 0 && e.Message != "":
		fmt.Fprintf(&b, "GitLab answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	case e.Status != 0:
		fmt.Fprintf(&b, "GitLab answered %d %s", e.Status, http.StatusText(e.Status))
	default:
		b.WriteString(transportMessage(e.err))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return e.masker.String(b.String())
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// transportMessage is a transport error without the method and URL, already in the message.
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// gitlabMessage extracts GitLab's message from an error body: {"message": "..."},
// {"message": {"base": ["..."]}}, {"error": "...", "error_description": "..."}. A body that
// is not JSON (a proxy's HTML page) gives "", so the status alone is shown.
func gitlabMessage(body []byte) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return ""
	}
	var parts []string
	if v, ok := m["message"]; ok {
		parts = append(parts, flatten(v)...)
	}
	if v, ok := m["error"]; ok {
		parts = append(parts, flatten(v)...)
	}
	if v, ok := m["error_description"]; ok {
		parts = append(parts, flatten(v)...)
	}
	return strings.Join(parts, "; ")
}

func flatten(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, flatten(x)...)
		}
		return out
	case map[string]any:
		var out []string
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, s := range flatten(v[k]) {
				if k == "base" {
					out = append(out, s)
				} else {
					out = append(out, k+" "+s)
				}
			}
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// hint says what to check for an answer, in the words of glcd's settings.
func hint(kind string, status int, msg, authBy string) string {
	reader := "the token"
	switch authBy {
	case "GLCD_GITLAB_TOKEN":
		reader = "GLCD_GITLAB_TOKEN"
	case "CI_JOB_TOKEN":
		reader = "CI_JOB_TOKEN"
	case "":
		reader = "no token (set GLCD_GITLAB_TOKEN)"
	}
	switch {
	case kind == opTrigger && status == http.StatusNotFound:
		return "GitLab says 404 both when the project does not exist and when the token is wrong, revoked " +
			"or another project's trigger token: check the project and INFRA_PIPELINE_TOKEN (--token)"
	case kind == opTrigger && status == http.StatusBadRequest && strings.Contains(msg, "Reference not found"):
		return "the ref does not exist in the project: check --ref"
	case kind == opTrigger && status == http.StatusBadRequest:
		return "check --ref and the variables"
	case kind == opTrigger && status == http.StatusUnauthorized:
		return "GitLab refused the token: a CI_JOB_TOKEN is valid only while its job runs"
	case kind == opTrigger && status == http.StatusForbidden:
		return "the token may not start pipelines there: its owner needs the Developer role on the project, " +
			"and a CI_JOB_TOKEN needs the project's job token allowlist"
	case status == http.StatusUnauthorized:
		return "GitLab refused " + reader + ": it is wrong, expired or revoked"
	case status == http.StatusForbidden && authBy == "CI_JOB_TOKEN":
		return "CI_JOB_TOKEN may not do this on most GitLab versions: set GLCD_GITLAB_TOKEN to a project access token with the read_api scope (api to create tags)"
	case kind == opVariable && status == http.StatusForbidden:
		return reader + " lacks the permission: setting CI/CD variables needs the api scope and the Maintainer role on the project"
	case kind == opVariable && status == http.StatusBadRequest:
		return "GitLab refused the variable: a masked value must be one line of at least 8 characters from the Base64 alphabet and @ : . ~"
	case status == http.StatusForbidden:
		return reader + " lacks the permission: reads need read_api, creating tags needs api and the Maintainer role or a protected-tag rule that allows it"
	case kind == opTag && status == http.StatusNotFound && strings.Contains(msg, "Tag Not Found"):
		return ""
	case status == http.StatusNotFound && authBy == "CI_JOB_TOKEN":
		return "the project (or what was asked for in it) does not exist, or CI_JOB_TOKEN cannot see it: on most GitLab versions " +
			"a job token cannot read another project's pipelines; set GLCD_GITLAB_TOKEN to a token with the read_api scope"
	case status == http.StatusNotFound:
		return "the project (or what was asked for in it) does not exist, or " + reader + " cannot see it"
	case status == http.StatusTooManyRequests:
		return "GitLab's rate limit held after every retry"
	case status >= 500:
		return "GitLab or a proxy in front of it failed; try again later"
	}
	return ""
}

// Operations, as Error.Op starts and hint reads them.
const (
	opTrigger  = "trigger"
	opPipeline = "pipeline"
	opJobs     = "jobs"
	opTag      = "tag"
	opNewTag   = "create tag"
	opVariable = "variable"
)
