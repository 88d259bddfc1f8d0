package testbed

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"
)

// Registries inside the test bed's network namespace (Debian's docker-registry, the CNCF
// distribution registry). containerd reaches localhost registries over plain HTTP, so pods can
// pull from them; nothing else is reachable, so every other pull fails with a network error.
const (
	// Registry answers without authentication: a missing image is a real "not found".
	Registry = "localhost:5000"
	// RegistryAuth requires RegistryUser/RegistryPassword: pulls without them are "unauthorized".
	RegistryAuth     = "localhost:5001"
	RegistryUser     = "testbed"
	RegistryPassword = "testbed-registry-pass"
)

// PodRegistry is the address of Registry (auth false) or RegistryAuth (auth true) as pods
// reach it: the node's address, where a job pod pushes and the kubelet pulls over plain HTTP
// (containerd's hosts.toml for it is written with the test bed's configuration).
func (c *Cluster) PodRegistry(auth bool) string {
	if auth {
		return c.NodeIP + ":5001"
	}
	return c.NodeIP + ":5000"
}

func (c *Cluster) startRegistries(ctx context.Context, persistent bool) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(RegistryPassword), bcrypt.MinCost)
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.path("registry.htpasswd"), fmt.Appendf(nil, "%s:%s\n", RegistryUser, hash), 0o600); err != nil {
		return err
	}
	for _, r := range []struct{ name, addr, auth string }{
		// every address of the namespace: loopback for containerd, the node's for pods
		{"registry", ":5000", ""},
		{"registry-auth", ":5001", fmt.Sprintf("auth:\n  htpasswd:\n    realm: testbed\n    path: %s\n", c.path("registry.htpasswd"))},
	} {
		cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s",
			c.path(r.name+"-data"), r.addr, r.auth)
		if err := os.WriteFile(c.path(r.name+".yml"), []byte(cfg), 0o644); err != nil {
			return err
		}
		if err := c.spawn(r.name, persistent, "docker-registry", "serve", c.path(r.name+".yml")); err != nil {
			return err
		}
	}
	// the registries listen inside the namespace: probe them from there
	for _, port := range []string{"5000", "5001"} {
		if err := c.waitFor(ctx, "registry :"+port, 30*time.Second, func(ctx context.Context) (bool, error) {
			return c.slot.inNetns(ctx, "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:"+port+"/") == nil, nil
		}, "registry", "registry-auth"); err != nil {
			return err
		}
	}
	return nil
}

// PushBusyboxImage pushes a busybox image (sh as its command) to ref in one of the test bed's
// registries, with their credentials.
func (c *Cluster) PushBusyboxImage(ctx context.Context, ref string) error {
	files, err := BusyboxFiles(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "glcd-push-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "image.tar")
	im := Image{Ref: ref, Files: files, Config: ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"PATH=/bin"}}}
	if err := im.WriteArchive(p); err != nil {
		return err
	}
	return c.PushArchive(ctx, p, ref)
}

// PushArchive pushes the image of a docker-archive tarball (podman save, or WriteArchive) to
// ref in one of the test bed's registries, with their credentials.
func (c *Cluster) PushArchive(ctx context.Context, archive, ref string) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	img, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	tr := &http.Transport{DialContext: c.DialInNetns}
	auth := authn.FromConfig(authn.AuthConfig{Username: RegistryUser, Password: RegistryPassword})
	if err := remote.Write(tag, img, remote.WithAuth(auth), remote.WithTransport(tr), remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	return nil
}

// DialInNetns dials from inside the cluster's network namespace, where the registries listen
// on loopback: the socket is made on an OS thread switched into the namespace, which goes back
// to the host's namespace before any other goroutine may run on it. It must not end with its
// goroutine: the test bed's processes are started with a parent-death signal, which Linux
// sends when the thread that started them ends.
func (c *Cluster) DialInNetns(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		conn, back, err := c.dialOnThisThread(ctx, network, addr)
		if back {
			runtime.UnlockOSThread()
		} // else the thread stays locked in the namespace and ends with this goroutine
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}

// dialOnThisThread switches the locked thread into the namespace, dials, and switches back;
// back says whether the thread is in the host's namespace again.
func (c *Cluster) dialOnThisThread(ctx context.Context, network, addr string) (conn net.Conn, back bool, err error) {
	host, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, true, err
	}
	defer host.Close()
	f, err := os.Open(c.NetnsPath())
	if err != nil {
		return nil, true, err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("enter the test bed's network namespace: %w", err)
	}
	// FallbackDelay < 0: one address after the other on this goroutine, never a racing
	// goroutine that would run on another thread, outside the namespace
	conn, err = (&net.Dialer{FallbackDelay: -1}).DialContext(ctx, network, addr)
	return conn, unix.Setns(int(host.Fd()), unix.CLONE_NEWNET) == nil, err
}

// Pull reads ref's image from one of the test bed's registries, with their credentials.
func (c *Cluster) Pull(ctx context.Context, ref string) (v1.Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	return remote.Image(r, remote.WithContext(ctx), remote.WithTransport(&http.Transport{DialContext: c.DialInNetns}),
		remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: RegistryUser, Password: RegistryPassword})))
}

// LayerFiles returns the entries of img's layer i (negative: from the end): each name, without
// a trailing slash, to its content for a regular file and "dir" for a directory.
func LayerFiles(img v1.Image, i int) (map[string]string, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	if i < 0 {
		i += len(layers)
	}
	rc, err := layers[i].Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	out := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeDir {
			b = []byte("dir")
		}
		out[strings.TrimSuffix(h.Name, "/")] = string(b)
	}
}
