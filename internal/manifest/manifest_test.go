package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

const (
	oldDigest = "sha256:cba06b5736faf67e54b07b561eae94395e774c517a7d910a54369e1263ccfbd4"
	newDigest = "sha256:11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437"
)

func deployment(image string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n" +
		"      containers:\n      - name: web\n        image: " + image + "\n"
}

func TestSetImageText(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		change Change
		want   string
	}{
		{"tag replaced", deployment("registry.gitlab.com/g/app:1.3.0"),
			Change{Repository: "registry.gitlab.com/g/app", Tag: "1.4.0"}, deployment("registry.gitlab.com/g/app:1.4.0")},
		{"familiar name matches its normalised form", deployment("app:1"),
			Change{Repository: "docker.io/library/app", Tag: "2"}, deployment("app:2")},
		{"normalised name matches a familiar repository", deployment("docker.io/library/app:1"),
			Change{Repository: "app", Tag: "2"}, deployment("docker.io/library/app:2")},
		{"digest only keeps the tag", deployment("app:1.0"),
			Change{Repository: "app", Digest: newDigest}, deployment("app:1.0@" + newDigest)},
		{"digest replaced", deployment("app@" + oldDigest),
			Change{Repository: "app", Digest: newDigest}, deployment("app@" + newDigest)},
		{"tag added before the digest", deployment("app@" + oldDigest),
			Change{Repository: "app", Tag: "2", Digest: newDigest}, deployment("app:2@" + newDigest)},
		{"CR-only line breaks", strings.ReplaceAll(deployment("app:1"), "\n", "\r"),
			Change{Repository: "app", Tag: "2"}, strings.ReplaceAll(deployment("app:2"), "\n", "\r")},
		{"Unicode line breaks NEL and LS before the image", "x: 1\u0085y: 2\u2028" + deployment("app:1"),
			Change{Repository: "app", Tag: "2"}, "x: 1\u0085y: 2\u2028" + deployment("app:2")},
		{"anchor on the line above", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: &i # c\n      app:1\n",
			Change{Repository: "app", Tag: "2"}, "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: &i # c\n      app:2\n"},
		{"inserted newTag quoted when bare it reads as a number", "images:\n- name: app\n",
			Change{Repository: "app", Tag: "1.4"}, "images:\n- name: app\n  newTag: \"1.4\"\n"},
		{"inserted newTag quoted like the name", "images:\n- name: 'app'\n  newName: 'reg/app'\n",
			Change{Repository: "reg/app", Tag: "2"}, "images:\n- name: 'app'\n  newName: 'reg/app'\n  newTag: '2'\n"},
		{"quoted marked tag may read as a number", "tag: \"1.3.0\" # glcd:image app\n",
			Change{Repository: "app", Tag: "1.4"}, "tag: \"1.4\" # glcd:image app\n"},
		{"marked empty digest value", "image:\n  tag: v1 # glcd:image app\n  digest: \"\" # glcd:image app\n",
			Change{Repository: "app", Tag: "v2", Digest: newDigest},
			"image:\n  tag: v2 # glcd:image app\n  digest: \"" + newDigest + "\" # glcd:image app\n"},
		{"marked value under another name", "image: mirror.local/app:1 # glcd:image registry.gitlab.com/g/app\n",
			Change{Repository: "registry.gitlab.com/g/app", Tag: "2"}, "image: mirror.local/app:2 # glcd:image registry.gitlab.com/g/app\n"},
		{"marked kustomization newTag is edited once", "images:\n- name: app\n  newTag: v1 # glcd:image app\n",
			Change{Repository: "app", Tag: "v2"}, "images:\n- name: app\n  newTag: v2 # glcd:image app\n"},
		{"marked container image is edited once", deployment("app:1 # glcd:image app"),
			Change{Repository: "app", Tag: "2"}, deployment("app:2 # glcd:image app")},
		{"digest into a flow mapping", "kind: Pod\nspec: {containers: [{name: a, image: app:1}]}\n",
			Change{Repository: "index.docker.io/library/app", Tag: "2", Digest: newDigest},
			"kind: Pod\nspec: {containers: [{name: a, image: app:2@" + newDigest + "}]}\n"},
		{"merge key brings the image", "x: &c {name: a, image: app:1}\nkind: Pod\nspec:\n  containers:\n  - <<: *c\n    name: b\n",
			Change{Repository: "app", Tag: "2"}, "x: &c {name: a, image: app:2}\nkind: Pod\nspec:\n  containers:\n  - <<: *c\n    name: b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, edits, err := SetImage([]byte(tt.src), tt.change)
			if err != nil {
				t.Fatalf("SetImage: %v", err)
			}
			if string(out) != tt.want {
				t.Errorf("got:\n%s", lineDiff([]byte(tt.want), out))
			}
			checkSpans(t, []byte(tt.src), out, edits)
		})
	}
}

