// Package images builds, inspects and runs glcd's container images (Dockerfile.kubectl, and
// the builder images after it) with podman, the way this machine allows: runc with the cgroupfs
// manager, a private storage root under the cache, modest ulimits on every build and run,
// --pull=never with locally made bases (no container registry is reachable), and never
// podman's default bridge network: --network=none, or --network=host for the build steps that
// install packages from Debian's mirror or fetch Go modules.
package images

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Ulimits are passed to every build and run: without them runc cannot set podman's default
// rlimits here (no CAP_SYS_RESOURCE).
var Ulimits = []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"}

// Network modes: None for everything that needs no network, Host for steps that install
// packages or fetch Go modules. Podman's default bridge is never used.
const (
	NetworkNone = "none"
	NetworkHost = "host"
)

// Podman runs podman on a private storage root.
type Podman struct {
	// Dir holds the storage (Dir/storage), run root (Dir/run), temporary files and buildah's
	// cache mounts (Dir/tmp), and the cached base root filesystems (Dir/bases).
	Dir string
	// Log receives the output of builds and imports (nil: discarded).
	Log io.Writer
}

// DefaultDir is where the project keeps podman's state: $GLCD_PODMAN_CACHE, else
// $GLCD_CACHE/podman, else ~/.cache/glcd/podman.
func DefaultDir() (string, error) {
	if c := os.Getenv("GLCD_PODMAN_CACHE"); c != "" {
		return c, nil
	}
	if c := os.Getenv("GLCD_CACHE"); c != "" {
		return filepath.Join(c, "podman"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("podman cache: %w", err)
	}
	return filepath.Join(home, ".cache", "glcd", "podman"), nil
}

// New returns a Podman on dir, creating its folders, and checks that podman and runc exist.
func New(dir string, log io.Writer) (*Podman, error) {
	for _, bin := range []string{"podman", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s is not installed (make deps installs podman, buildah, runc, debootstrap): %w", bin, err)
		}
	}
	for _, d := range []string{"storage", "run", "tmp", "bases"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("podman cache: %w", err)
		}
	}
	if log == nil {
		log = io.Discard
	}
	return &Podman{Dir: dir, Log: log}, nil
}

// Command returns `podman <global flags> args...` with the private storage, runc, cgroupfs and
// TMPDIR (where buildah keeps its cache mounts) set.
func (p *Podman) Command(ctx context.Context, args ...string) *exec.Cmd {
	global := []string{
		"--root", filepath.Join(p.Dir, "storage"),
		"--runroot", filepath.Join(p.Dir, "run"),
		"--tmpdir", filepath.Join(p.Dir, "tmp"),
		"--runtime", "runc",
		"--cgroup-manager", "cgroupfs",
		"--events-backend", "file",
	}
	cmd := exec.CommandContext(ctx, "podman", append(global, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(p.Dir, "tmp"))
	return cmd
}

// Output runs podman and returns its stdout; on failure the error holds stderr.
func (p *Podman) Output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := p.Command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("podman %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// logged runs podman with its output to p.Log.
func (p *Podman) logged(ctx context.Context, args ...string) error {
	cmd := p.Command(ctx, args...)
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(p.Log, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("podman %s: %w\n%s", args[0], err, tail.String())
	}
	return nil
}

// Exists reports whether the image ref is in the storage.
func (p *Podman) Exists(ctx context.Context, ref string) bool {
	return p.Command(ctx, "image", "exists", ref).Run() == nil
}

// BuildOptions describe one `podman build`.
type BuildOptions struct {
	Context    string            // build context directory
	Dockerfile string            // path of the Dockerfile
	Tag        string            // image reference to tag the result with
	Target     string            // stage to build (empty: the last)
	Args       map[string]string // --build-arg
	Network    string            // NetworkNone (default) or NetworkHost, for every RUN step
	Volumes    []string          // --volume for RUN steps, e.g. a read-only module proxy
	// Contexts are --build-context name=value: a name of a stage replaces that stage, e.g.
	// builder=container-image://REF builds on an existing image instead.
	Contexts map[string]string
}

// Build runs podman build with the machine's settings; the output goes to p.Log.
func (p *Podman) Build(ctx context.Context, o BuildOptions) error {
	network := o.Network
	if network == "" {
		network = NetworkNone
	}
	args := []string{"build", "--pull=never", "--network=" + network, "--layers", "-f", o.Dockerfile, "-t", o.Tag}
	args = append(args, Ulimits...)
	if o.Target != "" {
		args = append(args, "--target", o.Target)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Args)) {
		args = append(args, "--build-arg", k+"="+o.Args[k])
	}
	for _, v := range o.Volumes {
		args = append(args, "--volume", v)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Contexts)) {
		args = append(args, "--build-context", k+"="+o.Contexts[k])
	}
	return p.logged(ctx, append(args, o.Context)...)
}

// RunOptions describe one `podman run --rm`.
type RunOptions struct {
	Image   string
	Cmd     []string  // the command (empty: the image's CMD)
	Env     []string  // KEY=value
	Volumes []string  // host:container[:options]
	Network string    // NetworkNone (default) or NetworkHost
	User    string    // --user (empty: the image's USER)
	Stdin   io.Reader // given to the container (-i) when set
}

