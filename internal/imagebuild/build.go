package imagebuild

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/patternmatcher"
)

// Build says where a Plan is built and pushed.
type Build struct {
	Plan *Plan
	// Base is the pushed image the target's FROM stands for; Tags are where the image goes
	// (pushed to the first, tagged in the others).
	Base name.Reference
	Tags []name.Tag
	// Context is the build context (COPY without --from reads it); Root is the filesystem the
	// stages run in: "/" in a job.
	Context, Root string
	// Created dates the layer's files, the config and the history (the commit's time).
	Created time.Time
	// Auth gives the credentials for a registry host.
	Auth func(registry string) authn.Authenticator
	// Out receives the steps' output and glcd's progress lines.
	Out io.Writer
	// Env is the environment the steps start from (PATH, HOME); the job's other variables,
	// its token included, are not passed to them.
	Env []string
}

// Result is what a build pushed.
type Result struct {
	// Image is Tag's repository @ the pushed manifest's digest.
	Image  string `json:"image"`
	Digest string `json:"digest"`
	// Layer is the appended layer's digest and compressed size; Files its entry count.
	Layer     string `json:"layer"`
	LayerSize int64  `json:"layerSize"`
	Files     int    `json:"files"`
	// Pushed counts the bytes sent to the registry (layers, config, manifest).
	Pushed int64 `json:"pushedBytes"`
}

// Run builds b and pushes it.
func Run(ctx context.Context, b Build) (*Result, error) {
	counter := &countingTransport{next: http.DefaultTransport}
	opts := remoteOptions(ctx, b.Auth, counter)
	base, err := remote.Image(b.Base, opts(b.Base)...)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", b.Base, err)
	}
	baseManifest, err := base.Manifest()
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", b.Base, err)
	}
	work, err := os.MkdirTemp("", "glcd-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	mark := filepath.Join(work, "mark")
	if err := os.WriteFile(mark, nil, 0o600); err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Stat(mark, &st); err != nil {
		return nil, err
	}
	since := time.Unix(st.Ctim.Unix())

	ignore, err := ignorer(b.Context)
	if err != nil {
		return nil, err
	}
	for _, s := range b.Plan.Run {
		if err := b.runStage(ctx, s, ignore); err != nil {
			return nil, err
		}
	}

	l := newLayer(b.Created)
	n := 0
	if b.Plan.Snapshot {
		fmt.Fprintf(b.Out, "glcd: snapshot of what stage %s changed\n", b.Plan.Target)
		if n, err = l.snapshot(b.Root, since, []string{work, filepath.Join(b.Root, "proc"), filepath.Join(b.Root, "sys")}); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
	} else {
		for _, c := range b.Plan.Copies {
			dir, ig := b.Context, ignore
			if c.FromStage != "" {
				dir, ig = b.Root, nil
			}
			list, err := files(c, dir, ig)
			if err != nil {
				return nil, err
			}
			for _, f := range list {
				if err := l.addCopy(f, c.UID, c.GID, c.Mode); err != nil {
					return nil, err
				}
				n++
			}
		}
	}
	tarPath := filepath.Join(work, "layer.tar")
	if err := writeFile(tarPath, l.write); err != nil {
		return nil, err
	}
	mt := types.DockerLayer
	if baseManifest.MediaType == types.OCIManifestSchema1 {
		mt = types.OCILayer
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return os.Open(tarPath) }, tarball.WithMediaType(mt))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{
		Created:   v1.Time{Time: b.Created},
		CreatedBy: "glcd image build --target " + b.Plan.Target + ": " + strings.Join(b.Plan.Config.Steps, "; "),
		Comment:   "glcd",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	apply(&cf.Config, b.Plan.Config)
	cf.Created = v1.Time{Time: b.Created}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.Out, "glcd: pushing %s (%d files on %s)\n", b.Tags[0], n, b.Base)
	if err := remote.Write(b.Tags[0], img, opts(b.Tags[0])...); err != nil {
		return nil, fmt.Errorf("push %s: %w", b.Tags[0], err)
	}
	for _, t := range b.Tags[1:] {
		if err := remote.Tag(t, img, opts(t)...); err != nil {
			return nil, fmt.Errorf("push %s: %w", t, err)
		}
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	ld, err := layer.Digest()
	if err != nil {
		return nil, err
	}
	size, err := layer.Size()
	if err != nil {
		return nil, err
	}
	return &Result{Image: b.Tags[0].Context().Digest(digest.String()).String(), Digest: digest.String(),
		Layer: ld.String(), LayerSize: size, Files: n, Pushed: counter.sent.Load()}, nil
}

// remoteOptions gives the registry options for a reference: ctx, the credentials auth gives
// for its registry, and tr.
func remoteOptions(ctx context.Context, auth func(string) authn.Authenticator, tr http.RoundTripper) func(name.Reference) []remote.Option {
	return func(ref name.Reference) []remote.Option {
		return []remote.Option{remote.WithContext(ctx), remote.WithAuth(auth(ref.Context().RegistryStr())), remote.WithTransport(tr)}
	}
}

