package testbed

import (
	"context"
	"flag"
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
//
// Under `go test -short` no cluster starts: *dst stays nil, the package's pure tests run and
// every integration test skips where it first asks for the cluster (Cluster.Need, or
// Cluster.Namespace, which calls it). make test never passes -short.
func Main(m *testing.M, dst **Cluster, setup ...func(*Cluster) error) int {
	if Short() {
		return m.Run()
	}
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

// Short reports whether the tests run with -short: pure tests only, no test bed. TestMain
// calls it before m.Run, so it parses the test flags first (as testing's own docs advise).
func Short() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	return testing.Short()
}

// skipShort is why an integration test skips under -short.
const skipShort = "integration test: needs the test bed, which go test -short does not start (make test runs it)"

// Need marks a test as an integration test: under -short, where no cluster was started (c is
// nil), it skips the test; otherwise it does nothing. Tests that begin with Namespace need
// not call it.
func (c *Cluster) Need(t testing.TB) {
	t.Helper()
	if c == nil {
		if !testing.Short() {
			t.Fatal("no test bed: TestMain did not start one (call testbed.Main or Shared.Get)")
		}
		t.Skip(skipShort)
	}
}

// Namespace creates a namespace named after the test and deletes it when the test ends.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	c.Need(t)
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
//
// Under -short it skips the test instead: no cluster starts.
func (s *Shared) Get(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip(skipShort)
	}
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

// GLCD returns the glcd binary for a test that runs the real process (BuildGLCD, into the
// test's temporary directory unless $GLCD_TEST_BIN names one); under -short, where nothing is
// built, it skips the test.
func GLCD(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the built glcd binary, which go test -short does not build (make test does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bin, err := BuildGLCD(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// MainWithGLCD is Main for packages whose tests run the built glcd: it builds the binary into
// *bin first (a build failure fails the package) and removes it afterwards.
func MainWithGLCD(m *testing.M, dst **Cluster, bin *string, setup ...func(*Cluster) error) int {
	if Short() {
		return m.Run()
	}
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
