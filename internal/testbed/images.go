package testbed

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Image is a one-layer container image made from files on this machine, since no registry
// is reachable from the test bed.
type Image struct {
	Ref    string // e.g. testbed.local/busybox:1
	Files  []ImageFile
	Config ImageConfig
}

// ImageFile is one entry of the image's root filesystem.
type ImageFile struct {
	Path     string // inside the image, without leading slash
	Mode     int64  // permission bits; for directories too
	Dir      bool
	Symlink  string // target, for a symlink
	Content  []byte // for a regular file
	FromHost string // copy the content of this host file instead of Content
}

// ImageConfig is the part of the OCI image config the test bed sets.
type ImageConfig struct {
	Entrypoint []string `json:"Entrypoint,omitempty"`
	Cmd        []string `json:"Cmd,omitempty"`
	Env        []string `json:"Env,omitempty"`
	WorkingDir string   `json:"WorkingDir,omitempty"`
	User       string   `json:"User,omitempty"`
}

// WriteArchive writes the image as a docker-archive tarball that `ctr images import` loads.
func (im Image) WriteArchive(path string) error {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	mtime := time.Unix(0, 0)
	for _, f := range im.Files {
		h := &tar.Header{Name: f.Path, Mode: f.Mode, ModTime: mtime, Format: tar.FormatPAX}
		switch {
		case f.Dir:
			h.Typeflag, h.Name = tar.TypeDir, strings.TrimSuffix(f.Path, "/")+"/"
		case f.Symlink != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.Symlink
		default:
			content := f.Content
			if f.FromHost != "" {
				b, err := os.ReadFile(f.FromHost)
				if err != nil {
					return fmt.Errorf("image %s: %w", im.Ref, err)
				}
				content = b
			}
			h.Typeflag, h.Size = tar.TypeReg, int64(len(content))
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if _, err := tw.Write(content); err != nil {
				return err
			}
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	sum := sha256.Sum256(layer.Bytes())
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux", "config": im.Config,
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(sum[:])}},
	})
	if err != nil {
		return err
	}
	manifest, err := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{im.Ref}, "Layers": []string{"layer.tar"}}})
	if err != nil {
		return err
	}
	var out bytes.Buffer
	aw := tar.NewWriter(&out)
	for _, e := range []struct {
		name string
		data []byte
	}{{"manifest.json", manifest}, {"config.json", config}, {"layer.tar", layer.Bytes()}} {
		if err := aw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: mtime}); err != nil {
			return err
		}
		if _, err := aw.Write(e.data); err != nil {
			return err
		}
	}
	if err := aw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// Image references the test bed always has.
const (
	PauseImage   = "testbed.local/pause:1"
	BusyboxImage = "testbed.local/busybox:1"
)

// Shells are the POSIX shells job images bring, as the host runs them (each an argv prefix that
// takes sh's arguments): dash, Debian's /bin/sh, and busybox's sh, the test bed images' shell.
// Tests of the scripts glcd runs in containers run them under each.
func Shells() map[string][]string {
	return map[string][]string{"dash": {"/bin/sh"}, "busybox": {"/bin/busybox", "sh"}}
}