// Tag gives the image (or index) at src the names tags, in their registries: within one
// registry only the manifest is written.
func Tag(ctx context.Context, src name.Reference, tags []name.Tag, auth func(string) authn.Authenticator) error {
	opts := remoteOptions(ctx, auth, http.DefaultTransport)
	desc, err := remote.Get(src, opts(src)...)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	for _, t := range tags {
		if err := writeAs(t, desc, opts(t)); err != nil {
			return fmt.Errorf("tag %s: %w", t, err)
		}
	}
	return nil
}

// writeAs writes the image or index desc describes to t.
func writeAs(t name.Tag, desc *remote.Descriptor, opts []remote.Option) error {
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return err
		}
		return remote.WriteIndex(t, idx, opts...)
	}
	img, err := desc.Image()
	if err != nil {
		return err
	}
	return remote.Write(t, img, opts...)
}

// runStage runs a stage's COPY and RUN steps in Root.
func (b Build) runStage(ctx context.Context, s Stage, ignore *patternmatcher.PatternMatcher) error {
	for _, step := range s.Steps {
		dir := filepath.Join(b.Root, step.Dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("stage %s, line %d: WORKDIR: %w", s.Name, step.Line, err)
		}
		if c := step.Copy; c != nil {
			fmt.Fprintf(b.Out, "glcd: stage %s, line %d: COPY %s %s\n", s.Name, step.Line, strings.Join(c.Sources, " "), c.Dest)
			if err := b.copyIn(*c, ignore); err != nil {
				return fmt.Errorf("stage %s, %w", s.Name, err)
			}
			continue
		}
		fmt.Fprintf(b.Out, "glcd: stage %s, line %d: RUN %s\n", s.Name, step.Line, step.Run[len(step.Run)-1])
		cmd := exec.CommandContext(ctx, step.Run[0], step.Run[1:]...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, b.Out, b.Out
		cmd.Env = stepEnv(b.Env, step.Env)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("stage %s, line %d: RUN failed: %w", s.Name, step.Line, err)
		}
	}
	return nil
}

// stepEnv is the environment of a RUN: PATH and HOME of the job's, then the stage's ARG and
// ENV values.
func stepEnv(job, stage []string) []string {
	var env []string
	for _, kv := range job {
		if strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	for _, kv := range stage {
		k, _, _ := strings.Cut(kv, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		env = append(env, kv)
	}
	return env
}

// copyIn does a COPY of a stage that runs here: the context's files are written under Root.
func (b Build) copyIn(c Copy, ignore *patternmatcher.PatternMatcher) error {
	list, err := files(c, b.Context, ignore)
	if err != nil {
		return err
	}
	root := os.Geteuid() == 0
	for _, f := range list {
		dst := filepath.Join(b.Root, f.dest)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		switch mode := f.info.Mode(); {
		case mode.IsDir():
			if err := os.MkdirAll(dst, mode.Perm()); err != nil {
				return err
			}
		case mode&os.ModeSymlink != 0:
			target, err := os.Readlink(f.src)
			if err != nil {
				return err
			}
			os.Remove(dst)
			if err := os.Symlink(target, dst); err != nil {
				return err
			}
		default:
			if err := copyFile(f.src, dst, mode.Perm()); err != nil {
				return fmt.Errorf("line %d: COPY: %w", c.Line, err)
			}
		}
		if c.Mode != nil && f.info.Mode()&os.ModeSymlink == 0 {
			if err := os.Chmod(dst, fs.FileMode(*c.Mode)&fs.ModePerm); err != nil {
				return err
			}
		}
		if root {
			if err := os.Lchown(dst, c.UID, c.GID); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	os.Remove(dst) // a read-only file of the base, or a symlink, is replaced, not written through
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeFile(p string, write func(io.Writer) error) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// apply sets what the stage set on the base's config, as docker does.
func apply(c *v1.Config, s Config) {
	if s.User != nil {
		c.User = *s.User
	}
	if s.WorkingDir != nil {
		c.WorkingDir = *s.WorkingDir
	}
	for _, kv := range s.Env {
		k, _, _ := strings.Cut(kv, "=")
		c.Env = slices.DeleteFunc(c.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		c.Env = append(c.Env, kv)
	}
	if s.EntrypointSet {
		c.Entrypoint = s.Entrypoint
	}
	if s.CmdSet {
		c.Cmd = s.Cmd
	}
	for _, p := range s.ExposedPorts {
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		c.ExposedPorts[p] = struct{}{}
	}
	for k, v := range s.Labels {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[k] = v
	}
}

// countingTransport counts the request bytes sent to the registry.
type countingTransport struct {
	next http.RoundTripper
	sent atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &countingBody{ReadCloser: r.Body, n: &t.sent}
	}
	return t.next.RoundTrip(r)
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
