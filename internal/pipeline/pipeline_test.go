package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeedPipelineResolved(t *testing.T) {
	p, err := Load("testdata/seed/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Jobs) != 2 || p.Jobs[0].Name != "deploy_production" || p.Jobs[1].Name != "writeback" {
		t.Fatalf("jobs: %+v", p.Jobs)
	}
	if len(p.Included) != 1 || len(p.Remote) != 1 || p.Remote[0] != "https://gitlab.example.com/templates/raw/main/lint.yml" {
		t.Fatalf("includes: %v remote %v", p.Included, p.Remote)
	}
	d := p.Jobs[0]
	if im, _ := d.ImageOf(); im.Name != "bitnami/kubectl:1.29" || im.EntrypointOverride { // from the anchor's << merge
		t.Errorf("image %+v", im)
	}
	if s := d.Services(); len(s) != 1 || s[0] != "kubernetes" {
		t.Errorf("services %v", s)
	}
	if d.UsesCluster() == "" || d.Environment() != "" {
		t.Errorf("cluster use %q env %q", d.UsesCluster(), d.Environment())
	}
	w := p.Jobs[1]
	if w.UsesCluster() != "scripts/commit-tag-push" { // script came through extends from the included file
		t.Errorf("writeback script %v", w.Script())
	}
}

func TestGoodPipelineResolved(t *testing.T) {
	p, err := Load("testdata/good/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]Job{}
	for _, j := range p.Jobs {
		jobs[j.Name] = j
	}
	d := jobs["deploy_production"]
	if d.Environment() != "production" || d.Spec["stage"] != "deploy" {
		t.Errorf("extends not merged: %v", d.Spec)
	}
	if im, _ := d.ImageOf(); !im.EntrypointOverride || im.Name != "registry.example.com/glcd/kubectl:1.37" { // from default:
		t.Errorf("image %+v", im)
	}
	if ok, why := jobs["trigger_infra"].RunsOnTags(); !ok {
		t.Errorf("trigger_infra runs on tags, not: %s", why)
	}
	if _, ok := jobs["stages"]; ok {
		t.Error("a reserved key is a job")
	}
}

func TestRunsOnTags(t *testing.T) {
	for _, c := range []struct {
		yaml string
		ok   bool
	}{
		{"only: [main]", false},
		{"only: [tags]", true},
		{"only: [/^v.*$/]", true},
		{"except: [tags]", false},
		{"rules: [{if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'}]", false},
		{"rules: [{if: '$CI_COMMIT_TAG == null'}]", false},
		{"rules: [{if: '$CI_COMMIT_TAG'}]", true},
		{"rules: [{if: '$CI_COMMIT_BRANCH', when: never}, {when: on_success}]", true},
		{"rules: [{if: '$CI_COMMIT_BRANCH == \"main\" || $CI_COMMIT_TAG'}]", true},
		{"", true},
	} {
		dir := t.TempDir()
		f := filepath.Join(dir, ".gitlab-ci.yml")
		if err := os.WriteFile(f, []byte("deploy:\n  script: [glcd trigger]\n"+indent(c.yaml)), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := p.Jobs[0].RunsOnTags(); ok != c.ok {
			t.Errorf("%q: runs on tags %v (%s), want %v", c.yaml, ok, why, c.ok)
		}
	}
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "  " + s + "\n"
}

func TestExtendsLoopAndMissingBase(t *testing.T) {
	for _, y := range []string{"a:\n  extends: b\nb:\n  extends: a\n", "a:\n  extends: .nope\n  script: [x]\n"} {
		f := filepath.Join(t.TempDir(), ".gitlab-ci.yml")
		if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(f); err == nil {
			t.Errorf("%q: no error", y)
		}
	}
}

// The variables and dotenv reports a pipeline passes between its jobs, read from the app
// pipeline glcd ships.
func TestVariablesAndDotenv(t *testing.T) {
	p, err := Load("../../examples/app/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Variables["IMAGE_NAME"]; got != "$CI_REGISTRY_IMAGE/jobboard" {
		t.Errorf("global IMAGE_NAME %q", got)
	}
	jobs := map[string]Job{}
	for _, j := range p.Jobs {
		jobs[j.Name] = j
	}
	if got := jobs["test"].Variables()["STACK_ROOT"]; got != "$CI_PROJECT_DIR/.stack" {
		t.Errorf("test's STACK_ROOT %q", got)
	}
	if len(jobs["deploy"].Variables()) != 0 {
		t.Errorf("deploy's variables %v: it has none of its own", jobs["deploy"].Variables())
	}
	for job, want := range map[string]string{"builder-key": "builder.env", "publish": "publish.env", "builder": ""} {
		if got := jobs[job].Dotenv(); got != want {
			t.Errorf("%s's dotenv report %q, want %q", job, got, want)
		}
	}
	if s := jobs["builder"].Lines("script"); len(s) != 2 || !strings.HasPrefix(s[1], "glcd image build") {
		t.Errorf("builder's script %q", s)
	}
}

func TestLongFormVariable(t *testing.T) {
	v := variables(map[string]any{"A": "1", "B": map[string]any{"value": "two", "description": "d"}, "C": 3})
	if v["A"] != "1" || v["B"] != "two" || v["C"] != "3" || len(v) != 3 {
		t.Errorf("%v", v)
	}
}

// !reference takes a value from another key, nested references and a list in a script
// included; a reference to nothing is an error naming it.
func TestReference(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, ".gitlab-ci.yml")
	if err := os.WriteFile(file, []byte(`.setup:
  script: [echo setup, echo more]
  variables: {A: one}
.vars:
  variables:
    B: !reference [.setup, variables, A]
job:
  variables: !reference [.vars, variables]
  script:
    - !reference [.setup, script]
    - echo main
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range p.Jobs {
		if j.Name != "job" {
			continue
		}
		if got := strings.Join(j.Lines("script"), "|"); got != "echo setup|echo more|echo main" {
			t.Errorf("script %q", got)
		}
		if got := j.Variables(); got["B"] != "one" || len(got) != 1 {
			t.Errorf("variables %v", got)
		}
	}
	if err := os.WriteFile(file, []byte("job:\n  script:\n    - !reference [.nope, script]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file); err == nil || !strings.Contains(err.Error(), "!reference [.nope, script]: the file has no key .nope") {
		t.Errorf("a reference to nothing: %v", err)
	}
}
