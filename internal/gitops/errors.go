package gitops

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Kind says why a git command failed, as far as glcd can tell.
type Kind int

// The kinds of failure. Auth, Forbidden, NotFound and TLS are settings to fix (exit 2);
// Unreachable, Rejected, Race and Git failed (exit 1); Canceled is the context's.
const (
	KindGit         Kind = iota // any other failure
	KindAuth                    // the server refused the credentials (401)
	KindForbidden               // the credentials may not do this (403)
	KindNotFound                // no such repository, or the credentials cannot see it (404)
	KindTLS                     // the server's certificate is not trusted
	KindUnreachable             // no connection, or the server failed (5xx)
	KindRace                    // a push lost to another push: fetch and try again
	KindRejected                // a push was refused for good (hook, protected ref)
	KindCanceled                // the context ended
	KindNoGit                   // git is not installed
	KindNoDir                   // the directory to run git in does not exist
)

// ErrRace matches (errors.Is) a push that lost a race: another push changed the refs first.
var ErrRace = errors.New("another push changed the remote first")

// Error is a failed git command. Its text is masked and says what to check.
type Error struct {
	Op       string // what glcd was doing, such as "push to https://gitlab.example.com/group/infra.git"
	URL      string // the remote involved, if any
	Kind     Kind
	ExitCode int
	Stderr   string      // what git said (masked)
	Refs     []RefStatus // for a rejected push: each ref's outcome
	Auth     Auth

	err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.detail())
	if h := e.hint(); h != "" {
		fmt.Fprintf(&b, " (%s)", h)
	}
	return b.String()
}

// Unwrap returns the error of the process.
func (e *Error) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrRace) true for a lost race.
func (e *Error) Is(target error) bool { return target == ErrRace && e.Kind == KindRace }

// wrap gives the error its exit code.
func (e *Error) wrap() error {
	switch e.Kind {
	case KindAuth, KindForbidden, KindNotFound, KindTLS, KindNoGit, KindNoDir:
		return exitcode.UsageError(e)
	case KindCanceled:
		return e // exitcode.Of finds context.DeadlineExceeded (3) or context.Canceled (130)
	}
	return exitcode.FailedError(e)
}

// detail is git's own account, trimmed to the lines that say what happened.
func (e *Error) detail() string {
	if e.Kind == KindNoDir {
		return "no such directory"
	}
	if e.Kind == KindCanceled {
		return "stopped before it finished" // git's "signal: killed" says nothing to a user
	}
	if len(e.Refs) > 0 {
		var parts []string
		for _, r := range e.Refs {
			if r.Flag == '!' {
				parts = append(parts, fmt.Sprintf("%s %s", r.Dst, r.Summary))
			}
		}
		msg := "rejected: " + strings.Join(parts, ", ")
		if rm := remoteLines(e.Stderr); rm != "" {
			msg += "; the server said: " + rm
		}
		return msg
	}
	var lines []string
	for _, l := range strings.Split(e.Stderr, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "", strings.HasPrefix(l, "hint:"), strings.HasPrefix(l, "To "), l == "Done":
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > 6 {
		lines = lines[len(lines)-6:]
	}
	if len(lines) == 0 {
		if e.err != nil {
			return e.err.Error()
		}
		return "git failed"
	}
	return strings.Join(lines, "; ")
}

// remoteLines are the "remote: " lines of git's stderr, joined.
func remoteLines(stderr string) string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "remote:"); ok {
			if rest = strings.TrimSpace(rest); rest != "" {
				out = append(out, rest)
			}
		}
	}
	return strings.Join(out, "; ")
}

func (e *Error) hint() string {
	tokenFrom := e.Auth.From
	switch e.Kind {
	case KindAuth:
		if !e.Auth.IsSet() {
			return "no token was given: set GLCD_GIT_TOKEN (or the old CI_PERSONAL_ACCESS_TOKEN) to a project access " +
				"token with the write_repository scope, as a masked CI/CD variable"
		}
		return fmt.Sprintf("the server refused %s (user %s): it is wrong, expired or revoked; GLCD_GIT_TOKEN takes a project "+
			"access token with the write_repository scope", tokenFrom, e.Auth.User)
	case KindForbidden:
		if tokenFrom == "CI_JOB_TOKEN" {
			return "CI_JOB_TOKEN may push only where the project allows it (Settings > CI/CD > Job token permissions > " +
				"allow Git push requests); otherwise set GLCD_GIT_TOKEN to a project access token with write_repository"
		}
		return fmt.Sprintf("%s may not push there: it needs the write_repository scope and the Developer role, "+
			"Maintainer (or an allow rule) for a protected branch or tag", orToken(tokenFrom))
	case KindNotFound:
		return "check the remote (--remote, PROJECT_INFRA_REPO_LOCATION, CI_REPOSITORY_URL); GitLab also answers " +
			"not found when " + orToken(tokenFrom) + " cannot see the project"
	case KindTLS:
		return "git does not trust the server's certificate: give it the CA with GIT_SSL_CAINFO (a file) " +
			"or http.sslCAInfo in the git configuration"
	case KindUnreachable:
		return "the git server could not be reached or failed: check the host, the port and any proxy (https_proxy), then retry"
	case KindRejected:
		return "the server refused the update for good: look at its message above (protected branch or tag, push rules, hooks)"
	case KindRace:
		return "another pipeline pushed first"
	case KindNoGit:
		return "glcd runs the git command: use an image that has git (the glcd image does), or install it"
	case KindNoDir:
		return "check --checkout (GLCD_CHECKOUT, CI_PROJECT_DIR)"
	}
	return ""
}

func orToken(from string) string {
	if from == "" {
		return "the token"
	}
	return from
}

// classify reads git's stderr (in the C locale) for the cause of a failure.
func classify(stderr string, runErr error) Kind {
	s := strings.ToLower(stderr)
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	switch {
	case has("returned error: 403", "not allowed to push", "you are not allowed"):
		return KindForbidden
	case has("authentication failed", "could not read username", "could not read password",
		"returned error: 401", "invalid username or password", "access denied"):
		return KindAuth
	case has("ssl certificate problem", "server certificate verification failed", "certificate verify failed",
		"unable to get local issuer certificate", "self-signed certificate", "self signed certificate"):
		return KindTLS
	case has("returned error: 404", "' not found", "repository not found", "could not be found", "does not appear to be a git repository"):
		return KindNotFound
	case has("could not resolve host", "failed to connect", "couldn't connect", "connection refused", "connection timed out",
		"operation timed out", "network is unreachable", "no route to host", "empty reply from server",
		"the remote end hung up unexpectedly", "returned error: 50", "recv failure", "send failure", "connection reset"):
		return KindUnreachable
	}
	var pe *fs.PathError
	if errors.Is(runErr, exec.ErrNotFound) || errors.As(runErr, &pe) {
		return KindNoGit // fail tells it from a missing directory, which starting git reports alike
	}
	return KindGit
}
