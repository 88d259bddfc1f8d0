package builderkey_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/builderkey"
)

const base = "registry.example.com/group/app/builder-base:9.0.2-1"

// sample copies the sample app of testdata/builder-app into a temporary directory.
func sample(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("../../testdata/builder-app")); err != nil {
		t.Fatal(err)
	}
	return dst
}

func key(t *testing.T, dir, base string) *builderkey.Key {
	t.Helper()
	k, err := builderkey.Compute(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	write(t, dir, name, strings.Replace(string(b), old, new, 1))
}

func TestKeyShapeAndInputs(t *testing.T) {
	k := key(t, sample(t), base)
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(k.Key) {
		t.Fatalf("key %q is not 12 hex digits", k.Key)
	}
	var names []string
	for _, in := range k.Inputs {
		names = append(names, in.Name)
		if len(in.Hash) != 64 {
			t.Errorf("input %s: hash %q is not a sha256", in.Name, in.Hash)
		}
	}
	want := "builder-base package.yaml resolver stack.yaml vendor/aeson/ vendor/greeting/ vendor/megaparsec/ " +
		"vendor/parser-combinators/ vendor/servant-server/ vendor/servant/ vendor/wai-app-static/ vendor/wai-extra/"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("inputs %q, want %q", got, want)
	}
	for _, in := range k.Inputs {
		if in.Name == "resolver" && in.Note != "resolver=ghc-9.0.2" {
			t.Errorf("resolver note %q", in.Note)
		}
		if in.Name == "builder-base" && in.Note != base {
			t.Errorf("builder-base note %q", in.Note)
		}
	}
	if again := key(t, sample(t), base); again.Key != k.Key {
		t.Errorf("the same project gave %s, then %s", k.Key, again.Key)
	}
}

// A release (version bump, new app code, comments, reformatting) reuses the builder.
func TestUnchangedByRelease(t *testing.T) {
	dir := sample(t)
	before := key(t, dir, base).Key
	edit(t, dir, "package.yaml", "version: 1.0.0", "version: 1.1.0")
	edit(t, dir, "app/Main.hs", `"ok\n"`, `"ok, all good\n"`)
	edit(t, dir, "stack.yaml", "system-ghc: true\n", "\n\n# the system's compiler\nsystem-ghc:   true   # Debian's\n")
	// the same data in another key order, with a comment
	edit(t, dir, "package.yaml", "license: Apache-2.0\n", "")
	edit(t, dir, "package.yaml", "name: hello\n", "license: Apache-2.0 # SPDX\nname: hello\n")
	if after := key(t, dir, base).Key; after != before {
		t.Errorf("a release changed the key: %s -> %s", before, after)
	}
}