func TestSetImageNothingToChange(t *testing.T) {
	src := []byte(deployment("registry.gitlab.com/g/app:1.4.0@" + oldDigest))
	out, edits, err := SetImage(src, Change{Repository: "registry.gitlab.com/g/app", Tag: "1.4.0"})
	if err != nil {
		t.Fatalf("an image already at the tag (its digest kept) is no error: %v", err)
	}
	if len(edits) != 0 || string(out) != string(src) {
		t.Errorf("got %d edits and changed bytes for an image already at the tag", len(edits))
	}
}

func TestSetImageEdits(t *testing.T) {
	src := "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  jobTemplate:\n    spec:\n" +
		"      template:\n        spec:\n          initContainers:\n          - name: init\n            image: \"app\"\n"
	_, edits, err := SetImage([]byte(src), Change{Repository: "app", Tag: "2"})
	if err != nil {
		t.Fatal(err)
	}
	want := Edit{
		Site: Site{Line: 11, Document: 1, Kind: KindContainer, ObjectKind: "CronJob", ObjectName: "nightly", Container: "init",
			Path: "spec.jobTemplate.spec.template.spec.initContainers[0].image"},
		Offset: strings.Index(src, `app"`) + len("app"), Old: "", New: ":2",
	}
	if len(edits) != 1 || edits[0] != want {
		t.Errorf("edits = %+v\nwant    %+v", edits, want)
	}
}

func TestSetImageNotFound(t *testing.T) {
	src := deployment("registry.gitlab.com/g/web:1") + "---\n" + deployment("${IMAGE}") + "---\n" + deployment("1") +
		"---\ntag: v1 # glcd:image other\n"
	_, _, err := SetImage([]byte(src), Change{Repository: "registry.gitlab.com/g/app", Tag: "2"})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a *NotFoundError", err)
	}
	if exitcode.Of(err) != exitcode.Usage {
		t.Errorf("exit code %d, want %d", exitcode.Of(err), exitcode.Usage)
	}
	var got []string
	for _, img := range nf.Images {
		got = append(got, img.Repository)
	}
	want := []string{"registry.gitlab.com/g/web", "", "", "docker.io/library/other"} // image: 1 is a number
	if !slices.Equal(got, want) {
		t.Errorf("listed repositories %q, want %q", got, want)
	}
	for _, s := range []string{"registry.gitlab.com/g/app appears nowhere",
		`line 10: Deployment/web, container "web" (spec.template.spec.containers[0].image): registry.gitlab.com/g/web:1`,
		`"${IMAGE}" (not an image reference)`, `"1" (not an image reference)`,
		"line 34: marked value (tag): other:v1 (repository docker.io/library/other)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q:\n%v", s, err)
		}
	}

	_, _, err = SetImage([]byte("a: b\n"), Change{Repository: "app", Tag: "2"})
	if !errors.As(err, &nf) || len(nf.Images) != 0 || !strings.Contains(err.Error(), "no image appears at all") {
		t.Errorf("a stream without images: err = %v", err)
	}
}

