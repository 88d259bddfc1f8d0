package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

const (
	pushToken  = "glpat-Script-Push-0123456789abc"
	wrongToken = "glpat-Script-Wrong-00000000000"
)

func manifest(tag string) string {
	return "# jobboard\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: jobboard\nspec:\n  template:\n    spec:\n" +
		"      containers:\n        - name: jobboard-web\n          image: registry.gitlab.com/acme/jobboard/jobboard:" + tag + "   # set by CI\n"
}

// The old infra job ran `scripts/commit-tag-push` in its checkout with the variables the
// trigger passed; the drop-in does the same job through glcd, over TLS with token auth.
func TestCommitTagPush(t *testing.T) {
	glcd := buildGLCD(t)
	script, err := filepath.Abs("commit-tag-push")
	if err != nil {
		t.Fatal(err)
	}
	srv := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: pushToken}}})
	seed := srv.Seed(t, "acme/jobboard-infra.git", "master", gitserver.Commit{Files: map[string]string{"kubernetes/jobboard.yaml": manifest("1.3.0")}, Message: "initial"})
	genv := srv.Env(t)
	dir := srv.CloneCI(t, "acme/jobboard-infra.git", genv)

	// The old job's variables (no CI_PROJECT_DIR: the script runs in the checkout), GitLab's
	// CI_ENVIRONMENT_NAME, and nothing of this machine's environment but PATH.
	old := append(genv, "GLCD="+glcd,
		"PROJECT_NAME=jobboard", "POD_NAME=jobboard-web", "IMAGE_NAME=registry.gitlab.com/acme/jobboard/jobboard",
		"TARGET_IMAGE_VERSION=1.4.0", "CI_ENVIRONMENT_NAME=production",
		"PROJECT_INFRA_REPO_LOCATION="+srv.Location("acme/jobboard-infra.git"), "CI_PERSONAL_ACCESS_TOKEN="+pushToken)
	run := func(extra ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("sh", script)
		cmd.Dir = dir
		cmd.Env = append(append([]string{}, old...), extra...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
		for _, secret := range []string{pushToken, wrongToken} {
			if strings.Contains(string(out)+string(cfg), secret) {
				t.Fatalf("a token leaked:\n%s\n%s", out, cfg)
			}
		}
		return string(out), code
	}

	out, code := run()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	tip := srv.RefValue(t, "acme/jobboard-infra.git", "refs/heads/master")
	if tip == seed || srv.RefValue(t, "acme/jobboard-infra.git", "refs/tags/jobboard-production^{commit}") != tip {
		t.Fatalf("master %s, tag %s\n%s", tip, srv.RefValue(t, "acme/jobboard-infra.git", "refs/tags/jobboard-production^{commit}"), out)
	}
	if got := srv.GitBare(t, "acme/jobboard-infra.git", "cat-file", "blob", "master:kubernetes/jobboard.yaml"); got+"\n" != manifest("1.4.0") {
		t.Fatalf("manifest:\n%s", got)
	}
	if !strings.Contains(out, "Pushed "+tip[:12]+" to master and moved tag jobboard-production to it") {
		t.Fatalf("output:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kubernetes/jobboard.yaml")); string(b) != manifest("1.4.0") {
		t.Fatal("the checkout does not show the write-back")
	}

	out, code = run()
	if code != 0 || !strings.Contains(out, "Nothing to change") || srv.RefValue(t, "acme/jobboard-infra.git", "refs/heads/master") != tip {
		t.Fatalf("again: exit %d\n%s", code, out)
	}

	out, code = run("TARGET_IMAGE_VERSION=1.5.0", "CI_PERSONAL_ACCESS_TOKEN="+wrongToken)
	if code != 2 || !strings.Contains(out, "the server refused CI_PERSONAL_ACCESS_TOKEN") {
		t.Fatalf("wrong token: exit %d\n%s", code, out)
	}
	out, code = run("CI_ENVIRONMENT_NAME=")
	if code != 2 || !strings.Contains(out, "CI_ENVIRONMENT_NAME is not set") {
		t.Fatalf("no environment: exit %d\n%s", code, out)
	}
	if srv.RefValue(t, "acme/jobboard-infra.git", "refs/heads/master") != tip {
		t.Fatal("a failed run changed the remote")
	}
}
