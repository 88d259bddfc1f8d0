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

// build runs one podman build whose log is returned (and kept in the cache directory).
func build(t testing.TB, dir string, o images.BuildOptions) string {
	t.Helper()
	var buf bytes.Buffer
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
	start := time.Now()
	if err := pm.Build(ctx, o); err != nil {
		t.Fatalf("build --target %s: %v (log: %s)", o.Target, err, logPath)
	}
	t.Logf("built %s (--target %s) in %s", o.Tag, o.Target, time.Since(start).Round(time.Second))
	return buf.String()
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
	if !strings.Contains(log, "greeting> build (lib)") && !strings.HasPrefix(nextLine, "--> Using cache") {
		t.Errorf("the builder stage neither compiled the vendored dependency nor reused a build of it:\n%s", log)
	}

	t.Run("app", func(t *testing.T) {
		log := build(t, dir, images.BuildOptions{Context: v1, Target: "app", Tag: appRef,
			Contexts: map[string]string{"builder": "container-image://" + builderRef}})
		if !strings.Contains(log, "hello> build (exe)") {
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
		if !strings.Contains(log, "hello> build (exe)") || strings.Contains(log, "greeting>") {
			t.Errorf("want the app compiled and no dependency compiled again:\n%s", log)
		}
	})

	t.Run("a new dependency changes the key", func(t *testing.T) {
		v3 := sample(t, "1.0.0")
		edit(t, v3, "package.yaml", "  - warp\n", "  - warp\n  - aeson\n")
		if k3 := key(t, v3); k3 == k1 {
			t.Errorf("adding aeson kept the key %s", k1)
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
	out, err := pm.Command(ctx, "inspect", "--format", "{{.Config.User}}", appRef).Output()
	if err != nil || strings.TrimSpace(string(out)) != "1000:1000" {
		t.Errorf("the app image's user: %q %v", out, err)
	}
}

// BenchmarkSampleApp times the app image of the sample built on the existing builder (only the
// app compiled: a release) against built on builder-base (the dependencies compiled too: what
// every release cost before the builder image). make bench runs it once.
func BenchmarkSampleApp(b *testing.B) {
	dir, err := images.DefaultDir()
	if err != nil {
		b.Fatal(err)
	}
	v1 := sample(b, "1.0.0")
	build(b, dir, images.BuildOptions{Context: v1, Target: "builder-base", Tag: baseRef})
	builderRef := "localhost/glcd/builder:" + key(b, v1)
	build(b, dir, images.BuildOptions{Context: v1, Target: "builder", Tag: builderRef})
	b.Run("from-builder", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			src := sample(b, "1.0.0")
			b.StartTimer()
			build(b, dir, images.BuildOptions{Context: src, Target: "app", Tag: appRef,
				Contexts: map[string]string{"builder": "container-image://" + builderRef}})
		}
	})
	b.Run("from-builder-base", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			src := sample(b, "1.0.0")
			// a new stack.yaml comment: the builder stage's layers are rebuilt, as without the builder image
			edit(b, src, "stack.yaml", "system-ghc: true", fmt.Sprintf("system-ghc: true # %d", time.Now().UnixNano()))
			b.StartTimer()
			build(b, dir, images.BuildOptions{Context: src, Target: "app", Tag: appRef})
		}
	})
}
