// Package scripts holds the tests of the drop-in shell scripts, run with sh against a glcd
// built for the test and the test doubles.
package scripts

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

const (
	trigToken = "glptt-Script-0123456789abcdef"
	readToken = "glpat-Script-0123456789abcdef"
)

// buildGLCD is the glcd binary the scripts run: make build's, or one built for the test.
func buildGLCD(t *testing.T) string {
	t.Helper()
	return testbed.GLCD(t)
}

func TestTriggerDeploy(t *testing.T) {
	glcd := buildGLCD(t)
	s := gitlabapi.New()
	t.Cleanup(s.Close)
	s.AddProject(gitlabapi.Project{ID: 42, Path: "group/app-infra", TriggerTokens: []string{trigToken},
		Branches: map[string]string{"main": strings.Repeat("a", 40), "production": strings.Repeat("c", 40)}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: readToken})
	s.Script(gitlabapi.Script{}) // created, pending, running, success
	s.Script(gitlabapi.Script{Statuses: []string{"running", "success"}})
	s.Script(gitlabapi.Script{Statuses: []string{"running", "failed"}, Jobs: []gitlabapi.Job{{Name: "rollout", Stage: "deploy", Status: "failed"}}})

	// The old deploy job's variables, and nothing of this machine's environment but PATH.
	old := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GLCD=" + glcd,
		"INFRA_PIPELINE_TRIGGER_URL=" + s.APIURL() + "/projects/42/trigger/pipeline",
		"INFRA_PIPELINE_TOKEN=" + trigToken, "GLCD_GITLAB_TOKEN=" + readToken,
		"TARGET_IMAGE_VERSION=1.4.0", "PROJECT_NAME=jobboard", "POD_NAME=web", "IMAGE_NAME=registry.example.com/group/jobboard",
		"GLCD_POLL_INTERVAL=1ms", "CI_PROJECT_DIR=" + t.TempDir(),
	}
	run := func(extra ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("sh", "trigger-deploy")
		cmd.Env = append(append([]string{}, old...), extra...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{trigToken, readToken} {
			if strings.Contains(string(out), secret) {
				t.Fatalf("a token leaked:\n%s", out)
			}
		}
		return string(out), code
	}

	out, code := run()
	if code != 0 || s.Count("GET", "") != 0 {
		t.Fatalf("exit %d, %d reads without GLCD_WAIT\n%s", code, s.Count("GET", ""), out)
	}
	want := `{"ref":"main","token":"` + trigToken + `","variables":{"IMAGE_NAME":"registry.example.com/group/jobboard",` +
		`"POD_NAME":"web","PROJECT_NAME":"jobboard","TARGET_IMAGE_VERSION":"1.4.0"}}`
	if r := s.Requests()[0]; r.RawPath != "/api/v4/projects/42/trigger/pipeline" || string(r.Body) != want {
		t.Fatalf("sent %s\n%s\nwant\n%s", r.RawPath, r.Body, want)
	}
	if !strings.Contains(out, "Pipeline 1000 created (created): "+s.URL+"/group/app-infra/-/pipelines/1000") {
		t.Fatalf("output:\n%s", out)
	}

	out, code = run("GLCD_WAIT=1", "INFRA_PIPELINE_REF=production")
	if code != 0 || !strings.Contains(out, "Pipeline 1001 succeeded") || !strings.Contains(string(s.Requests()[1].Body), `"ref":"production"`) {
		t.Fatalf("GLCD_WAIT=1: exit %d\n%s", code, out)
	}

	out, code = run("GLCD_WAIT=1")
	if code != 1 || !strings.Contains(out, "deploy  rollout  script_failure") || !strings.Contains(out, "glcd: downstream pipeline 1002 failed") {
		t.Fatalf("a failed pipeline: exit %d\n%s", code, out)
	}

	out, code = run("INFRA_PIPELINE_TOKEN=")
	if code != 2 || !strings.Contains(out, "INFRA_PIPELINE_TOKEN (--token) is not set") {
		t.Fatalf("no token: exit %d\n%s", code, out)
	}
	if len(s.Pipelines()) != 3 {
		t.Fatalf("%d pipelines, want 3", len(s.Pipelines()))
	}
}
