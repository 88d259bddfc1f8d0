package testbed

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Versions of the test bed's Kubernetes. kubernetes v1.37.2 requires etcd v3.7.0.
const (
	K8sVersion     = "v1.37.2"
	StagingVersion = "v0.37.2"
	EtcdVersion    = "v3.7.0"
)

// Binaries the test bed builds.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl"}

//go:embed assets/build.sh
var buildScript []byte

//go:embed assets/pause.c
var pauseSource []byte

// CacheDir is where the test bed keeps binaries, images and running clusters:
// $GLCD_CACHE/testbed, or $HOME/.cache/glcd/testbed. Never inside the repository.
func CacheDir() (string, error) {
	if d := os.Getenv("GLCD_CACHE"); d != "" {
		return filepath.Join(d, "testbed"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("test bed cache: %w", err)
	}
	return filepath.Join(d, "glcd", "testbed"), nil
}

// VersionDir is the cache folder of the pinned Kubernetes version.
func VersionDir() (string, error) {
	c, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(c, K8sVersion), nil
}

// EnsureBinaries builds the Kubernetes binaries when any is missing and returns their folder.
// A file lock makes concurrent callers wait for one build. Build output goes to log.
func EnsureBinaries(ctx context.Context, log io.Writer) (string, error) {
	dir, err := VersionDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bin")
	if haveAll(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("test bed cache: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if haveAll(bin) { // built by whoever held the lock before us
		return bin, nil
	}
	fmt.Fprintf(log, "testbed: the first run builds the Kubernetes %s binaries into %s, once: about 10 minutes on 2 cores\n", K8sVersion, bin)
	script := filepath.Join(dir, "build.sh")
	if err := os.WriteFile(script, buildScript, 0o755); err != nil {
		return "", fmt.Errorf("test bed build script: %w", err)
	}
	args := []string{script, dir, K8sVersion, StagingVersion, EtcdVersion}
	if pins, err := glcdBuildList(ctx, filepath.Join(dir, "glcd-modules.txt")); err == nil {
		args = append(args, pins)
	} else {
		fmt.Fprintf(log, "testbed: building with Kubernetes' own module versions (glcd's build list: %v)\n", err)
	}
	cmd := exec.CommandContext(ctx, "bash", args...)
	cmd.Stdout, cmd.Stderr = log, log
	stop := reportBinaries(filepath.Join(dir, "bin.tmp"), log)
	err = cmd.Run()
	stop()
	if err != nil {
		return "", fmt.Errorf("building the test bed's Kubernetes binaries: %w", err)
	}
	if !haveAll(bin) {
		return "", fmt.Errorf("test bed build finished but %s lacks some of %v", bin, binaries)
	}
	return bin, nil
}

// glcdBuildList writes the module versions of glcd's build list (the module around the
// working directory) to file, for build.sh: the test bed then compiles the packages it shares
// with glcd at glcd's versions, once for both.
func glcdBuildList(ctx context.Context, file string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{if not .Main}}{{.Path}} {{.Version}}{{end}}", "all").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m all: %w", err)
	}
	if !bytes.Contains(out, []byte("k8s.io/client-go ")) {
		return "", fmt.Errorf("the working directory is not in glcd's module")
	}
	return file, os.WriteFile(file, out, 0o644)
}

// reportBinaries prints a line for each binary as the build writes it, and a line
// every 45 s while nothing else shows progress (never a silent minute), until the returned
// function is called.
func reportBinaries(dir string, log io.Writer) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		seen := map[string]bool{}
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		quiet := time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if seen[e.Name()] {
					continue
				}
				seen[e.Name()] = true
				size := int64(0)
				if fi, err := e.Info(); err == nil {
					size = fi.Size()
				}
				fmt.Fprintf(log, "testbed build [%s] built %s (%d MB)\n", time.Since(start).Round(time.Second), e.Name(), size>>20)
				quiet = time.Now()
			}
			if time.Since(quiet) >= 45*time.Second {
				fmt.Fprintf(log, "testbed build [%s] still compiling\n", time.Since(start).Round(time.Second))
				quiet = time.Now()
			}
		}
	}()
	return func() { close(done); <-finished }
}

func haveAll(bin string) bool {
	for _, b := range binaries {
		if fi, err := os.Stat(filepath.Join(bin, b)); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// lockFile takes an exclusive flock on path, waiting for it, and returns the release function.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