// BusyboxFiles returns a root filesystem with Debian's static busybox and a link per applet.
func BusyboxFiles(ctx context.Context) ([]ImageFile, error) {
	const host = "/bin/busybox"
	out, err := exec.CommandContext(ctx, host, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox image: %s --list: %w (install busybox-static)", host, err)
	}
	files := []ImageFile{
		{Path: "bin", Dir: true, Mode: 0o755},
		{Path: "bin/busybox", Mode: 0o755, FromHost: host},
		{Path: "etc", Dir: true, Mode: 0o755},
		{Path: "etc/passwd", Mode: 0o644, Content: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n")},
		{Path: "etc/group", Mode: 0o644, Content: []byte("root:x:0:\nnobody:x:65534:\n")},
		{Path: "tmp", Dir: true, Mode: 0o1777},
		{Path: "root", Dir: true, Mode: 0o700},
	}
	for _, a := range strings.Fields(string(out)) {
		if a != "busybox" {
			files = append(files, ImageFile{Path: "bin/" + a, Symlink: "busybox", Mode: 0o777})
		}
	}
	return files, nil
}

// baseImages writes the pause and busybox archives into dir and returns their paths. Each
// archive is built beside the others in a folder of its own and renamed into dir, so a test bed
// of another package that imports the previous archive at that moment reads it whole: a rewrite
// in place let it read a truncated one ("failed to ingest config.json: unexpected EOF").
func baseImages(ctx context.Context, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, ".new-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "pause.c")
	if err := os.WriteFile(src, pauseSource, 0o644); err != nil {
		return nil, err
	}
	pauseBin := filepath.Join(tmp, "pause")
	if out, err := exec.CommandContext(ctx, "gcc", "-O2", "-static", "-o", pauseBin, src).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pause image: gcc -static: %w: %s (install gcc and libc6-dev)", err, out)
	}
	bb, err := BusyboxFiles(ctx)
	if err != nil {
		return nil, err
	}
	images := []Image{
		{Ref: PauseImage, Files: []ImageFile{{Path: "pause", Mode: 0o755, FromHost: pauseBin}},
			Config: ImageConfig{Entrypoint: []string{"/pause"}}},
		{Ref: BusyboxImage, Files: bb, Config: ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"PATH=/bin"}}},
	}
	var paths []string
	for _, im := range images {
		name := strings.NewReplacer("/", "_", ":", "_").Replace(im.Ref) + ".tar"
		if err := im.WriteArchive(filepath.Join(tmp, name)); err != nil {
			return nil, err
		}
		p := filepath.Join(dir, name)
		if err := os.Rename(filepath.Join(tmp, name), p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// ImportBusyboxImages makes one busybox image per reference, each with its own default
// command (so that the image alone decides how a pod behaves, as with a real app), and
// imports them into the cluster.
func (c *Cluster) ImportBusyboxImages(ctx context.Context, cmds map[string][]string) error {
	files, err := BusyboxFiles(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "glcd-images")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for ref, cmd := range cmds {
		p := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".tar")
		im := Image{Ref: ref, Files: files, Config: ImageConfig{Cmd: cmd, Env: []string{"PATH=/bin"}}}
		if err := im.WriteArchive(p); err != nil {
			return err
		}
		if err := c.ImportImage(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// AppImages are the test app's images: two good versions and one that crashes at start.
var AppImages = map[string][]string{
	"testbed.local/app:1":     {"sleep", "3600"},
	"testbed.local/app:2":     {"sleep", "3600"},
	"testbed.local/app:crash": {"sh", "-c", "echo starting; echo boom: cannot open database >&2; exit 3"},
}

// DemoImages are the demo's "jobboard" app: two releases answering HTTP on :8080 with their
// version and /healthz (the scaffold's readiness probe), stopping at once on SIGTERM, and a
// broken release that cannot reach its database and exits.
var DemoImages = map[string][]string{
	"testbed.local/jobboard:1.3.0": WebApp("jobboard 1.3.0"),
	"testbed.local/jobboard:1.4.0": WebApp("jobboard 1.4.0"),
	"testbed.local/jobboard:1.5.0": {"sh", "-c", "echo 'jobboard 1.5.0 starting'; echo 'FATAL: cannot connect to postgres://db:5432/jobboard' >&2; exit 2"},
}

// WebApp is the command of a busybox image that serves an app as glcd init's manifest expects
// one: index on :8080 at /, "ok" at /healthz (the readiness probe), exit at once on SIGTERM.
func WebApp(index string) []string {
	return []string{"sh", "-c", "mkdir -p /www && echo ok > /www/healthz && echo '" + index + "' > /www/index.html; " +
		"trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"}
}

// HelperImage is the executor tests' helper image, laid out as GitLab's: busybox, git (with
// HTTPS), bash, and at /usr/bin/gitlab-runner-helper the stand-in for GitLab's helper program
// (internal/testbed/cmd/runnerhelper), never a gitlab-runner.
const HelperImage = "testbed.local/glcd-helper:2"

// HelperPrograms are the host programs HelperImage carries.
var HelperPrograms = []string{"/usr/bin/git", "/usr/lib/git-core/git", "/usr/lib/git-core/git-remote-http",
	"/usr/lib/git-core/git-remote-https", "/bin/bash"}

// ToolImage returns an image of busybox plus host programs and the shared libraries they
// load (found with ldd), at the same paths: real git or bash in a pod without a registry.
func ToolImage(ctx context.Context, ref string, programs ...string) (Image, error) {
	files, err := BusyboxFiles(ctx)
	if err != nil {
		return Image{}, err
	}
	dirs := map[string]bool{"bin": true, "etc": true, "tmp": true, "root": true}
	add := func(p string, mode int64) {
		p = strings.TrimPrefix(filepath.Clean(p), "/")
		for d := filepath.Dir(p); d != "." && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
		files = slices.DeleteFunc(files, func(f ImageFile) bool { return f.Path == p }) // a busybox applet of the same name
		files = append(files, ImageFile{Path: p, Mode: mode, FromHost: "/" + p})
	}
	seen := map[string]bool{}
	for _, prog := range programs {
		if seen[prog] {
			continue
		}
		seen[prog] = true
		add(prog, 0o755)
		out, err := exec.CommandContext(ctx, "ldd", prog).Output()
		if err != nil {
			return Image{}, fmt.Errorf("tool image %s: ldd %s: %w", ref, prog, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			lib := ""
			switch {
			case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
				lib = f[2]
			case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
				lib = f[0] // the dynamic loader
			}
			if lib != "" && !seen[lib] {
				seen[lib] = true
				add(lib, 0o755)
			}
		}
	}
	var dirFiles []ImageFile
	for d := range dirs {
		if d != "bin" && d != "etc" && d != "tmp" && d != "root" {
			dirFiles = append(dirFiles, ImageFile{Path: d, Dir: true, Mode: 0o755})
		}
	}
	sort.Slice(dirFiles, func(i, j int) bool { return dirFiles[i].Path < dirFiles[j].Path })
	return Image{Ref: ref, Files: append(dirFiles, files...),
		Config: ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"PATH=/usr/bin:/bin"}}}, nil
}

// ImportToolImage makes ToolImage(ref, programs...) and imports it into the cluster.
func (c *Cluster) ImportToolImage(ctx context.Context, ref string, programs ...string) error {
	im, err := ToolImage(ctx, ref, programs...)
	if err != nil {
		return err
	}
	return c.importImage(ctx, im)
}

// RunnerHelperPath is where GitLab's helper image keeps its one program: there is no
// gitlab-runner in it, the name the custom executor's scripts call.
const RunnerHelperPath = "usr/bin/gitlab-runner-helper"

// ImportRunnerHelperImage imports an image laid out as GitLab's gitlab-runner-helper image:
// git, bash and busybox, the host's helper program (a static binary) at
// /usr/bin/gitlab-runner-helper, and gitlab-runner-build (the shell GitLab's Kubernetes
// executor runs its helper stages with).
func (c *Cluster) ImportRunnerHelperImage(ctx context.Context, ref, helper string) error {
	im, err := ToolImage(ctx, ref, HelperPrograms...)
	if err != nil {
		return err
	}
	im.Files = append(im.Files, ImageFile{Path: RunnerHelperPath, Mode: 0o755, FromHost: helper}, // usr/bin is git's folder
		// what GitLab's Kubernetes executor runs its helper stages with: a shell reading stdin
		ImageFile{Path: "usr/bin/gitlab-runner-build", Mode: 0o755, Content: []byte("#!/bin/sh\numask 0000\nexec /bin/bash\n")},
		ImageFile{Path: "usr/bin/env", Symlink: "/bin/busybox", Mode: 0o777}) // the runner's scripts start #!/usr/bin/env bash
	return c.importImage(ctx, im)
}

// ImportHelperImage builds the stand-in helper program and imports HelperImage with it.
func (c *Cluster) ImportHelperImage(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "glcd-runnerhelper-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "gitlab-runner-helper")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "gitlab.com/glcd/glcd/internal/testbed/cmd/runnerhelper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build runnerhelper: %w\n%s", err, out)
	}
	return c.ImportRunnerHelperImage(ctx, HelperImage, bin)
}

func (c *Cluster) importImage(ctx context.Context, im Image) error {
	dir, err := os.MkdirTemp("", "glcd-images")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "image.tar")
	if err := im.WriteArchive(p); err != nil {
		return err
	}
	return c.ImportImage(ctx, p)
}
