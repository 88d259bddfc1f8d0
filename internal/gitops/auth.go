package gitops

import (
	"strconv"

	"gitlab.com/glcd/glcd/internal/ci"
)

// The user names GitLab expects with its tokens over HTTP.
const (
	// TokenUser goes with personal, project and group access tokens (GitLab ignores it,
	// but it must not be empty).
	TokenUser = "oauth2"
	// JobTokenUser goes with CI_JOB_TOKEN.
	JobTokenUser = "gitlab-ci-token"
)

// The environment variables the credential helper reads: set only on the git process.
const (
	envUser = "GLCD_GIT_USERNAME"
	envPass = "GLCD_GIT_PASSWORD"
)

// credentialHelper is a git credential helper as a shell snippet: it answers "get" with the
// user and token from its environment, and ignores "store" and "erase". git runs it through
// the shell with the operation as $1. printf, not echo: a token may hold a backslash.
const credentialHelper = `!f() { test "$1" = get || return 0; printf 'username=%s\npassword=%s\n' "$` + envUser + `" "$` + envPass + `"; }; f`

// Auth is the credential git sends to an http(s) remote.
type Auth struct {
	User  string
	Token ci.Secret
	// From names where the token came from (GLCD_GIT_TOKEN, ...), for messages.
	From string
}

// IsSet reports whether a token is set.
func (a Auth) IsSet() bool { return a.Token.IsSet() }

// AuthFromEnv picks the git credential of a job: GLCD_GIT_TOKEN, else the old
// CI_PERSONAL_ACCESS_TOKEN (both with user oauth2), else CI_JOB_TOKEN (user gitlab-ci-token),
// which may push only where the project allows job-token pushes. user, if set, replaces the
// user name. The zero Auth means no token at all.
func AuthFromEnv(env *ci.Env, user string) Auth {
	var a Auth
	switch {
	case env.GitToken.IsSet():
		a = Auth{User: TokenUser, Token: env.GitToken, From: "GLCD_GIT_TOKEN"}
	case env.Deploy.PersonalAccessToken.IsSet():
		a = Auth{User: TokenUser, Token: env.Deploy.PersonalAccessToken, From: "CI_PERSONAL_ACCESS_TOKEN"}
	case env.GitLab.JobToken.IsSet():
		a = Auth{User: JobTokenUser, Token: env.GitLab.JobToken, From: "CI_JOB_TOKEN"}
	default:
		return Auth{}
	}
	if user != "" {
		a.User = user
	}
	return a
}

// helperEnv configures the credential helper through git's GIT_CONFIG_KEY_n/VALUE_n
// variables, after the n entries the environment already has: first an empty
// credential.helper, which drops every helper configured before (so no "store" helper of
// the machine writes the token to disk), then glcd's, which reads the token from the process
// environment.
func (a Auth) helperEnv(n int) []string {
	k := func(i int) string { return strconv.Itoa(n + i) }
	return []string{
		"GIT_CONFIG_KEY_" + k(0) + "=credential.helper", "GIT_CONFIG_VALUE_" + k(0) + "=",
		"GIT_CONFIG_KEY_" + k(1) + "=credential.helper", "GIT_CONFIG_VALUE_" + k(1) + "=" + credentialHelper,
		envUser + "=" + a.User, envPass + "=" + a.Token.Reveal(),
	}
}
