// Package clitest runs glcd's command line in-process for the integration tests of the
// command packages, and checks what it printed.
package clitest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"gitlab.com/glcd/glcd/internal/cli"
)

// Run runs glcd with args in exactly environ and returns stdout, stderr and the exit code. A
// secret of secrets in either stream fails the test (Errorf: tests call Run from goroutines).
func Run(t testing.TB, environ, secrets []string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"glcd"}, args...), environ,
		cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errb},
		cli.BuildInfo{Version: "test", Commit: "test", GoVersion: "go", ClientGo: "v0"})
	for _, s := range secrets {
		if strings.Contains(out.String()+errb.String(), s) {
			t.Errorf("a secret leaked into the output:\n%s\n%s", out.String(), errb.String())
		}
	}
	t.Logf("glcd %s -> exit %d\n%s", strings.Join(args, " "), code, errb.String())
	return out.String(), errb.String(), code
}

// WantCode fails the test now unless the exit code is want.
func WantCode(t testing.TB, got, want int, stderr string) {
	t.Helper()
	if got != want {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", got, want, stderr)
	}
}

// WantIn fails the test for each of subs that text lacks.
func WantIn(t testing.TB, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
}

// Ctx is a context for one test's calls to the cluster: three minutes, cancelled when it ends.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// DeployedImage is the image of the first container of Deployment name in ns.
func DeployedImage(t testing.TB, cs kubernetes.Interface, ns, name string) string {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(Ctx(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}
