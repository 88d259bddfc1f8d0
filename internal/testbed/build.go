package testbed

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
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
	fmt.Fprintf(log, "testbed: building Kubernetes %s binaries into %s (cold: ~30 min on 2 cores)\n", K8sVersion, bin)
	script := filepath.Join(dir, "build.sh")
	if err := os.WriteFile(script, buildScript, 0o755); err != nil {
		return "", fmt.Errorf("test bed build script: %w", err)
	}
	cmd := exec.CommandContext(ctx, "bash", script, dir, K8sVersion, StagingVersion, EtcdVersion)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the test bed's Kubernetes binaries: %w", err)
	}
	if !haveAll(bin) {
		return "", fmt.Errorf("test bed build finished but %s lacks some of %v", bin, binaries)
	}
	return bin, nil
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
