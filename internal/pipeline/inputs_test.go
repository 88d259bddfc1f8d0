package pipeline

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// write makes files under a temporary directory and returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		f := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const buildComponent = `spec:
  inputs:
    stage:
      default: test
    image:
    replicas:
      type: number
      default: 2
    flags:
      type: array
      default: ["--a"]
    env:
      options: [staging, production]
      default: staging
    version:
      regex: ^v\d+\.\d+$
      default: v1.0
---
"build-$[[ inputs.env ]]":
  stage: $[[ inputs.stage ]]
  image: $[[ inputs.image ]]
  variables:
    REPLICAS: $[[ inputs.replicas ]]
    SHORT: $[[ inputs.image | truncate(0,6) ]]
    WHERE: $[[ inputs.env | expand_vars ]]-$CI_PROJECT_NAME
    QUOTED: $[[ inputs.image | posix_escape ]]
  script:
    - echo $[[ inputs.flags ]]
  parallel: $[[ inputs.replicas ]]
  tags: $[[ inputs.flags ]]
`

// A component of this project (templates/NAME.yml or templates/NAME/template.yml) is read
// from the checkout with its inputs: defaults, typed values where a value is one whole block,
// text elsewhere, the functions; another project's component is named, not read.
func TestComponentOfThisProject(t *testing.T) {
	dir := write(t, map[string]string{
		".gitlab-ci.yml": `include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/build@$CI_COMMIT_SHA
    inputs:
      image: "it's a $HOME"
      replicas: 3
      flags: ["--x", "--y"]
  - component: gitlab.example.com/group/app/check@2.0.0
  - component: gitlab.example.com/group/app/lint/check@2.0.0
  - component: gitlab.com/other/components/sast@1.0
`,
		"templates/build.yml":          buildComponent,
		"templates/check/template.yml": "spec:\n---\ncheck:\n  script: [\"true\"]\n",
	})
	vars := map[string]string{"CI_SERVER_FQDN": "gitlab.example.com", "CI_PROJECT_PATH": "group/app", "CI_COMMIT_SHA": "abc"}
	p, err := LoadWith(filepath.Join(dir, ".gitlab-ci.yml"), LoadOptions{ProjectPath: "group/app", Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Components) != 2 || p.Components[0].Ref != "gitlab.example.com/group/app/build@abc" || p.Components[0].File != filepath.Join(dir, "templates/build.yml") ||
		p.Components[1].File != filepath.Join(dir, "templates/check/template.yml") {
		t.Errorf("components %+v", p.Components)
	}
	if !reflect.DeepEqual(p.Remote, []string{"component gitlab.example.com/group/app/lint/check@2.0.0", "component gitlab.com/other/components/sast@1.0"}) {
		t.Errorf("remote %q", p.Remote)
	}
	if len(p.Jobs) != 2 || p.Jobs[0].Name != "build-staging" || p.Jobs[1].Name != "check" {
		t.Fatalf("jobs %+v", p.Jobs)
	}
	j := p.Jobs[0].Spec
	want := map[string]any{
		"stage": "test", "image": "it's a $HOME",
		"variables": map[string]any{"REPLICAS": 3, "SHORT": "it's a", "WHERE": "staging-$CI_PROJECT_NAME", "QUOTED": `it\'s\ a\ \$HOME`},
		"script":    []any{`echo ["--x","--y"]`}, "parallel": 3, "tags": []any{"--x", "--y"},
	}
	if !reflect.DeepEqual(j, want) {
		t.Errorf("job\n got %#v\nwant %#v", j, want)
	}
	// without the project's path, this project's component is another project's
	p, err = Load(filepath.Join(dir, ".gitlab-ci.yml"))
	if err != nil || len(p.Jobs) != 0 || len(p.Remote) != 4 {
		t.Errorf("no project path: %v %+v", err, p)
	}
}

