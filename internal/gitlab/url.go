package gitlab

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

const apiPath = "/api/v4"

// APIURL picks the v4 API base URL: flag (a server URL or an API URL), else CI_API_V4_URL,
// else CI_SERVER_URL + /api/v4. It returns "" when none is set, and a usage error when the
// chosen value is not an http(s) URL.
func APIURL(flag string, env *ci.Env) (string, error) {
	name, v := "--gitlab-url", strings.TrimSpace(flag)
	switch {
	case v != "":
	case env.GitLab.APIV4URL != "":
		name, v = "CI_API_V4_URL", env.GitLab.APIV4URL
	case env.GitLab.ServerURL != "":
		name, v = "CI_SERVER_URL", env.GitLab.ServerURL
	default:
		return "", nil
	}
	u, err := apiURL(v)
	if err != nil {
		return "", exitcode.UsageError(fmt.Errorf("%s: %w", name, err))
	}
	return u, nil
}

// apiURL normalizes a server or API URL to the API URL without a trailing slash.
func apiURL(v string) (string, error) {
	if err := checkAPIURL(v); err != nil {
		return "", err
	}
	u, _ := url.Parse(v)
	u.Path = strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(u.Path, apiPath) {
		u.Path += apiPath
	}
	u.RawPath = ""
	return u.String(), nil
}

func checkAPIURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not a GitLab URL: want https://gitlab.example.com or https://gitlab.example.com/api/v4", ci.RedactURL(v))
	}
	if u.User != nil {
		return fmt.Errorf("%q carries credentials: pass tokens through their variables instead", ci.RedactURL(v))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q has a query or fragment: want only the base URL", ci.RedactURL(v))
	}
	return nil
}

// TriggerURL is the old INFRA_PIPELINE_TRIGGER_URL taken apart.
type TriggerURL struct {
	APIURL  string    // https://gitlab.example.com/api/v4
	Project string    // decoded project id or path
	Ref     string    // from …/ref/:ref/trigger/pipeline or ?ref=, if given
	Token   ci.Secret // from ?token=, if given
}

// ParseTriggerURL takes apart a pipeline trigger URL:
// <base>/api/v4/projects/:id/trigger/pipeline or <base>/api/v4/projects/:id/ref/:ref/trigger/pipeline,
// optionally with ?token=…&ref=…. Errors are usage errors that never show the query.
func ParseTriggerURL(raw string) (TriggerURL, error) {
	bad := func(why string) (TriggerURL, error) {
		return TriggerURL{}, exitcode.UsageError(fmt.Errorf("INFRA_PIPELINE_TRIGGER_URL %q: %s; want "+
			"https://gitlab.example.com/api/v4/projects/<id or url-encoded path>/trigger/pipeline", ci.RedactURL(raw), why))
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return bad("not an http(s) URL")
	}
	if u.User != nil {
		return bad("it carries credentials")
	}
	esc := u.EscapedPath()
	i := strings.Index(esc, apiPath+"/projects/")
	if i < 0 {
		return bad("no " + apiPath + "/projects/ in its path")
	}
	segs := strings.Split(strings.TrimSuffix(esc[i+len(apiPath+"/projects/"):], "/"), "/")
	n := len(segs)
	if n < 3 || segs[n-2] != "trigger" || segs[n-1] != "pipeline" {
		return bad("its path does not end in /trigger/pipeline")
	}
	t := TriggerURL{APIURL: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path[:strings.Index(u.Path, apiPath)] + apiPath}).String()}
	unescape := func(s string) (string, error) { return url.PathUnescape(s) }
	switch {
	case n == 3:
	case n >= 5 && segs[1] == "ref":
		ref, err := unescape(strings.Join(segs[2:n-2], "/"))
		if err != nil || ref == "" {
			return bad("its ref is not readable")
		}
		t.Ref = ref
	default:
		return bad("want the project as one path segment (encode group/app as group%2Fapp)")
	}
	if t.Project, err = unescape(segs[0]); err != nil || t.Project == "" {
		return bad("its project is not readable")
	}
	q := u.Query()
	if t.Ref == "" {
		t.Ref = q.Get("ref")
	}
	t.Token = ci.NewSecret(q.Get("token"))
	return t, nil
}

// errNoAPIURL is the reason given when no GitLab URL is known.
var errNoAPIURL = errors.New("no GitLab URL: set --gitlab-url (GLCD_GITLAB_URL); GitLab CI sets CI_API_V4_URL and CI_SERVER_URL")

// ErrNoAPIURL reports that neither a flag nor the environment gave a GitLab URL.
func ErrNoAPIURL() error { return exitcode.UsageError(errNoAPIURL) }
