// Package buildere2e builds Dockerfile.builder for real with podman on the sample app of
// testdata/builder-app: builder-base, then builder, then app; runs the app's health endpoint;
// and proves that a release reuses the builder (same key, no dependency compiled again).
package buildere2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/builderkey"
)

const (
	baseRef = "localhost/glcd/builder-base:e2e"
	appRef  = "localhost/glcd/builder-app:e2e"
)

// deps are the sample's vendored dependencies, which the builder stage compiles.
var deps = []string{"greeting", "parser-combinators", "megaparsec", "aeson", "wai-extra", "wai-app-static", "servant", "servant-server"}

// stackLine tells whether stack logged the line for package pkg (it prefixes a package's lines
// with its name, padded to the longest name it builds, and "> ").
func stackLine(log, pkg, line string) bool {
	return regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(pkg) + ` *> ` + regexp.QuoteMeta(line)).MatchString(log)
}

// build runs one podman build whose log is returned (and kept in the cache directory).
func build(t testing.TB, dir string, o images.BuildOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := os.MkdirAll(dir, 0o700); err != nil { // a fresh machine: no podman cache yet
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "builder-e2e-"+o.Target+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pm, err := images.New(dir, io.MultiWriter(&buf, f))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	debian, err := pm.EnsureDebianBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	o.Dockerfile = filepath.Join(root, "Dockerfile.builder")
	o.Network = images.NetworkHost // apt-get
	o.Args = map[string]string{"BASE": debian, "RUNTIME": debian}
	if o.Contexts == nil {
		o.Contexts = map[string]string{}
	}
	o.Contexts["glcd"] = glcdContext
	start := time.Now()
	if err := pm.Build(ctx, o); err != nil {
		t.Fatalf("build --target %s: %v (log: %s)", o.Target, err, logPath)
	}
	t.Logf("built %s (--target %s) in %s", o.Tag, o.Target, time.Since(start).Round(time.Second))
	return buf.String()
}

// podman returns the podman cache directory the tests share and a Podman on it.
func podman(t testing.TB) (string, *images.Podman) {
	t.Helper()
	dir, err := images.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	pm, err := images.New(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return dir, pm
}

// sample copies the sample app; stamp makes its source unique, so the app stage compiles it
// even when podman's layer cache holds an earlier build.
func sample(t testing.TB, version string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("../../testdata/builder-app")); err != nil {
		t.Fatal(err)
	}
	edit(t, dst, "package.yaml", "version: 1.0.0", "version: "+version)
	edit(t, dst, "app/Main.hs", "module Main (main) where", fmt.Sprintf("module Main (main) where\n-- build %d", time.Now().UnixNano()))
	return dst
}

func edit(t testing.TB, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func key(t testing.TB, dir string) string {
	t.Helper()
	k, err := builderkey.Compute(dir, baseRef)
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}

func TestBuilderImages(t *testing.T) {
	tb.Need(t)
	dir, err := images.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	v1 := sample(t, "1.0.0")
	build(t, dir, images.BuildOptions{Context: v1, Target: "builder-base", Tag: baseRef})
	k1 := key(t, v1)
	builderRef := "localhost/glcd/builder:" + k1
	log := build(t, dir, images.BuildOptions{Context: v1, Target: "builder", Tag: builderRef})
	// compiled now, or by an earlier run whose layer podman reuses
	_, afterDeps, _ := strings.Cut(log, "--only-dependencies")
	_, nextLine, _ := strings.Cut(afterDeps, "\n")
	if !strings.HasPrefix(nextLine, "--> Using cache") {
		for _, dep := range deps {
			if !stackLine(log, dep, "build (lib)") {
				t.Errorf("the builder stage neither compiled the vendored dependency %s nor reused a build of it:\n%s", dep, log)
			}
		}
	}

	t.Run("app", func(t *testing.T) {
		log := build(t, dir, images.BuildOptions{Context: v1, Target: "app", Tag: appRef,
			Contexts: map[string]string{"builder": "container-image://" + builderRef}})
		if !stackLine(log, "hello", "build (exe)") {
			t.Errorf("the app was not compiled:\n%s", log)
		}
		healthz(t, dir)
	})

	t.Run("a release reuses the builder", func(t *testing.T) {
		v2 := sample(t, "1.1.0")
		if k2 := key(t, v2); k2 != k1 {
			t.Fatalf("the version bump changed the key: %s -> %s", k1, k2)
		}
		log := build(t, dir, images.BuildOptions{Context: v2, Target: "app", Tag: appRef,
			Contexts: map[string]string{"builder": "container-image://" + builderRef}})
		if !strings.Contains(log, "FROM "+builderRef+" AS build") {
			t.Errorf("the app stage did not start from %s:\n%s", builderRef, log)
		}
		if !stackLine(log, "hello", "build (exe)") {
			t.Errorf("the app was not compiled:\n%s", log)
		}
		for _, dep := range deps {
			if stackLine(log, dep, "") {
				t.Errorf("the dependency %s was compiled again:\n%s", dep, log)
			}
		}
	})

	t.Run("a new dependency changes the key", func(t *testing.T) {
		v3 := sample(t, "1.0.0")
		edit(t, v3, "package.yaml", "  - warp\n", "  - warp\n  - vector\n")
		if k3 := key(t, v3); k3 == k1 {
			t.Errorf("adding vector kept the key %s", k1)
		}
	})
}

// healthz runs the app image and asks its health endpoint.
func healthz(t *testing.T, dir string) {
	t.Helper()
	pm, err := images.New(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	name := fmt.Sprintf("glcd-builder-e2e-%d", port)
	args := append([]string{"run", "-d", "--name", name, "--network=host", "-e", fmt.Sprintf("PORT=%d", port)}, images.Ulimits...)
	if out, err := pm.Command(ctx, append(args, appRef)...).CombinedOutput(); err != nil {
		t.Fatalf("podman run: %v\n%s", err, out)
	}
	defer func() {
		if out, err := pm.Command(context.Background(), "rm", "-f", "-t", "10", name).CombinedOutput(); err != nil {
			t.Errorf("podman rm: %v\n%s", err, out)
		}
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
				t.Fatalf("GET /healthz: %d %q", resp.StatusCode, body)
			}
			break
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("GET %s: no answer: %v", url, last)
		case <-tick.C:
		}
	}
	// the vendored megaparsec at work: an expression parsed and evaluated, and a parse error
	for path, want := range map[string]struct {
		code int
		body string
	}{
		"/calc/1+2*(3+4)": {http.StatusOK, "15\n"},
		"/calc/1+*2":      {http.StatusBadRequest, "expecting"},
	} {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.code || !strings.Contains(string(body), want.body) {
			t.Errorf("GET %s: %d %q, want %d with %q", path, resp.StatusCode, body, want.code, want.body)
		}
	}
	out, err := pm.Command(ctx, "inspect", "--format", "{{.Config.User}}", appRef).Output()
	if err != nil || strings.TrimSpace(string(out)) != "1000:1000" {
		t.Errorf("the app image's user: %q %v", out, err)
	}
}

// BenchmarkSampleApp times a release of the sample: its app image built on the existing builder
// (only the app compiled) against built on builder-base (every vendored dependency compiled too:
// what each release cost before the builder image), and the builder stage alone, cold. It reports
// the seconds of each, their ratio, and the sizes of the three images and of the executable.
// make bench runs it once.
func BenchmarkSampleApp(b *testing.B) {
	dir, pm := podman(b)
	v1 := sample(b, "1.0.0")
	build(b, dir, images.BuildOptions{Context: v1, Target: "builder-base", Tag: baseRef})
	builderRef := "localhost/glcd/builder:" + key(b, v1)
	build(b, dir, images.BuildOptions{Context: v1, Target: "builder", Tag: builderRef})
	// fresh gives a copy of the sample whose stack.yaml has a new comment: podman's layer cache
	// holds no builder stage for it, as when the dependencies change.
	fresh := func() string {
		src := sample(b, "1.0.0")
		edit(b, src, "stack.yaml", "system-ghc: true", fmt.Sprintf("system-ghc: true # %d", time.Now().UnixNano()))
		return src
	}
	timed := func(o images.BuildOptions) time.Duration {
		start := time.Now()
		build(b, dir, o)
		return time.Since(start)
	}
	var cold, fromBuilder, fromBase time.Duration
	for b.Loop() {
		cold += timed(images.BuildOptions{Context: fresh(), Target: "builder", Tag: "localhost/glcd/builder:bench-cold"})
		fromBuilder += timed(images.BuildOptions{Context: sample(b, "1.0.0"), Target: "app", Tag: appRef,
			Contexts: map[string]string{"builder": "container-image://" + builderRef}})
		fromBase += timed(images.BuildOptions{Context: fresh(), Target: "app", Tag: appRef})
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(cold.Seconds()/n, "s-builder-cold/op")
	b.ReportMetric(fromBuilder.Seconds()/n, "s-app-from-builder/op")
	b.ReportMetric(fromBase.Seconds()/n, "s-app-from-base/op")
	b.ReportMetric(fromBase.Seconds()/fromBuilder.Seconds(), "x-ratio")

	ctx := context.Background()
	for name, ref := range map[string]string{"builder-base": baseRef, "builder": builderRef, "app": appRef} {
		_, _, size, err := pm.Inspect(ctx, ref)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(size)/1e6, "MB-"+name)
	}
	exe := filepath.Join(b.TempDir(), "app")
	if err := pm.CopyOut(ctx, appRef, "/usr/local/bin/app", exe); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(exe)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/1e6, "MB-executable")
	if err := pm.Remove(ctx, "localhost/glcd/builder:bench-cold"); err != nil {
		b.Error(err)
	}
}
