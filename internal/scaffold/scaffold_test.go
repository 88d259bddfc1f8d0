package scaffold_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/manifest"
	"gitlab.com/glcd/glcd/internal/scaffold"
)

func TestRenderReplacesTheExampleProject(t *testing.T) {
	infra, err := scaffold.Render(glcd.Scaffolds, scaffold.Options{Kind: scaffold.Infra, Dir: "repos/shop-infra", Image: "registry.gitlab.com/acme/shop/shop:2.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := scaffold.Render(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: "repos/shop"})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range append(infra, app...) {
		paths = append(paths, f.Path)
		if bytes.Contains(f.Data, []byte(scaffold.ExampleProject)) {
			t.Errorf("%s still names %s", f.Path, scaffold.ExampleProject)
		}
	}
	want := []string{".gitlab-ci.yml", "kubernetes/shop.yaml", ".gitlab-ci.yml", "Dockerfile.builder"}
	if !slices.Equal(paths, want) {
		t.Fatalf("files %v, want %v", paths, want)
	}
	imgs, err := manifest.Images(infra[1].Data)
	if err != nil || len(imgs) != 1 || imgs[0].Reference != "registry.gitlab.com/acme/shop/shop:2.0.0" || imgs[0].Container != "shop-web" || imgs[0].ObjectName != "shop" {
		t.Fatalf("manifest images %+v, %v", imgs, err)
	}
	for _, w := range []string{"PROJECT_NAME: shop ", "POD_NAME: shop-web ", "IMAGE_NAME: $CI_REGISTRY_IMAGE/shop\n",
		"project: $CI_PROJECT_NAMESPACE/shop-infra\n", "component: gitlab.com/glcd/glcd/trigger@0.1\n"} {
		if !bytes.Contains(app[0].Data, []byte(w)) {
			t.Errorf("app pipeline lacks %q", w)
		}
	}
	if !bytes.Contains(infra[0].Data, []byte("component: gitlab.com/glcd/glcd/deploy@0.1\n")) {
		t.Errorf("infra pipeline does not include the deploy component:\n%s", infra[0].Data)
	}
	// --plain-jobs: the same pipelines with every job written out, no component
	plain, err := scaffold.Render(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: "repos/shop", PlainJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`glcd trigger --project "$CI_PROJECT_NAMESPACE/shop-infra"`, "glcd autotag"} {
		if !bytes.Contains(plain[0].Data, []byte(w)) {
			t.Errorf("plain app pipeline lacks %q", w)
		}
	}
	if bytes.Contains(plain[0].Data, []byte("component:")) || len(plain) != 2 || !bytes.Equal(plain[1].Data, app[1].Data) {
		t.Errorf("plain app scaffold: %d files, includes a component: %v", len(plain), bytes.Contains(plain[0].Data, []byte("component:")))
	}
	dockerfile, err := os.ReadFile("../../Dockerfile.builder")
	if err != nil || !bytes.Equal(dockerfile, app[1].Data) {
		t.Fatalf("Dockerfile.builder is not glcd's own (%v)", err)
	}
}

func TestCheckListsEveryProblem(t *testing.T) {
	_, err := scaffold.Render(glcd.Scaffolds, scaffold.Options{Kind: scaffold.Infra, Dir: "x", Project: "Shop_1", Version: "1.0"})
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit code %d, want 2: %v", exitcode.Of(err), err)
	}
	for _, w := range []string{`project "Shop_1"`, "no --image", "--version is for glcd init app"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	_, err = scaffold.Render(glcd.Scaffolds, scaffold.Options{Kind: scaffold.Infra, Dir: "x", Image: "registry.gitlab.com/acme/shop"})
	if err == nil || !strings.Contains(err.Error(), "has no tag") {
		t.Fatalf("an image without a tag: %v", err)
	}
	_, err = scaffold.Render(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: "x", Project: strings.Repeat("a", 60)})
	if err == nil || !strings.Contains(err.Error(), "too long for its container name") {
		t.Fatalf("a 60-character project: %v", err)
	}
}

func TestWriteOverwritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop-infra")
	o := scaffold.Options{Kind: scaffold.Infra, Dir: dir, Image: "registry.gitlab.com/acme/shop/shop:2.0.0"}
	mine := []byte("# my own pipeline\n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := scaffold.Write(glcd.Scaffolds, o)
	var exists *scaffold.ExistsError
	if !errors.As(err, &exists) || exitcode.Of(err) != exitcode.Usage || !slices.Equal(exists.Paths, []string{".gitlab-ci.yml"}) {
		t.Fatalf("want exit 2 naming .gitlab-ci.yml, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kubernetes")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused init wrote kubernetes/: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".gitlab-ci.yml")); !bytes.Equal(b, mine) {
		t.Fatal("the existing pipeline changed")
	}

	if err := os.Remove(filepath.Join(dir, ".gitlab-ci.yml")); err != nil {
		t.Fatal(err)
	}
	res, err := scaffold.Write(glcd.Scaffolds, o)
	if err != nil || !slices.Equal(res.Written, []string{".gitlab-ci.yml", "kubernetes/shop.yaml"}) || res.Project != "shop" {
		t.Fatalf("into an empty repo: %+v, %v", res, err)
	}
	_, err = scaffold.Write(glcd.Scaffolds, o)
	if !errors.As(err, &exists) || !slices.Equal(exists.Paths, []string{".gitlab-ci.yml", "kubernetes/shop.yaml"}) {
		t.Fatalf("second run: want both files listed, got %v", err)
	}
}

func TestAppMakefile(t *testing.T) {
	write := func(t *testing.T, dir, name, data string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), mode); err != nil {
			t.Fatal(err)
		}
	}
	read := func(t *testing.T, dir string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "Makefile"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("none: created at the package's version", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "package.yaml", "name: shop\nversion: 2.3.4\n", 0o644)
		res, err := scaffold.Write(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: dir, Project: "shop"})
		if err != nil || res.Makefile != "created" || res.Version != "2.3.4" || !slices.Contains(res.Written, "Makefile") {
			t.Fatalf("%+v, %v", res, err)
		}
		if mk := read(t, dir); !strings.Contains(mk, "\nDEPLOY_VERSION = 2.3.4\n") || !strings.Contains(mk, "\ntest:\n\tstack test\n") {
			t.Fatalf("Makefile:\n%s", mk)
		}
	})
	t.Run("without the line: added on top, the rest kept", func(t *testing.T) {
		dir := t.TempDir()
		const mine = "all:\n\tstack build\n"
		write(t, dir, "Makefile", mine, 0o600)
		res, err := scaffold.Write(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: dir, Project: "shop", Version: "1.0.0"})
		if err != nil || res.Makefile != "added" || res.Version != "1.0.0" || slices.Contains(res.Written, "Makefile") {
			t.Fatalf("%+v, %v", res, err)
		}
		mk := read(t, dir)
		if !strings.HasSuffix(mk, "\nDEPLOY_VERSION = 1.0.0\n\n"+mine) {
			t.Fatalf("Makefile:\n%s", mk)
		}
		if st, err := os.Stat(filepath.Join(dir, "Makefile")); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("mode: %v, %v", st.Mode(), err)
		}
	})
	t.Run("with the line: kept as it is", func(t *testing.T) {
		dir := t.TempDir()
		const mine = "IMAGE ?= x\nDEPLOY_VERSION := 4.5.6\n"
		write(t, dir, "Makefile", mine, 0o644)
		res, err := scaffold.Write(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: dir, Project: "shop"})
		if err != nil || res.Makefile != "kept" || res.Version != "4.5.6" || read(t, dir) != mine {
			t.Fatalf("%+v, %v:\n%s", res, err, read(t, dir))
		}
	})
}

func TestDefaultProject(t *testing.T) {
	for _, c := range []struct {
		kind      scaffold.Kind
		dir, want string
	}{
		{scaffold.Infra, "/src/shop-infra", "shop"},
		{scaffold.App, "/src/shop-infra", "shop-infra"},
		{scaffold.App, "/src/shop/", "shop"},
	} {
		if got := scaffold.DefaultProject(c.kind, c.dir); got != c.want {
			t.Errorf("DefaultProject(%s, %s) = %s, want %s", c.kind, c.dir, got, c.want)
		}
	}
}
