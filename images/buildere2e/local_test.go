package buildere2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// localPipeline is the sample app's build job as a project would write it for builder-base:
// stack's root and the build directories in the job's cache.
const localPipeline = `build:
  image: ` + baseRef + `
  variables:
    STACK_ROOT: $CI_PROJECT_DIR/.stack
  cache:
    key: stack
    paths: [.stack, .stack-work, "vendor/*/.stack-work"]
  script:
    - stack build --system-ghc --no-install-ghc
    - ls -l "$(stack path --local-install-root)/bin"
`

// BenchmarkLocalSampleJob times glcd local running the sample app's build job in its pod on
// builder-base (the working tree copied in, stack building into the settings' cache volume):
// with a cold cache (every vendored dependency and the app compiled), then warm (the cache
// restored, nothing compiled but the app's one changed module). make bench runs it once.
func BenchmarkLocalSampleJob(b *testing.B) {
	ctx := b.Context()
	dir, pm := podman(b)
	src := sample(b, "1.0.0")
	build(b, dir, images.BuildOptions{Context: src, Target: "builder-base", Tag: baseRef})
	_, archive := saved(b, pm, baseRef)
	if err := tb.ImportImage(ctx, archive); err != nil {
		b.Fatal(err)
	}
	os.Remove(archive)
	if err := tb.ImportHelperImage(ctx); err != nil {
		b.Fatal(err)
	}
	ns := tb.Namespace(b)
	if err := tb.EnforcePodSecurity(ctx, ns, "baseline"); err != nil {
		b.Fatal(err)
	}
	if err := tb.CacheVolume(ctx, ns, "ci-cache", filepath.Join(b.TempDir(), "node-cache")); err != nil {
		b.Fatal(err)
	}
	config := filepath.Join(b.TempDir(), "executor.yaml")
	if err := os.WriteFile(config, fmt.Appendf(nil, "namespace: %s\nimage: %s\nhelperImage: %s\ncache:\n  pvc: ci-cache\n", ns, baseRef, testbed.HelperImage), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, ".gitlab-ci.yml"), []byte(localPipeline), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "sample"}} {
		if out, err := exec.Command("git", append([]string{"-C", src}, args...)...).CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run := func(project string) (time.Duration, string) {
		start := time.Now()
		cmd := exec.CommandContext(ctx, glcdBin, "local", "--config", config, "--dir", src, "--project-id", project, "build")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+tb.Kubeconfig)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("glcd local build: %v\n%s", err, out)
		}
		return time.Since(start), string(out)
	}
	compiled := regexp.MustCompile(`(?m)^\s*(\S+)\s*> (configure|build)`)
	var cold, warm time.Duration
	var coldPkgs, warmPkgs int
	i := 0
	for b.Loop() {
		i++
		edit(b, src, "app/Main.hs", "module Main (main) where", fmt.Sprintf("module Main (main) where\n-- run %d", time.Now().UnixNano()))
		project := "bench-" + strconv.Itoa(i) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36) // a cache of its own: cold
		took, out := run(project)
		cold += took
		coldPkgs = packages(compiled, out)
		if i == 1 {
			b.Logf("cold:\n%s", out)
		}
		took, out = run(project)
		warm += took
		warmPkgs = packages(compiled, out)
		if i == 1 {
			b.Logf("warm:\n%s", out)
		}
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(cold.Seconds()/n, "s-cold/op")
	b.ReportMetric(warm.Seconds()/n, "s-warm/op")
	b.ReportMetric(float64(coldPkgs), "pkgs-compiled-cold")
	b.ReportMetric(float64(warmPkgs), "pkgs-compiled-warm")
}

// packages counts the packages stack compiled, by its log lines.
func packages(re *regexp.Regexp, log string) int {
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		seen[m[1]] = true
	}
	return len(seen)
}