// Anything that decides the compiled dependencies changes the key.
func TestChangedByDependencies(t *testing.T) {
	cases := map[string]func(t *testing.T, dir string){
		"a dependency added": func(t *testing.T, dir string) {
			edit(t, dir, "package.yaml", "  - warp\n", "  - warp\n  - vector\n")
		},
		"a version bound changed": func(t *testing.T, dir string) {
			edit(t, dir, "package.yaml", "base >= 4.15 && < 5", "base >= 4.16 && < 5")
		},
		"the resolver": func(t *testing.T, dir string) {
			edit(t, dir, "stack.yaml", "resolver: ghc-9.0.2", "resolver: ghc-9.2.8")
		},
		"an extra-dep added": func(t *testing.T, dir string) {
			edit(t, dir, "stack.yaml", "  - ./vendor/greeting\n", "  - ./vendor/greeting\n  - acme-missiles-0.3\n")
		},
		"the vendored dependency's source": func(t *testing.T, dir string) {
			edit(t, dir, "vendor/greeting/src/Greeting.hs", `"hello, "`, `"hi, "`)
		},
		"the vendored dependency's version": func(t *testing.T, dir string) {
			edit(t, dir, "vendor/greeting/greeting.cabal", "0.1.0", "0.2.0")
		},
		"a module of a vendored library": func(t *testing.T, dir string) {
			edit(t, dir, "vendor/megaparsec/Text/Megaparsec/Char.hs", "module Text.Megaparsec.Char", "-- patched\nmodule Text.Megaparsec.Char")
		},
		"a vendored library dropped": func(t *testing.T, dir string) {
			edit(t, dir, "stack.yaml", "  - ./vendor/wai-app-static\n", "")
		},
		"a lock file added": func(t *testing.T, dir string) {
			write(t, dir, "stack.yaml.lock", "packages: []\nsnapshots: []\n")
		},
		"a cabal file added": func(t *testing.T, dir string) {
			write(t, dir, "hello.cabal", "name: hello\nversion: 1.0.0\nexecutable hello\n  build-depends: base\n")
		},
	}
	before := key(t, sample(t), base).Key
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			dir := sample(t)
			change(t, dir)
			if after := key(t, dir, base).Key; after == before {
				t.Errorf("the key stayed %s", before)
			}
		})
	}
	t.Run("the builder-base", func(t *testing.T) {
		if after := key(t, sample(t), base+"-2").Key; after == before {
			t.Errorf("the key stayed %s", before)
		}
	})
}

// A cabal project: comments, blank lines and the version: field are left out; dependencies
// and the packages cabal.project names count.
func TestCabalProject(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "cabal.project", "-- local packages\npackages: ./, lib/\n\nwith-compiler: ghc-9.0.2\n")
	write(t, dir, "app.cabal", "cabal-version: 2.2\nname: app\nversion: 1.0.0\n\nexecutable app\n  main-is: Main.hs\n  build-depends: base, warp\n")
	write(t, dir, "lib/lib.cabal", "name: lib\nversion:\n  0.1\nlibrary\n  build-depends: base\n")
	k := key(t, dir, base)
	var names []string
	for _, in := range k.Inputs {
		names = append(names, in.Name)
	}
	if got, want := strings.Join(names, " "), "app.cabal builder-base cabal.project lib/lib.cabal resolver"; got != want {
		t.Fatalf("inputs %q, want %q", got, want)
	}
	write(t, dir, "app.cabal", "cabal-version: 2.2\n-- the app\nname: app\nVersion:   2.0.0   \nexecutable app\n\n  main-is: Main.hs\n  build-depends: base, warp\n")
	write(t, dir, "lib/lib.cabal", "name: lib\nversion:\n  0.2\nlibrary\n  build-depends: base\n")
	if again := key(t, dir, base).Key; again != k.Key {
		t.Errorf("versions and comments changed the key: %s -> %s", k.Key, again)
	}
	write(t, dir, "lib/lib.cabal", "name: lib\nversion: 0.2\nlibrary\n  build-depends: base, text\n")
	if again := key(t, dir, base).Key; again == k.Key {
		t.Errorf("a dependency of a local package did not change the key")
	}
}

// Every problem is named at once.
func TestErrors(t *testing.T) {
	if _, err := builderkey.Compute(t.TempDir(), base); err == nil || !strings.Contains(err.Error(), "no stack.yaml, package.yaml, *.cabal or cabal.project") {
		t.Errorf("empty directory: %v", err)
	}
	if _, err := builderkey.Compute(sample(t), " "); err == nil || !strings.Contains(err.Error(), "no builder-base reference") {
		t.Errorf("no base: %v", err)
	}
	dir := sample(t)
	write(t, dir, "package.yaml", "name: [unclosed\n")
	edit(t, dir, "stack.yaml", "./vendor/greeting", "./vendor/missing")
	edit(t, dir, "stack.yaml", "  - .\n", "  - .\n  - ../elsewhere\n")
	_, err := builderkey.Compute(dir, base)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"package.yaml: yaml:", `extra-dep "./vendor/missing"`, `package "../elsewhere" is outside the project`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