// TestSetImageProblems covers the uses that cannot be changed in place: each is reported
// with its line, and nothing is returned.
func TestSetImageProblems(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		change Change
		line   int
		reason string
	}{
		{"tag alone on a digest-pinned reference", deployment("app:1@" + oldDigest), Change{Repository: "app", Tag: "2"},
			10, "pinned by digest " + oldDigest},
		{"tag alone on a digest-pinned kustomization entry", "images:\n- name: app\n  newTag: \"1\"\n  digest: " + oldDigest + "\n",
			Change{Repository: "app", Tag: "2"}, 2, "pinned by digest"},
		{"tag alone while a marked digest stays", "tag: v1 # glcd:image app\ndigest: " + oldDigest + " # glcd:image app\n",
			Change{Repository: "app", Tag: "v2"}, 2, "pinned by digest"},
		{"unquoted value that would read as a float", "images:\n- name: app\n  newTag: 1.3.0\n",
			Change{Repository: "app", Tag: "1.4"}, 3, "1.4 would read as a float, not a string: quote the value"},
		{"unquoted value that would read as an int", "tag: v1 # glcd:image app\n",
			Change{Repository: "app", Tag: "2"}, 1, "2 would read as an int"},
		{"unquoted value that would read as a date", "tag: v1 # glcd:image app\n",
			Change{Repository: "app", Tag: "2001-12-14"}, 1, "would read as a timestamp"},
		{"unquoted value that YAML 1.1 reads as a bool", "tag: v1 # glcd:image app\n",
			Change{Repository: "app", Tag: "on"}, 1, "would read as a bool to YAML 1.1 readers"},
		{"block scalar", deployment("|-\n          app:1"), Change{Repository: "app", Tag: "2"}, 10, "block scalar"},
		{"escapes in a double-quoted image", deployment(`"app:\x31"`), Change{Repository: "app", Tag: "2"}, 10, "without escapes"},
		{"explicitly tagged non-string", "tag: !!int 1 # glcd:image app\n", Change{Repository: "app", Tag: "2"}, 1, "explicit tag !!int"},
		{"empty newTag", "images:\n- name: app\n  newTag:\n", Change{Repository: "app", Tag: "2"}, 2, `write newTag: ""`},
		{"digest with no place", "tag: v1 # glcd:image app\n", Change{Repository: "app", Digest: newDigest}, 1, "no place for digest"},
		{"tag with no place", "digest: \"" + oldDigest + "\" # glcd:image app\n", Change{Repository: "app", Tag: "v2"}, 1, "no place for tag v2"},
		{"marker on a mapping", "image: # glcd:image app\n  tag: v1\n", Change{Repository: "app", Tag: "2"}, 2, "marks a mapping"},
		{"marker on an empty value", "tag: # glcd:image app\nx: 1\n", Change{Repository: "app", Tag: "2"}, 1, "marks an empty value"},
		{"marker apart from any value", "# glcd:image app\n\ntag: v1\n", Change{Repository: "app", Tag: "2"}, 1, "marks no value"},
		{"marker with a tag", "tag: v1 # glcd:image app:v1\n", Change{Repository: "app", Tag: "2"}, 1, "without tag or digest"},
		{"marker without repository", "tag: v1 # glcd:image\n", Change{Repository: "app", Tag: "2"}, 1, "want # glcd:image <repository>"},
		{"marker with a bad repository", "tag: v1 # glcd:image App\n", Change{Repository: "app", Tag: "2"}, 1, "must be lowercase"},
		{"marked value of no image form", "tag: \"a b\" # glcd:image app\n", Change{Repository: "app", Tag: "2"}, 1, "neither an image reference"},
		{"value marked for two repositories", "# glcd:image app\ntag: v1 # glcd:image web\n", Change{Repository: "app", Tag: "v2"}, 2, "two repositories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, edits, err := SetImage([]byte(tt.src), tt.change)
			var pe *ProblemsError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ProblemsError", err)
			}
			if out != nil || edits != nil {
				t.Error("output returned with an error")
			}
			if exitcode.Of(err) != exitcode.Usage {
				t.Errorf("exit code %d, want %d", exitcode.Of(err), exitcode.Usage)
			}
			if len(pe.Problems) != 1 {
				t.Fatalf("%d problems, want 1: %v", len(pe.Problems), err)
			}
			if p := pe.Problems[0]; p.Line != tt.line || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("problem at line %d: %q\nwant line %d and %q", p.Line, p.Reason, tt.line, tt.reason)
			}
		})
	}
}

