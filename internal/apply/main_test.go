package apply_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/cli"
	"gitlab.com/glcd/glcd/internal/testbed"
)

var tb *testbed.Cluster

func TestMain(m *testing.M) { os.Exit(testbed.Main(m, &tb, testbed.ImportAppImages)) }

const jobToken = "glcbt-64_ApplyJobTokenNeverPrinted"

// glcd runs the CLI in-process against the test bed (with a job token it must never print)
// and returns stdout, stderr and the exit code.
func glcd(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	tb.Need(t)
	environ := append([]string{"KUBECONFIG=" + tb.Kubeconfig, "CI_JOB_TOKEN=" + jobToken}, env...)
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"glcd"}, args...), environ,
		cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errb},
		cli.BuildInfo{Version: "test", Commit: "test", GoVersion: "go", ClientGo: "v0"})
	if strings.Contains(out.String()+errb.String(), jobToken) {
		t.Errorf("the job token leaked into the output:\n%s\n%s", out.String(), errb.String())
	}
	t.Logf("glcd %s -> exit %d\n%s", strings.Join(args, " "), code, errb.String())
	return out.String(), errb.String(), code
}

func wantCode(t *testing.T, got, want int, stderr string) {
	t.Helper()
	if got != want {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", got, want, stderr)
	}
}

func wantIn(t *testing.T, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func nsArg(ns string) string { return fmt.Sprintf("--namespace=%s", ns) }

func deployedImage(t *testing.T, ns string) string {
	t.Helper()
	d, err := tb.Client.AppsV1().Deployments(ns).Get(ctxT(t), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}
