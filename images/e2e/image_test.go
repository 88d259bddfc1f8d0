package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/images"
)

// The image as GitLab CI uses it: no ENTRYPOINT, a shell as CMD, a non-root user, the labels,
// and glcd, kubectl and git on PATH.
func TestImage(t *testing.T) {
	tb.Need(t)
	ctx := ctxT(t, 2*time.Minute)
	cfg, arch, size, err := pm.Inspect(ctx, imageRef)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s, %d MB uncompressed", imageRef, arch, size/1e6)
	if len(cfg.Entrypoint) != 0 {
		t.Errorf("Entrypoint %q: GitLab's sh would become its argument", cfg.Entrypoint)
	}
	if !slices.Equal(cfg.Cmd, []string{"/bin/sh"}) || cfg.User != "1000:1000" || cfg.WorkingDir != "/home/glcd" {
		t.Errorf("config %+v", cfg)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  version,
		"org.opencontainers.image.revision": revision,
		"org.opencontainers.image.source":   "https://gitlab.com/glcd/glcd",
	} {
		if cfg.Labels[k] != want {
			t.Errorf("label %s = %q, want %q", k, cfg.Labels[k], want)
		}
	}
	if _, err := time.Parse(time.RFC3339, cfg.Labels["org.opencontainers.image.created"]); err != nil {
		t.Errorf("label created: %v", err)
	}

	out, stderr, err := pm.Run(ctx, images.RunOptions{Image: imageRef,
		Cmd: []string{"sh", "-c", "glcd version && kubectl version --client && git --version && id -u && touch $HOME/w && pwd"}})
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, stderr)
	}
	for _, want := range []string{"glcd " + version, "commit:    " + revision, "client-go: v0.37.2",
		"Client Version: v1.37.2", "Kustomize Version: v5.", "git version 2.", "\n1000\n/home/glcd\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// `docker run -i IMAGE` with no command is a shell reading the script from stdin, and its
	// exit code is the script's.
	out, _, err = pm.Run(ctx, images.RunOptions{Image: imageRef, Stdin: strings.NewReader("echo shell $0; for c in glcd kubectl git ssh; do command -v $c; done\nexit 7\n")})
	if code := exitCode(t, err); code != 7 {
		t.Fatalf("exit %d, want 7\n%s", code, out)
	}
	if want := "shell /bin/sh\n/usr/local/bin/glcd\n/usr/local/bin/kubectl\n/usr/bin/git\n/usr/bin/ssh\n"; string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
}
