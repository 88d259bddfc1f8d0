package images

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// KubectlDockerfile is the image's Dockerfile, relative to the repository root.
const KubectlDockerfile = "Dockerfile.kubectl"

// KubectlBuild describes a build of Dockerfile.kubectl on this machine.
type KubectlBuild struct {
	Repo     string // repository root: the build context
	Tag      string // reference of the result
	Version  string // glcd version (VERSION build argument)
	Revision string // git commit (REVISION)
	Created  string // RFC 3339 time (CREATED)
	// Target is the stage to build (empty: the image); with "build", only the binaries.
	Target string
	// TargetArch cross-compiles glcd for another architecture (TARGETARCH, e.g. arm64); the
	// final stage needs a base of that architecture, the build stage does not.
	TargetArch string
}

// BuildKubectlDebian builds Dockerfile.kubectl on the locally made Debian base with the local Go
// image (BASE and GO_IMAGE build arguments), with host networking for apt-get and the module
// proxy. The host's module download cache is mounted read-only as the first GOPROXY, so a
// build fetches only modules this machine has never fetched, and the host's Go build cache is
// the build's GOCACHE, so the build stage compiles only what the host has not compiled yet
// (with a cold host cache, the image build fills it for the tests that follow).
func (p *Podman) BuildKubectlDebian(ctx context.Context, b KubectlBuild) error {
	base, err := p.EnsureDebianBase(ctx)
	if err != nil {
		return err
	}
	goImage, err := p.GoImage(ctx)
	if err != nil {
		return err
	}
	args := map[string]string{"BASE": base, "GO_IMAGE": goImage, "VERSION": b.Version, "REVISION": b.Revision, "CREATED": b.Created}
	if b.TargetArch != "" {
		args["TARGETARCH"] = b.TargetArch
	}
	var volumes []string
	if modcache, err := HostGoModCache(ctx); err == nil {
		proxy := "https://proxy.golang.org,direct"
		if out, err := exec.CommandContext(ctx, "go", "env", "GOPROXY").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			proxy = strings.TrimSpace(string(out))
		}
		volumes = append(volumes, modcache+":/host-goproxy:ro")
		args["GOPROXY"] = "file:///host-goproxy," + proxy
	}
	if gocache, err := HostGoBuildCache(ctx); err == nil {
		volumes = append(volumes, gocache+":/host-gocache")
		args["GOCACHE"] = "/host-gocache"
	}
	err = p.Build(ctx, BuildOptions{
		Context: b.Repo, Dockerfile: filepath.Join(b.Repo, KubectlDockerfile), Tag: b.Tag, Target: b.Target,
		Args: args, Network: NetworkHost, Volumes: volumes,
	})
	if err != nil {
		return fmt.Errorf("build %s: %w", KubectlDockerfile, err)
	}
	// The build stage stays behind as an untagged image; drop it so the storage does not grow
	// with every commit built (the tagged image keeps its own layers, apt's included).
	return p.Prune(ctx)
}
