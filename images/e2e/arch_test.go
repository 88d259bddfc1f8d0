package e2e

import (
	"debug/elf"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/images"
)

// The Dockerfile's build stage cross-compiles for TARGETARCH: arm64 gives a static arm64 glcd
// (only amd64 runs here, so the arm64 image itself is not built; docker buildx builds both).
func TestArm64Binary(t *testing.T) {
	tb.Need(t)
	ctx := ctxT(t, 20*time.Minute)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	const ref = "localhost/glcd/build:arm64-e2e"
	err = pm.BuildKubectlDebian(ctx, images.KubectlBuild{Repo: root, Tag: ref, Version: version, Revision: revision,
		Target: "build", TargetArch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pm.Remove(ctx, ref) })
	bin := filepath.Join(t.TempDir(), "glcd")
	if err := pm.CopyOut(ctx, ref, "/out/glcd", bin); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("machine %v, want EM_AARCH64", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the arm64 glcd is dynamically linked")
		}
	}
}
