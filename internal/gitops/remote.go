package gitops

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Remote is the repository to fetch from and push to.
type Remote struct {
	// URL has no credentials: safe to show.
	URL string
	// From names the setting it came from: --remote, PROJECT_INFRA_REPO_LOCATION,
	// CI_REPOSITORY_URL or origin.
	From string
}

// HTTP reports whether the remote is reached over http(s), where the token applies.
func (r Remote) HTTP() bool {
	return strings.HasPrefix(r.URL, "https://") || strings.HasPrefix(r.URL, "http://")
}

// Insecure reports whether the remote is plain http, where a token travels in clear text.
func (r Remote) Insecure() bool { return strings.HasPrefix(r.URL, "http://") }

// ResolveRemote picks the infra repository: flag (a URL, or host/path), else
// PROJECT_INFRA_REPO_LOCATION (the old scripts' host/path without scheme, which becomes
// https://host/path.git), else CI_REPOSITORY_URL. Credentials embedded in any of them are
// dropped. ok is false when none is set: the caller then asks the checkout for its origin
// (Repo.Origin).
func ResolveRemote(flag string, env *ci.Env) (r Remote, ok bool, err error) {
	return resolve(flag, env, true)
}

// ResolveProjectRemote picks the job's own repository: flag, else CI_REPOSITORY_URL (without
// its job token). PROJECT_INFRA_REPO_LOCATION, which an app repo's jobs may also have, is not
// looked at. ok is false when neither is set.
func ResolveProjectRemote(flag string, env *ci.Env) (r Remote, ok bool, err error) {
	return resolve(flag, env, false)
}

func resolve(flag string, env *ci.Env, infra bool) (Remote, bool, error) {
	from, v := "--remote", strings.TrimSpace(flag)
	switch {
	case v != "":
	case infra && env.Deploy.InfraRepo != "":
		from, v = "PROJECT_INFRA_REPO_LOCATION", env.Deploy.InfraRepo
	case env.GitLab.RepositoryURL != "":
		from, v = "CI_REPOSITORY_URL", env.GitLab.RepositoryURL
	default:
		return Remote{}, false, nil
	}
	u, err := NormalizeURL(v)
	if err != nil {
		return Remote{}, false, exitcode.UsageError(fmt.Errorf("%s: %w", from, err))
	}
	return Remote{URL: u, From: from}, true, nil
}

// NormalizeURL turns a remote as users write it into a URL git takes, without credentials:
// https://user:token@host/path.git → https://host/path.git; host/path or host:port/path (no
// scheme, as PROJECT_INFRA_REPO_LOCATION) → https://host/path.git. scp-like ssh remotes
// (git@host:path), ssh://, file:// URLs and absolute paths are kept as they are.
func NormalizeURL(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", fmt.Errorf("empty remote")
	case strings.HasPrefix(v, "/"), strings.HasPrefix(v, "file://"):
		return v, nil
	case !strings.Contains(v, "://"):
		if at := strings.Index(v, "@"); at >= 0 && strings.Contains(v[at:], ":") && !strings.Contains(v[:at], "/") {
			return v, nil // git@host:group/repo.git
		}
		host, path, ok := strings.Cut(v, "/")
		if !ok || host == "" || strings.Trim(path, "/") == "" {
			return "", fmt.Errorf("%q is not a repository location: want host/group/project (or a URL such as https://host/group/project.git)", ci.RedactURL(v))
		}
		v = "https://" + host + "/" + strings.Trim(path, "/")
		if !strings.HasSuffix(v, ".git") {
			v += ".git"
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not a repository URL", ci.RedactURL(v))
	}
	switch u.Scheme {
	case "https", "http", "ssh", "git":
	default:
		return "", fmt.Errorf("%q: unsupported scheme %s (want https, http, ssh or a path)", ci.RedactURL(v), u.Scheme)
	}
	if u.Scheme == "https" || u.Scheme == "http" {
		u.User = nil // the token goes through the credential helper, never in the URL
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q has a query or fragment", ci.RedactURL(v))
	}
	return u.String(), nil
}

// Origin returns the URL of the checkout's origin remote, without credentials.
func (r *Repo) Origin(ctx context.Context) (Remote, error) {
	v, err := r.gitString(ctx, call{args: []string{"remote", "get-url", "origin"}, op: "read the origin remote of the checkout"})
	if err != nil {
		return Remote{}, exitcode.UsageError(fmt.Errorf("no remote given (--remote, PROJECT_INFRA_REPO_LOCATION, CI_REPOSITORY_URL) "+
			"and the checkout has no origin: %w", err))
	}
	u, err := NormalizeURL(v)
	if err != nil {
		return Remote{}, exitcode.UsageError(fmt.Errorf("the origin remote of the checkout: %w", err))
	}
	return Remote{URL: u, From: "origin"}, nil
}
