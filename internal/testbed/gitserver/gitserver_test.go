package gitserver

import (
	"os/exec"
	"strings"
	"testing"
)

const (
	tok = "glpat-Gitserver-0123456789"
	ro  = "glpat-Gitserver-ReadOnly-01"
)

// gitWith runs git with a credential helper that answers user and password from its
// environment, and returns its combined output and exit code.
func gitWith(t *testing.T, dir string, env []string, user, pass string, args ...string) (string, int) {
	t.Helper()
	helper := `!f() { test "$1" = get && printf 'username=%s\npassword=%s\n' "$U" "$P"; }; f`
	cmd := exec.Command("git", append([]string{"-c", "credential.helper=", "-c", "credential.helper=" + helper}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, env...), "U="+user, "P="+pass)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestServesGitOverTLSWithTokenAuth(t *testing.T) {
	s := Start(t, Options{TLS: true, Tokens: []Token{{Value: tok}, {User: "gitlab-ci-token", Value: ro, ReadOnly: true}}})
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || s.CAFile == "" {
		t.Fatalf("URL %s CA %q", s.URL, s.CAFile)
	}
	seed := s.Seed(t, "group/infra.git", "main", Commit{Files: map[string]string{"a.yaml": "a: 1\n"}, Message: "one"})
	env := s.Env(t)
	url := s.RepoURL("group/infra.git")
	dir := t.TempDir()

	out, code := gitWith(t, dir, env, "oauth2", tok, "ls-remote", "--symref", url, "HEAD")
	if code != 0 || !strings.Contains(out, "ref: refs/heads/main\tHEAD") || !strings.Contains(out, seed) {
		t.Fatalf("ls-remote: %d\n%s", code, out)
	}
	out, code = gitWith(t, dir, env, "oauth2", "wrong", "ls-remote", url)
	if code == 0 || !strings.Contains(out, "Authentication failed") || !strings.Contains(out, "HTTP Basic: Access denied") {
		t.Fatalf("wrong token: %d\n%s", code, out)
	}
	out, code = gitWith(t, dir, env, "oauth2", ro, "ls-remote", url)
	if code == 0 {
		t.Fatalf("a token bound to gitlab-ci-token was accepted for oauth2:\n%s", out)
	}
	out, code = gitWith(t, dir, env, "oauth2", tok, "ls-remote", s.URL+"/group/none.git")
	if code == 0 || !strings.Contains(out, "not found") {
		t.Fatalf("unknown repository: %d\n%s", code, out)
	}
	noCA := []string{}
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GIT_SSL_CAINFO=") {
			noCA = append(noCA, kv)
		}
	}
	if out, code = gitWith(t, dir, noCA, "oauth2", tok, "ls-remote", url); code == 0 || !strings.Contains(out, "certificate") {
		t.Fatalf("without the CA: %d\n%s", code, out)
	}

	// Clone, commit, push: the push lands; a read-only token gets 403.
	work := t.TempDir() + "/w"
	if out, code = gitWith(t, dir, env, "oauth2", tok, "clone", "--quiet", url, work); code != 0 {
		t.Fatalf("clone: %s", out)
	}
	id := append(env, "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@b", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@b")
	Git(t, work, id, "commit", "--quiet", "--allow-empty", "-m", "two")
	head := Git(t, work, env, "rev-parse", "HEAD")
	if out, code = gitWith(t, work, env, "gitlab-ci-token", ro, "push", url, "HEAD:refs/heads/main"); code == 0 || !strings.Contains(out, "403") {
		t.Fatalf("read-only push: %d\n%s", code, out)
	}
	if out, code = gitWith(t, work, env, "oauth2", tok, "push", url, "HEAD:refs/heads/main"); code != 0 || s.RefValue(t, "group/infra.git", "refs/heads/main") != head {
		t.Fatalf("push: %d\n%s", code, out)
	}

	// Refuse: an update hook declines tags.
	if err := s.Refuse("group/infra.git", "refs/tags/", "GitLab: protected tag"); err != nil {
		t.Fatal(err)
	}
	out, code = gitWith(t, work, env, "oauth2", tok, "push", url, "HEAD:refs/tags/t1")
	if code == 0 || !strings.Contains(out, "GitLab: protected tag") || s.RefValue(t, "group/infra.git", "refs/tags/t1") != "" {
		t.Fatalf("refused tag: %d\n%s", code, out)
	}
	if err := s.Allow("group/infra.git"); err != nil {
		t.Fatal(err)
	}
	if out, code = gitWith(t, work, env, "oauth2", tok, "push", url, "HEAD:refs/tags/t1"); code != 0 {
		t.Fatalf("allowed tag: %s", out)
	}

	// Requests: git asks anonymously first (401), then with the token; protocol v2 is spoken.
	var sawV2, saw401, sawAuthed, saw403 bool
	for _, r := range s.Requests() {
		saw401 = saw401 || (r.Status == 401 && !r.Authed)
		sawAuthed = sawAuthed || (r.Authed && r.User == "oauth2" && r.Status == 200)
		saw403 = saw403 || (r.Status == 403 && r.Service == "git-receive-pack")
		sawV2 = sawV2 || (r.Service == "git-upload-pack" && r.Method == "POST" && r.Protocol == "version=2")
	}
	if !saw401 || !sawAuthed || !saw403 || !sawV2 {
		t.Fatalf("requests %+v", s.Requests())
	}
	if loc := s.Location("group/infra.git"); loc != strings.TrimPrefix(s.URL, "https://")+"/group/infra" {
		t.Fatalf("Location %q", loc)
	}
}

func TestCloneCIIsShallowAndDetached(t *testing.T) {
	s := Start(t, Options{Tokens: []Token{{Value: tok}}})
	var commits []Commit
	for i := range 25 {
		commits = append(commits, Commit{Files: map[string]string{"n": strings.Repeat("x", i+1)}, Message: "c"})
	}
	tip := s.Seed(t, "g/r.git", "main", commits...)
	env := s.Env(t)
	dir := s.CloneCI(t, "g/r.git", env)
	if Git(t, dir, env, "rev-parse", "--is-shallow-repository") != "true" || Git(t, dir, env, "rev-list", "--count", "HEAD") != "20" {
		t.Fatal("not a clone of depth 20")
	}
	if out, _ := exec.Command("git", "-C", dir, "symbolic-ref", "-q", "HEAD").Output(); len(out) != 0 {
		t.Fatalf("HEAD is on %s, want detached", out)
	}
	if Git(t, dir, env, "rev-parse", "HEAD") != tip || Git(t, dir, env, "remote", "get-url", "origin") != s.RepoURL("g/r.git") {
		t.Fatal("wrong HEAD or origin")
	}
}