// Inputs that break the declarations: every problem at once, naming the input and the rule.
func TestComponentInputsChecked(t *testing.T) {
	dir := write(t, map[string]string{
		".gitlab-ci.yml": `include:
  - component: gitlab.example.com/group/app/build@1.0
    inputs:
      replicas: "three"
      env: dev
      version: "2"
      colour: red
`,
		"templates/build.yml": buildComponent,
	})
	_, err := LoadWith(filepath.Join(dir, ".gitlab-ci.yml"), LoadOptions{ProjectPath: "group/app"})
	if err == nil {
		t.Fatal("bad inputs read")
	}
	for _, want := range []string{
		"input colour is not declared in spec: inputs: (it declares env, flags, image, replicas, stage, version)",
		"input env: dev is not one of its options [staging production]",
		"input image is required (it has no default)",
		"input replicas: three is not a number",
		`input version: "2" does not match its regex ^v\d+\.\d+$`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

// A local include with a spec: header takes inputs too; an unknown input or function in a
// block is named; inputs given to a file without a header are refused.
func TestLocalIncludeInputs(t *testing.T) {
	dir := write(t, map[string]string{
		".gitlab-ci.yml": "include:\n  - local: job.yml\n    inputs:\n      name: one\n  - local: job.yml\n    inputs:\n      name: two\n",
		"job.yml":        "spec:\n  inputs:\n    name:\n---\njob-$[[ inputs.name ]]:\n  script:\n    - echo $[[ inputs.name ]]\n",
		"bad.yml":        "include:\n  - local: badjob.yml\n",
		"badjob.yml":     "spec:\n  inputs:\n    name:\n      default: x\n---\njob:\n  script:\n    - echo $[[ inputs.nmae | upcase ]]\n",
		"nohdr.yml":      "include:\n  - local: plain.yml\n    inputs: {a: 1}\n",
		"plain.yml":      "job:\n  script: [true]\n",
		"fn.yml":         "include:\n  - local: fnjob.yml\n",
		"fnjob.yml":      "spec:\n  inputs:\n    name:\n      default: x\n---\njob:\n  script:\n    - echo $[[ inputs.name | upcase ]]\n",
	})
	p, err := Load(filepath.Join(dir, ".gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Jobs) != 2 || p.Jobs[0].Name != "job-one" || p.Jobs[1].Name != "job-two" || p.Jobs[1].Lines("script")[0] != "echo two" {
		t.Errorf("the same file with two sets of inputs: %+v", p.Jobs)
	}
	for file, want := range map[string]string{
		"bad.yml":   "$[[ inputs.nmae | upcase ]]: no input nmae in spec: inputs: (it declares name)",
		"nohdr.yml": "plain.yml is included with inputs: but has no spec: inputs: header",
		"fn.yml":    "unknown function upcase (expand_vars, truncate(OFFSET,LENGTH), posix_escape)",
	} {
		_, err := Load(filepath.Join(dir, file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
}

func TestPosixEscape(t *testing.T) {
	for in, want := range map[string]string{"": "''", "a-b_c.d,e:f+g/h@i": "a-b_c.d,e:f+g/h@i", "a b": `a\ b`, "$(x)": `\$\(x\)`, "a\nb": "a'\n'b", "é": `\é`} {
		if got := posixEscape(in); got != want {
			t.Errorf("posixEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

// A catalog the reader holds (glcd's own, embedded in glcd) answers for its project's
// components, whatever the version; another project's stays remote.
func TestComponentOfACatalog(t *testing.T) {
	catalog := fstest.MapFS{
		"templates/deploy.yml":         {Data: []byte("spec:\n  inputs:\n    name:\n      regex: ^[a-z]+$\n---\ndeploy-$[[ inputs.name ]]:\n  script: [glcd rollout]\n")},
		"templates/bad.yml":            {Data: []byte("include:\n  - local: x.yml\nj:\n  script: [true]\n")},
		"templates/apply/template.yml": {Data: []byte("apply:\n  script: [glcd apply]\n")},
	}
	dir := write(t, map[string]string{".gitlab-ci.yml": "include:\n" +
		"  - component: gitlab.com/glcd/glcd/deploy@~latest\n    inputs: {name: web}\n" +
		"  - component: gitlab.com/glcd/glcd/apply@0.1\n" +
		"  - component: gitlab.com/other/lib/lint@1.0.0\n"})
	o := LoadOptions{ProjectPath: "acme/app", Catalogs: map[string]fs.FS{"glcd/glcd": catalog}}
	p, err := LoadWith(filepath.Join(dir, ".gitlab-ci.yml"), o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range p.Jobs {
		names = append(names, j.Name)
	}
	if !reflect.DeepEqual(names, []string{"apply", "deploy-web"}) || len(p.Components) != 2 ||
		p.Components[0].Catalog != "glcd/glcd" || p.Components[0].File != "templates/deploy.yml" || !reflect.DeepEqual(p.Remote, []string{"component gitlab.com/other/lib/lint@1.0.0"}) {
		t.Errorf("jobs %v, components %+v, remote %v", names, p.Components, p.Remote)
	}
	for ci, want := range map[string]string{
		"include:\n  - component: gitlab.com/glcd/glcd/nope@1\n":                          "glcd/glcd has no component nope (it has apply, bad, deploy)",
		"include:\n  - component: gitlab.com/glcd/glcd/bad@1\n":                           "a catalog component's local includes are not read",
		"include:\n  - component: gitlab.com/glcd/glcd/deploy@1\n    inputs: {name: X}\n": `input name: "X" does not match its regex`,
	} {
		dir := write(t, map[string]string{".gitlab-ci.yml": ci})
		if _, err := LoadWith(filepath.Join(dir, ".gitlab-ci.yml"), o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", ci, err, want)
		}
	}
}
