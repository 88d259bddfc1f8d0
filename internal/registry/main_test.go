package registry_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/glcd/glcd/internal/builderkey"
	"gitlab.com/glcd/glcd/internal/testbed"
)

var (
	tb   *testbed.Cluster
	glcd string // the built binary
)

// pushVar names the image the test binary pushes when re-run inside the test bed's network
// namespace, where the registries listen.
const pushVar = "GLCD_REGISTRY_TEST_PUSH"

func TestMain(m *testing.M) {
	if ref := os.Getenv(pushVar); ref != "" {
		os.Exit(push(ref))
	}
	os.Exit(testbed.MainWithGLCD(m, &tb, &glcd))
}

// push writes a small random image to ref, with the test bed's registry credentials.
func push(ref string) int {
	err := func() error {
		r, err := ggcrname.ParseReference(ref)
		if err != nil {
			return err
		}
		img, err := random.Image(1024, 1)
		if err != nil {
			return err
		}
		auth := authn.FromConfig(authn.AuthConfig{Username: testbed.RegistryUser, Password: testbed.RegistryPassword})
		return remote.Write(r, img, remote.WithAuth(auth))
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "push %s: %v\n", ref, err)
		return 1
	}
	return 0
}

// pushImage pushes a random image to ref from inside the test bed's network namespace.
func pushImage(t *testing.T, ref string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := tb.InNetns(t.Context(), self)
	cmd.Env = append(os.Environ(), pushVar+"="+ref)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("push %s: %v\n%s", ref, err, out)
	}
}

const (
	sampleDir = "../../testdata/builder-app"
	base      = "localhost:5001/glcd/builder-base:9.0.2-1"
	jobToken  = "glcbt-64_RegistryJobTokenNeverShown"
)

// builderKey runs the built `glcd builder-key` inside the test bed's network namespace with
// exactly env (plus HOME and PATH) and returns its stdout, stderr and exit code. It fails the
// test if a credential of env appears in either stream.
func builderKey(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	tb.Need(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := tb.InNetns(ctx, glcd, append([]string{"builder-key", "--dir", sampleDir, "--base", base}, args...)...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("glcd builder-key %s -> exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if (strings.Contains(k, "TOKEN") || strings.Contains(k, "PASSWORD")) && strings.Contains(stdout.String()+stderr.String(), v) {
			t.Errorf("the value of %s leaked into the output", k)
		}
	}
	return stdout.String(), stderr.String(), code
}

// sampleKey is the key glcd must print for the sample app.
func sampleKey(t *testing.T) string {
	t.Helper()
	k, err := builderkey.Compute(sampleDir, base)
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}

// repo is a repository of its own for the test, so tests and runs do not see each other's pushes.
func repo(t *testing.T, registry string) string {
	return fmt.Sprintf("%s/%s-%d/builder", registry, strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano())
}
