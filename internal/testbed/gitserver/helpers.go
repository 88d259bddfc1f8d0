package gitserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Start starts a server for the test and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Env returns a hermetic environment for git in a test: PATH, a fresh HOME with no
// configuration, no system configuration, the C locale, and the server's CA when it serves TLS.
func (s *Server) Env(t testing.TB) []string {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0"}
	if s.CAFile != "" {
		env = append(env, "GIT_SSL_CAINFO="+s.CAFile)
	}
	return env
}

// Git runs git in dir with env and returns its trimmed standard output; it fails the test
// when git fails.
func Git(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// Commit is one commit of a seeded history.
type Commit struct {
	Files   map[string]string // path → content; "" deletes the file
	Message string
}

// Seed creates the bare repository repo with default branch branch and pushes the commits
// to it (directly on disk, not over HTTP), each on top of the last, as "Seed <seed@example.com>".
// It returns the last commit's id.
func (s *Server) Seed(t testing.TB, repo, branch string, commits ...Commit) string {
	t.Helper()
	if err := s.CreateRepo(repo, branch); err != nil {
		t.Fatal(err)
	}
	return s.Append(t, repo, branch, commits...)
}

// Append adds commits on top of branch in repo (directly on disk) and returns the last one's id.
func (s *Server) Append(t testing.TB, repo, branch string, commits ...Commit) string {
	t.Helper()
	env := append(s.Env(t), "GIT_AUTHOR_NAME=Seed", "GIT_AUTHOR_EMAIL=seed@example.com",
		"GIT_COMMITTER_NAME=Seed", "GIT_COMMITTER_EMAIL=seed@example.com")
	work := t.TempDir()
	Git(t, work, env, "init", "--quiet", "--initial-branch="+branch)
	bare := s.Dir(repo)
	if Git(t, work, env, "ls-remote", bare, "refs/heads/"+branch) != "" {
		Git(t, work, env, "fetch", "--quiet", bare, branch)
		Git(t, work, env, "reset", "--quiet", "--hard", "FETCH_HEAD")
	}
	for _, c := range commits {
		for name, content := range c.Files {
			p := filepath.Join(work, filepath.FromSlash(name))
			if content == "" {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		Git(t, work, env, "add", "--all")
		Git(t, work, env, "commit", "--quiet", "--allow-empty", "-m", c.Message)
	}
	Git(t, work, env, "push", "--quiet", bare, "HEAD:refs/heads/"+branch)
	return Git(t, work, env, "rev-parse", "HEAD")
}

// CloneCI makes a checkout like GitLab CI's: `git clone --depth 20` of the repository's
// default branch, HEAD detached at its tip, origin set to the repository's URL without
// credentials. The clone is made from disk, so it needs no token.
func (s *Server) CloneCI(t testing.TB, repo string, env []string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "checkout")
	Git(t, filepath.Dir(dir), env, "clone", "--quiet", "--depth", "20", "file://"+s.Dir(repo), dir)
	Git(t, dir, env, "checkout", "--quiet", "--detach")
	Git(t, dir, env, "remote", "set-url", "origin", s.RepoURL(repo))
	return dir
}

// RefValue returns what ref points at in the bare repository repo, or "" if it does not exist.
func (s *Server) RefValue(t testing.TB, repo, ref string) string {
	t.Helper()
	cmd := exec.Command("git", "rev-parse", "--verify", "--quiet", ref)
	cmd.Dir = s.Dir(repo)
	cmd.Env = s.gitEnv()
	out, _ := cmd.Output()
	return strings.TrimSpace(string(out))
}

// GitBare runs git in the bare repository repo and returns its trimmed output.
func (s *Server) GitBare(t testing.TB, repo string, args ...string) string {
	t.Helper()
	return Git(t, s.Dir(repo), s.gitEnv(), args...)
}
