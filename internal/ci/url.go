package ci

import (
	"net/url"
	"regexp"
	"strings"
)

// RedactURL returns a URL or repository location fit to be shown or stored: without user
// information, where tokens hide (https://TOKEN@host/path, https://user:TOKEN@host,
// TOKEN@host:group/repo.git, TOKEN@host/path), and with any query cut (…). The one
// function for the masker's messages, git remotes and the GitLab layer.
func RedactURL(v string) string {
	if i := strings.Index(v, "://"); i >= 0 {
		if u, err := url.Parse(v); err == nil {
			u.User = nil
			if u.RawQuery != "" {
				u.RawQuery = "…"
			}
			return u.String()
		}
		rest := v[i+3:]
		host := strings.SplitN(rest, "/", 2)[0]
		if at := strings.LastIndex(host, "@"); at >= 0 {
			return v[:i+3] + rest[at+1:]
		}
		return v
	}
	// scp form (user@host:path) and scheme-less host/path: the user part goes
	if at := strings.Index(v, "@"); at >= 0 && !strings.ContainsAny(v[:at], "/ ") {
		return v[at+1:]
	}
	return v
}

// urlUser matches the user of a URL with a scheme that has no password: scheme://TOKEN@.
var urlUser = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/@\s:]+)@`)

// scpUser matches the user of a scheme-less remote, TOKEN@host:group/repo or TOKEN@host/path.
var scpUser = regexp.MustCompile(`(^|[\s"'(=,])([^\s@/:"'(=,<>]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+|localhost)((?::[0-9]+)?[:/][^\s]*/)`)