// RunArgs returns the podman arguments of a `run --rm` with o: the machine's settings first.
func (p *Podman) RunArgs(o RunOptions) []string {
	network := o.Network
	if network == "" {
		network = NetworkNone
	}
	args := append([]string{"run", "--rm", "--pull=never", "--network=" + network}, Ulimits...)
	for _, e := range o.Env {
		args = append(args, "--env", e)
	}
	for _, v := range o.Volumes {
		args = append(args, "--volume", v)
	}
	if o.User != "" {
		args = append(args, "--user", o.User)
	}
	if o.Stdin != nil {
		args = append(args, "--interactive")
	}
	return append(append(args, o.Image), o.Cmd...)
}

// Run runs a container to its end and returns its stdout and stderr; a non-zero exit is an
// *exec.ExitError (wrapped) carrying the container's exit code.
func (p *Podman) Run(ctx context.Context, o RunOptions) (stdout, stderr []byte, err error) {
	cmd := p.Command(ctx, p.RunArgs(o)...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), errb.Bytes(), fmt.Errorf("podman run %s %s: %w", o.Image, strings.Join(o.Cmd, " "), err)
	}
	return out.Bytes(), errb.Bytes(), nil
}

// Config is the part of an image's configuration the tests and policies look at.
type Config struct {
	Entrypoint []string          `json:"Entrypoint"`
	Cmd        []string          `json:"Cmd"`
	User       string            `json:"User"`
	WorkingDir string            `json:"WorkingDir"`
	Env        []string          `json:"Env"`
	Labels     map[string]string `json:"Labels"`
}

// Inspect returns the image's configuration, its architecture and its size in bytes
// (uncompressed, as podman reports it).
func (p *Podman) Inspect(ctx context.Context, ref string) (Config, string, int64, error) {
	out, err := p.Output(ctx, "image", "inspect", ref)
	if err != nil {
		return Config{}, "", 0, err
	}
	var v []struct {
		Config       Config `json:"Config"`
		Architecture string `json:"Architecture"`
		Size         int64  `json:"Size"`
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v) != 1 {
		return Config{}, "", 0, fmt.Errorf("podman image inspect %s: unexpected output (%v): %.200s", ref, err, out)
	}
	return v[0].Config, v[0].Architecture, v[0].Size, nil
}

// Save writes the image as a docker-archive tarball (what `ctr images import` and
// `docker load` read).
func (p *Podman) Save(ctx context.Context, ref, path string) error {
	_ = os.Remove(path)
	_, err := p.Output(ctx, "save", "--format", "docker-archive", "-o", path, ref)
	return err
}

// Layer is one entry of an image's history.
type Layer struct {
	CreatedBy string `json:"CreatedBy"`
	Size      int64  `json:"size"`
}

// History returns the image's layers, newest first, as `podman history` lists them.
func (p *Podman) History(ctx context.Context, ref string) ([]Layer, error) {
	out, err := p.Output(ctx, "history", "--format", "json", ref)
	if err != nil {
		return nil, err
	}
	var layers []Layer
	if err := json.Unmarshal(out, &layers); err != nil {
		return nil, fmt.Errorf("podman history %s: %w", ref, err)
	}
	return layers, nil
}

// CompressedSize returns the size of the image's docker-archive compressed with gzip (default
// level), close to what a registry stores and a node downloads.
func (p *Podman) CompressedSize(ctx context.Context, ref string) (int64, error) {
	tmp, err := os.MkdirTemp(filepath.Join(p.Dir, "tmp"), "size-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "image.tar")
	if err := p.Save(ctx, ref, archive); err != nil {
		return 0, err
	}
	f, err := os.Open(archive)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n countWriter
	zw := gzip.NewWriter(&n)
	if _, err := io.Copy(zw, f); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// CopyOut copies the file path of image ref to dst on the host.
func (p *Podman) CopyOut(ctx context.Context, ref, path, dst string) error {
	out, err := p.Output(ctx, "create", "--pull=never", "--network=none", ref, "true")
	if err != nil {
		return err
	}
	id := strings.TrimSpace(string(out))
	defer p.Output(context.WithoutCancel(ctx), "rm", "--force", id) //nolint:errcheck // best effort
	_, err = p.Output(ctx, "cp", id+":"+path, dst)
	return err
}

// Remove removes images (missing ones are no error).
func (p *Podman) Remove(ctx context.Context, refs ...string) error {
	_, err := p.Output(ctx, append([]string{"rmi", "--ignore", "--force"}, refs...)...)
	return err
}

// Prune removes untagged images (build stages left by builds).
func (p *Podman) Prune(ctx context.Context) error {
	_, err := p.Output(ctx, "image", "prune", "--force")
	return err
}

// lock takes an exclusive lock on Dir/name.lock until the returned function is called, so
// that test packages running at once build a base image once.
func (p *Podman) lock(name string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(p.Dir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

// tailBuffer keeps the last 4 KiB written to it, for error messages.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }
