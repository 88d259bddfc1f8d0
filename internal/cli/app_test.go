package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

var info = BuildInfo{Version: "1.2.3", Commit: "abc1234", GoVersion: "go1.26.8", ClientGo: "v0.37.2"}

func runGLCD(t *testing.T, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), append([]string{"glcd"}, args...), environ, Streams{In: strings.NewReader(""), Out: &out, Err: &errb}, info)
	return out.String(), errb.String(), code
}

func TestHelpListsTheCommandsThatExist(t *testing.T) {
	out, _, code := runGLCD(t, nil, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "version  print glcd's version, git commit, Go version and client-go version") || !strings.Contains(out, "rollout  set a workload's image and watch the rollout") {
		t.Fatalf("help lacks the version command:\n%s", out)
	}
	for _, flag := range []string{"--output", "--debug", "--kubeconfig", "--context", "--namespace", "--insecure-skip-tls-verify", "$GLCD_OUTPUT", "$KUBE_CONTEXT", "$KUBE_NAMESPACE"} {
		if !strings.Contains(out, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
	for _, notYet := range []string{"writeback", "autotag", "doctor", "executor"} {
		if strings.Contains(out, "   "+notYet+" ") {
			t.Errorf("help lists %s, which does not exist yet", notYet)
		}
	}
}

func TestVersionTextAndJSON(t *testing.T) {
	out, _, code := runGLCD(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "glcd 1.2.3\n") || !strings.Contains(out, "commit:    abc1234") || !strings.Contains(out, "client-go: v0.37.2") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{{"version", "--output", "json"}, {"-o", "json", "version"}} {
		out, _, code = runGLCD(t, nil, args...)
		var got BuildInfo
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
			t.Fatalf("%v: exit %d, %v: %q", args, code, err, out)
		}
		if got != info {
			t.Fatalf("%v: got %+v", args, got)
		}
	}
}

func TestOutputFromEnvironment(t *testing.T) {
	t.Setenv("GLCD_OUTPUT", "json")
	out, _, code := runGLCD(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "{") {
		t.Fatalf("GLCD_OUTPUT=json ignored: exit %d, %q", code, out)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"--output", "yaml", "version"}, {"no-such-command"}, {"--no-such-flag"}, {"version", "--bogus"}} {
		_, errOut, code := runGLCD(t, nil, args...)
		if code != exitcode.Usage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
		if !strings.HasPrefix(errOut, "glcd: ") && !strings.Contains(errOut, "Incorrect Usage") {
			t.Errorf("%v: stderr %q", args, errOut)
		}
	}
}

func TestSecretsFromTheEnvironmentAreMaskedInErrors(t *testing.T) {
	const secret = "glpat-NeverShowMe-1234"
	environ := []string{"CI_JOB_TOKEN=" + secret}
	out, errOut, code := runGLCD(t, environ, "--output", secret, "version")
	if code != exitcode.Usage {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out+errOut, secret) {
		t.Fatalf("secret leaked: %q %q", out, errOut)
	}
	if !strings.Contains(errOut, `--output "[MASKED]"`) {
		t.Fatalf("stderr %q", errOut)
	}
}
