package testbed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Main starts one cluster for a test package, runs its tests and stops the cluster.
// Use it from TestMain:
//
//	var tb *testbed.Cluster
//	func TestMain(m *testing.M) { os.Exit(testbed.Main(m, &tb)) }
//
// A cluster that cannot start fails the package (exit 1): the tests never skip silently.
// Each setup function runs once on the new cluster (importing images, say) before the tests.
func Main(m *testing.M, dst **Cluster, setup ...func(*Cluster) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Log: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: test bed: %v\n", err)
		return 1
	}
	*dst = c
	for _, f := range setup {
		if err := f(c); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: test bed setup: %v\n", err)
			_ = c.Stop(context.Background())
			return 1
		}
	}
	code := m.Run()
	fmt.Fprintf(os.Stderr, "testbed %s: %s\n", c.Name, c.MemoryReport())
	if err := c.Stop(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: test bed stop: %v\n", err)
		return 1
	}
	return code
}

var nsCounter atomic.Int64

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a namespace named after the test and deletes it when the test ends.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	base := nonDNS.ReplaceAllString(strings.ToLower(t.Name()), "-")
	if len(base) > 40 {
		base = base[:40]
	}
	name := fmt.Sprintf("%s-%d", strings.Trim(base, "-"), nsCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CreateNamespace(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		zero := int64(0)
		_ = c.Client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	return name
}

// Shared is one cluster for a test package, started the first time a test asks for it, so
// that the package's pure unit tests run without root and without a cluster:
//
//	var shared = testbed.Shared{Setup: importImages}
//	func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }
//	func TestX(t *testing.T) { tb := shared.Get(t); ... }
type Shared struct {
	// Setup runs once on the new cluster (importing images, say) before any test uses it.
	Setup []func(*Cluster) error

	once sync.Once
	c    *Cluster
	err  error
}

// Get returns the cluster, starting it on first use; a cluster that cannot start fails the
// test (never skips it).
func (s *Shared) Get(t testing.TB) *Cluster {
	t.Helper()
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
		defer cancel()
		c, err := Start(ctx, Options{Log: os.Stderr})
		if err != nil {
			s.err = fmt.Errorf("test bed: %w", err)
			return
		}
		s.c = c
		for _, f := range s.Setup {
			if err := f(c); err != nil {
				s.err = fmt.Errorf("test bed setup: %w", err)
				return
			}
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.c
}

// Run runs the package's tests and stops the cluster if one was started.
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	if s.c != nil {
		fmt.Fprintf(os.Stderr, "testbed %s: %s\n", s.c.Name, s.c.MemoryReport())
		if err := s.c.Stop(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: test bed stop: %v\n", err)
			return 1
		}
	}
	return code
}

// EnvTestBinary names the glcd binary the tests run: `make test` builds glcd once, as
// `make build` does, and hands it to every test package through this variable.
const EnvTestBinary = "GLCD_TEST_BIN"

// BuildGLCD returns the glcd binary the tests that check what the real process writes run:
// $GLCD_TEST_BIN when it is set (make test), else a fresh static build into dir, with the
// Makefile's build settings (CGO_ENABLED=0, -trimpath), so that it shares the Go build
// cache with the test binaries make test compiles.
func BuildGLCD(ctx context.Context, dir string) (string, error) {
	if bin := os.Getenv(EnvTestBinary); bin != "" {
		if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s=%s is not an executable glcd binary (%v): run make build, or unset it", EnvTestBinary, bin, err)
		}
		return bin, nil
	}
	bin := filepath.Join(dir, "glcd")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "gitlab.com/glcd/glcd/cmd/glcd")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build glcd: %w\n%s", err, out)
	}
	return bin, nil
}

// MainWithGLCD is Main for packages whose tests run the built glcd: it builds the binary into
// *bin first (a build failure fails the package) and removes it afterwards.
func MainWithGLCD(m *testing.M, dst **Cluster, bin *string, setup ...func(*Cluster) error) int {
	dir, err := os.MkdirTemp("", "glcd-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if *bin, err = BuildGLCD(ctx, dir); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		return 1
	}
	return Main(m, dst, setup...)
}

// ImportAppImages is a setup function that imports AppImages, the test app's images.
func ImportAppImages(c *Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.ImportBusyboxImages(ctx, AppImages)
}
