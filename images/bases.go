package images

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Locally made images, for builds that cannot pull: the Debian base and a Go toolchain image.
const (
	// DebianBase is Debian bookworm made by `debootstrap --variant=minbase`.
	DebianBase = "localhost/glcd/debian:bookworm-minbase"
	// DebianMirror is where debootstrap and the builds' apt-get fetch packages.
	DebianMirror = "http://deb.debian.org/debian"
)

// EnsureDebianBase makes DebianBase once: debootstrap writes a root filesystem whose tarball
// is kept in Dir/bases (about 1.5 minutes the first time), and the tarball is imported when the
// storage lacks the image. It returns the image reference.
func (p *Podman) EnsureDebianBase(ctx context.Context) (string, error) {
	unlock, err := p.lock("debian")
	if err != nil {
		return "", err
	}
	defer unlock()
	if p.Exists(ctx, DebianBase) {
		return DebianBase, nil
	}
	tarball := filepath.Join(p.Dir, "bases", "debian-bookworm-minbase.tar")
	if _, err := os.Stat(tarball); err != nil {
		if err := debootstrap(ctx, tarball, p.Log); err != nil {
			return "", err
		}
	}
	if err := p.logged(ctx, "import",
		"--change", "CMD [\"/bin/bash\"]",
		"--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		tarball, DebianBase); err != nil {
		return "", fmt.Errorf("import the Debian base: %w", err)
	}
	return DebianBase, nil
}

// debootstrap writes a bookworm minbase root filesystem as a tarball at dst.
func debootstrap(ctx context.Context, dst string, log interface{ Write([]byte) (int, error) }) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap is not installed (make deps installs it): %w", err)
	}
	root, err := os.MkdirTemp(filepath.Dir(dst), "rootfs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	argv := []string{"debootstrap", "--variant=minbase", "bookworm", root, DebianMirror}
	if _, err := exec.LookPath("eatmydata"); err == nil {
		argv = append([]string{"eatmydata"}, argv...) // no fsync for a tree that is tarred at once
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap --variant=minbase bookworm: %w (see its log above)", err)
	}
	// The official image's apt and dpkg settings (debuerreotype's minimizing config): dpkg
	// without fsync, as a container build needs no crash safety, and no translations fetched.
	for p, content := range map[string]string{
		"etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
		"etc/apt/apt.conf.d/docker-no-languages": "Acquire::Languages \"none\";\n",
	} {
		if err := os.WriteFile(filepath.Join(root, p), []byte(content), 0o644); err != nil {
			return err
		}
	}
	// Leave no apt lists or caches in the base: the image's own install step fetches them.
	for _, d := range []string{"var/lib/apt/lists", "var/cache/apt/archives"} {
		entries, _ := filepath.Glob(filepath.Join(root, d, "*"))
		for _, e := range entries {
			if filepath.Base(e) != "partial" && filepath.Base(e) != "lock" {
				os.RemoveAll(e)
			}
		}
	}
	tmp := dst + ".tmp"
	if out, err := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", root, "-cf", tmp, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("tar the Debian root filesystem: %w: %s", err, out)
	}
	return os.Rename(tmp, dst)
}

// GoImage returns the reference of a Go toolchain image made from the Debian base and the Go
// installation that runs this process (GOROOT), tagged with its version, e.g.
// localhost/glcd/golang:1.26.8-bookworm. It stands in for the official golang image that the
// Dockerfiles default to, which cannot be pulled here.
func (p *Podman) GoImage(ctx context.Context) (string, error) {
	goroot, version, err := hostGo(ctx)
	if err != nil {
		return "", err
	}
	ref := "localhost/glcd/golang:" + strings.TrimPrefix(version, "go") + "-bookworm"
	base, err := p.EnsureDebianBase(ctx)
	if err != nil {
		return "", err
	}
	unlock, err := p.lock("golang")
	if err != nil {
		return "", err
	}
	defer unlock()
	if p.Exists(ctx, ref) {
		return ref, nil
	}
	dir, err := os.MkdirTemp(filepath.Join(p.Dir, "tmp"), "goimage-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	// The same layout as the official image: /usr/local/go, GOPATH=/go, PATH, WORKDIR /go.
	containerfile := "FROM " + base + "\n" +
		"RUN cp -a /host-go /usr/local/go && mkdir -p /go && chmod 1777 /go\n" +
		"ENV GOPATH=/go GOTOOLCHAIN=local PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n" +
		"WORKDIR /go\n"
	if err := os.WriteFile(filepath.Join(dir, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		return "", err
	}
	err = p.Build(ctx, BuildOptions{Context: dir, Dockerfile: filepath.Join(dir, "Containerfile"), Tag: ref,
		Volumes: []string{goroot + ":/host-go:ro"}})
	if err != nil {
		return "", fmt.Errorf("the Go image: %w", err)
	}
	return ref, nil
}

// hostGo returns GOROOT and the version of the go command on PATH.
func hostGo(ctx context.Context) (goroot, version string, err error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOROOT GOVERSION (the Go image copies the host's Go): %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return "", "", fmt.Errorf("go env GOROOT GOVERSION: unexpected output %q", out)
	}
	return f[0], f[1], nil
}

// HostGoModCache returns the module download cache of the go command on PATH
// ($GOMODCACHE/cache/download), which a build can mount read-only and use as its first
// GOPROXY (file://) so that it fetches only what this machine has not fetched yet.
func HostGoModCache(ctx context.Context) (string, error) {
	return goEnvDir(ctx, "GOMODCACHE", "cache", "download")
}

// HostGoBuildCache returns the host's Go build cache (go env GOCACHE). The image's build stage
// uses the same toolchain (GoImage copies it) with -trimpath and CGO_ENABLED=0, as make does, so
// with this cache mounted it compiles only what the host has not compiled already.
func HostGoBuildCache(ctx context.Context) (string, error) { return goEnvDir(ctx, "GOCACHE") }

// goEnvDir is the folder `go env NAME` names, joined with sub, which must exist.
func goEnvDir(ctx context.Context, name string, sub ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	dir := filepath.Join(append([]string{strings.TrimSpace(string(out))}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}