func TestSetImageBadInput(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		change Change
		want   []string
	}{
		{"every bad field at once", "a: b\n", Change{Repository: "reg/app:1", Tag: "-x", Digest: "sha256:12"},
			[]string{`repository "reg/app:1" has a tag or digest: give the repository alone (reg/app)`,
				`tag "-x" is not a valid image tag`, `digest "sha256:12" is not a valid digest`}},
		{"nothing to set", "a: b\n", Change{Repository: "app"}, []string{"neither a tag nor a digest"}},
		{"no repository", "a: b\n", Change{Tag: "1"}, []string{"no repository given"}},
		{"invalid YAML", "a: [b\n", Change{Repository: "app", Tag: "1"}, []string{"not valid YAML: yaml: line"}},
		{"UTF-16", "\xff\xfea\x00", Change{Repository: "app", Tag: "1"}, []string{"UTF-16"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := SetImage([]byte(tt.src), tt.change)
			if exitcode.Of(err) != exitcode.Usage {
				t.Fatalf("err = %v (exit code %d), want exit code %d", err, exitcode.Of(err), exitcode.Usage)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestImages(t *testing.T) {
	src := "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n" +
		"      - {name: web, image: nginx:1}\n---\nimages:\n- name: app\n  newName: reg/app\n  newTag: v1\n" +
		"  digest: " + oldDigest + "\n---\nimage:\n  tag: v1 # glcd:image reg/app\n"
	imgs, err := Images([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Image{
		{Site: Site{Line: 7, Document: 1, Kind: KindContainer, ObjectKind: "Deployment", ObjectName: "web", Container: "web",
			Path: "spec.template.spec.containers[0].image"}, Value: "nginx:1", Reference: "nginx:1", Repository: "docker.io/library/nginx"},
		{Site: Site{Line: 10, Document: 2, Kind: KindKustomize, Path: "images[0]"}, Value: "reg/app",
			Reference: "reg/app:v1@" + oldDigest, Repository: "docker.io/reg/app"},
		{Site: Site{Line: 16, Document: 3, Kind: KindMarker, Path: "image.tag"}, Value: "v1", Reference: "reg/app:v1",
			Repository: "docker.io/reg/app"},
	}
	if !slices.Equal(imgs, want) {
		t.Errorf("Images =\n%+v\nwant\n%+v", imgs, want)
	}
}

func TestKustomizationNameMatchesThroughNewName(t *testing.T) {
	src := "images:\n- name: registry.gitlab.com/g/app\n  newName: mirror.local/g/app\n  newTag: v1\n"
	for _, repo := range []string{"registry.gitlab.com/g/app", "mirror.local/g/app"} {
		out, _, err := SetImage([]byte(src), Change{Repository: repo, Tag: "v2"})
		if err != nil {
			t.Fatalf("%s: %v", repo, err)
		}
		if want := strings.Replace(src, "v1", "v2", 1); string(out) != want {
			t.Errorf("%s:\n%s", repo, lineDiff([]byte(want), out))
		}
	}
}

func TestSetImageFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	app := write("app.yaml", deployment("reg/app:1"))
	web := write("web.yaml", deployment("reg/web:1"))
	values := write("values.yaml", "tag: v1 # glcd:image reg/app\n")

	res, err := SetImageFiles([]string{app, web, values, app}, Change{Repository: "reg/app", Tag: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want one per distinct path", len(res))
	}
	if !res[0].Changed() || string(res[0].Out) != deployment("reg/app:v2") || res[0].Edits[0].File != app {
		t.Errorf("app.yaml: %+v", res[0])
	}
	if res[1].Changed() || string(res[1].Out) != string(res[1].Src) {
		t.Errorf("web.yaml changed: %q", res[1].Out)
	}
	if string(res[2].Out) != "tag: v2 # glcd:image reg/app\n" {
		t.Errorf("values.yaml: %q", res[2].Out)
	}
	if on, _ := os.ReadFile(app); string(on) != deployment("reg/app:1") {
		t.Error("SetImageFiles wrote to a file")
	}

	_, err = SetImageFiles([]string{web}, Change{Repository: "reg/app", Tag: "2"})
	var nf *NotFoundError
	if !errors.As(err, &nf) || len(nf.Images) != 1 || nf.Images[0].File != web || !strings.Contains(err.Error(), web+":10:") {
		t.Errorf("repository in no file: err = %v", err)
	}

	bad := write("bad.yaml", "a: [\n")
	pinned := write("pinned.yaml", deployment("reg/app:1@"+oldDigest))
	_, err = SetImageFiles([]string{app, bad, pinned, filepath.Join(dir, "missing.yaml")}, Change{Repository: "reg/app", Tag: "2"})
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("err = %v, want exit code 2", err)
	}
	for _, s := range []string{bad + ": not valid YAML", pinned + ":10: Deployment/web", "missing.yaml: no such file"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q:\n%v", s, err)
		}
	}
}
