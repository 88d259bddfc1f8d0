// Package e2e builds Dockerfile.kubectl for real with podman (on a local Debian base: no
// registry is reachable here, so the Alpine default is checked by the policy test only) and
// proves the image: its configuration, the tools on PATH, kubectl behaving as upstream's, a
// GitLab Kubernetes-executor job pod on the test bed, and the `docker run` debugging path.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/testbed"
)

const (
	imageRef = "localhost/glcd/kubectl:e2e"
	version  = "0.0.0-e2e"
)

var (
	tb       *testbed.Cluster
	pm       *images.Podman
	revision string
)

func TestMain(m *testing.M) {
	if testbed.Short() {
		os.Exit(m.Run()) // no image build and no test bed: the pure tests only
	}
	if err := build(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	os.Exit(testbed.Main(m, &tb, importImages))
}

// build builds the image once for the package, before the test bed starts.
func build() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	dir, err := images.DefaultDir()
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "e2e-build.log")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// open for the whole package: later builds (TestArm64Binary) log here too
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	if pm, err = images.New(dir, log); err != nil {
		return err
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return fmt.Errorf("git rev-parse HEAD: %w", err)
	}
	revision = strings.TrimSpace(string(rev))
	start := time.Now()
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	err = pm.BuildKubectlDebian(ctx, images.KubectlBuild{Repo: root, Tag: imageRef, Version: version,
		Revision: revision, Created: time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("%w (full log: %s)", err, logPath)
	}
	fmt.Fprintf(os.Stderr, "built %s on the Debian base in %s (log: %s)\n", imageRef, time.Since(start).Round(time.Second), logPath)
	return nil
}

// importImages loads the built image and two app images into the test bed's containerd, as
// a registry pull would on a real node.
func importImages(c *testbed.Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "glcd-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	archive := filepath.Join(dir, "image.tar")
	if err := pm.Save(ctx, imageRef, archive); err != nil {
		return err
	}
	if err := c.ImportImage(ctx, archive); err != nil {
		return err
	}
	return c.ImportBusyboxImages(ctx, map[string][]string{
		"testbed.local/app:1": {"sleep", "3600"},
		"testbed.local/app:2": {"sleep", "3600"},
	})
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// exitCode returns the exit code carried by err (0 for nil); other errors fail the test.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}
