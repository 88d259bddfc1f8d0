package scripts

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

// The app repo's job on the default branch: a Makefile declares 1.4.0, the drop-in tags
// v1.4.0 at HEAD over TLS with a token, a second pipeline finds it there; a refused token is
// exit 2 and creates nothing.
func TestAutoTag(t *testing.T) {
	glcd := buildGLCD(t)
	script, err := filepath.Abs("auto-tag")
	if err != nil {
		t.Fatal(err)
	}
	srv := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: pushToken}}})
	seed := srv.Seed(t, "acme/jobboard.git", "main", gitserver.Commit{
		Files: map[string]string{"Makefile": "DEPLOY_VERSION=1.4.0\n\nimage:\n\tdocker build .\n"}, Message: "Release 1.4.0"})
	genv := srv.Env(t)
	run := func(dir string, extra ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("sh", script)
		cmd.Dir = dir
		cmd.Env = append(append([]string{}, genv...), append([]string{"GLCD=" + glcd, "CI_PROJECT_DIR=" + dir,
			"CI_REPOSITORY_URL=" + srv.RepoURL("acme/jobboard.git"), "GLCD_GIT_TOKEN=" + pushToken}, extra...)...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), pushToken) || strings.Contains(string(out), wrongToken) {
			t.Fatalf("a token leaked:\n%s", out)
		}
		return string(out), code
	}

	out, code := run(srv.CloneCI(t, "acme/jobboard.git", genv))
	if code != 0 || !strings.Contains(out, "Created tag v1.4.0 at "+seed[:12]) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if got := srv.RefValue(t, "acme/jobboard.git", "refs/tags/v1.4.0^{commit}"); got != seed {
		t.Fatalf("v1.4.0 at %s, want %s", got, seed)
	}
	out, code = run(srv.CloneCI(t, "acme/jobboard.git", genv))
	if code != 0 || !strings.Contains(out, "at this commit") {
		t.Fatalf("again: exit %d\n%s", code, out)
	}

	// A token the server refuses: exit 2 naming it, and no tag.
	srv.Seed(t, "acme/other.git", "main", gitserver.Commit{Files: map[string]string{"VERSION": "2.0.0\n"}, Message: "2.0.0"})
	out, code = run(srv.CloneCI(t, "acme/other.git", genv), "GLCD_GIT_TOKEN="+wrongToken, "CI_REPOSITORY_URL="+srv.RepoURL("acme/other.git"))
	if code != 2 || !strings.Contains(out, "the server refused GLCD_GIT_TOKEN") {
		t.Fatalf("wrong token: exit %d\n%s", code, out)
	}
	if refs := srv.GitBare(t, "acme/other.git", "tag", "--list"); refs != "" {
		t.Fatalf("tags after a refused push: %q", refs)
	}
}
