package examples

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"gitlab.com/glcd/glcd"
	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/cli"
	"gitlab.com/glcd/glcd/internal/doctor"
	"gitlab.com/glcd/glcd/internal/pipeline"
)

// components are glcd's CI/CD catalog components (templates/) and the inputs a project gives
// them beside their defaults; a nil map is the defaults alone (no required input).
var components = map[string]struct{ required, sample map[string]any }{
	"deploy": {map[string]any{"project-name": "jobboard"},
		map[string]any{"stage": "release", "environment": "staging", "container": "web", "image-name": "$CI_REGISTRY_IMAGE/jobboard", "version": "1.4.0",
			"timeout": "90s", "undo-on-failure": true, "writeback": true, "writeback-message": "Deployed jobboard",
			"rules": []any{map[string]any{"if": `$CI_PIPELINE_SOURCE == "trigger"`}}}},
	"apply": {nil, map[string]any{"manifests": "deploy/base dir/", "dry-run": "server", "timeout": "5m",
		"rules": []any{map[string]any{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "changes": []any{"deploy/**/*"}}}}},
	"trigger": {map[string]any{"project": "group/jobboard-infra"}, map[string]any{"ref": "release", "wait": false, "timeout": "1h"}},
	"autotag": {nil, map[string]any{"via": "git", "prefix": ""}},
	"doctor":  {nil, map[string]any{"for": "rollout,writeback", "workload": "statefulset/db"}},
}

// render includes the component with inputs as a project would, reads it as GitLab does
// (pipeline.LoadWith: header, ---, inputs checked, interpolated) and writes the resolved jobs
// as a plain pipeline file.
func render(t *testing.T, name string, inputs map[string]any) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "templates"), os.DirFS("../templates")); err != nil {
		t.Fatal(err)
	}
	inc, err := yaml.Marshal(map[string]any{"include": []any{map[string]any{"component": "gitlab.com/glcd/glcd/" + name + "@1.0.0", "inputs": inputs}}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, ".gitlab-ci.yml")
	if err := os.WriteFile(file, inc, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.LoadWith(file, pipeline.LoadOptions{ProjectPath: "glcd/glcd"})
	if err != nil {
		return "", err
	}
	if len(p.Components) != 1 || len(p.Jobs) != 1 || p.Jobs[0].Name != "glcd-"+name {
		t.Fatalf("%s: components %v, jobs %v", name, p.Components, p.Jobs)
	}
	out, err := yaml.Marshal(map[string]any{p.Jobs[0].Name: p.Jobs[0].Spec})
	if err != nil {
		t.Fatal(err)
	}
	rendered := filepath.Join(dir, "rendered.yml")
	return rendered, os.WriteFile(rendered, out, 0o644)
}

// Every component renders with its defaults and with sample inputs; the job it makes runs glcd
// with flags glcd accepts, on the glcd image, and glcd doctor's pipeline lint finds nothing
// wrong with it. A required input left out, a value out of its options or regex, and an unknown
// input are errors naming the input.
func TestCatalogComponents(t *testing.T) {
	entries, err := os.ReadDir("../templates")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(components) {
		t.Errorf("templates/ has %d files, the test knows %d components", len(entries), len(components))
	}
	runner, err := executor.LoadSettings("runner/executor.yaml", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range components {
		for label, inputs := range map[string]map[string]any{"defaults": c.required, "sample inputs": merge(c.required, c.sample)} {
			rendered, err := render(t, name, inputs)
			if err != nil {
				t.Errorf("%s with %s: %v", name, label, err)
				continue
			}
			b, _ := os.ReadFile(rendered)
			t.Logf("%s with %s:\n%s", name, label, b)
			if strings.Contains(string(b), "$[[") {
				t.Errorf("%s with %s: not interpolated:\n%s", name, label, b)
			}
			calls, images := glcdCalls(t, rendered)
			job := "glcd-" + name
			var commands []string
			for _, args := range calls[job] {
				commands = append(commands, args[1])
			}
			want := map[string]string{"deploy": "doctor doctor rollout writeback", "apply": "doctor apply"}[name]
			if want == "" {
				want = name
			}
			if strings.Join(commands, " ") != want {
				t.Errorf("%s with %s: glcd calls %q, want the commands %s", name, label, calls, want)
			}
			if r, ok := c.sample["rules"]; ok && label == "sample inputs" {
				doc := readPipeline(t, rendered)
				if got, _ := yaml.Marshal(doc[job].(map[string]any)["rules"]); string(got) != string(must(yaml.Marshal(r))) {
					t.Errorf("%s: rules %s, want the input's %s", name, got, must(yaml.Marshal(r)))
				}
			}
			for _, args := range calls[job] {
				if err := cli.Validate(args); err != nil {
					t.Errorf("%s with %s: %s: %v", name, label, strings.Join(args, " "), err)
				}
			}
			// the job runs on the runner settings glcd ships: an unprivileged pod
			for j, imgs := range jobImages(t, rendered) {
				for _, p := range admitted(runner, j, imgs) {
					t.Errorf("%s with %s: on examples/runner: %s", name, label, p)
				}
			}
			if images[job] != "registry.gitlab.com/glcd/glcd:0.1" {
				t.Errorf("%s with %s: image %q", name, label, images[job])
			}
			rep := doctor.Run(context.Background(), doctor.Options{Env: ci.Load(ci.Environ(nil)), CIFile: rendered, FlagVars: cli.FlagEnvVars(), StepTimeout: time.Nanosecond})
			for _, r := range rep.Results {
				if r.Check == doctor.CheckPipeline && r.Status != doctor.OK {
					t.Errorf("%s with %s: glcd doctor's pipeline lint: %+v", name, label, r)
				}
			}
			if label == "sample inputs" {
				for _, v := range c.sample {
					if s, ok := v.(string); ok && s != "" && !strings.Contains(string(b), strings.ReplaceAll(s, " ", `\ `)) && !strings.Contains(string(b), ": "+s+"\n") {
						t.Errorf("%s: the input value %q is not in the job:\n%s", name, s, b)
					}
				}
			}
		}
	}
	// the checks GitLab makes
	for name, c := range components {
		for k := range c.required {
			missing := merge(c.required, nil)
			delete(missing, k)
			if _, err := render(t, name, missing); err == nil || !strings.Contains(err.Error(), "input "+k+" is required") {
				t.Errorf("%s without %s: %v", name, k, err)
			}
		}
		if _, err := render(t, name, merge(c.required, map[string]any{"no-such-input": 1})); err == nil || !strings.Contains(err.Error(), "input no-such-input is not declared") {
			t.Errorf("%s with an unknown input: %v", name, err)
		}
	}
	for name, bad := range map[string]map[string]any{
		"deploy":  {"project-name": "Job_Board", "timeout": "soon", "writeback": "yes", "rules": "always"},
		"apply":   {"dry-run": "client"},
		"autotag": {"via": "ssh"},
		"doctor":  {"for": "deploy"},
		"trigger": {"project": "g/p", "wait": "yes"},
	} {
		if _, err := render(t, name, bad); err == nil {
			t.Errorf("%s with %v: accepted", name, bad)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// glcd's own pipeline publishes the catalog: a release job on MAJOR.MINOR.PATCH tags only,
// after the components job that runs this test; and the version the examples include is the
// one of the glcd image they and the components name.
func TestCatalogReleaseJob(t *testing.T) {
	p, err := pipeline.Load("../.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]pipeline.Job{}
	for _, j := range p.Jobs {
		jobs[j.Name] = j
	}
	rel, ok := jobs["catalog-release"]
	if !ok {
		t.Fatalf("no catalog-release job: %v", p.Jobs)
	}
	release, _ := rel.Spec["release"].(map[string]any)
	if release["tag_name"] != "$CI_COMMIT_TAG" {
		t.Errorf("release: %v, want tag_name $CI_COMMIT_TAG", release)
	}
	rules, _ := rel.Spec["rules"].([]any)
	if len(rules) != 1 {
		t.Fatalf("rules %v", rules)
	}
	cond, _ := rules[0].(map[string]any)["if"].(string)
	pattern, ok := strings.CutPrefix(cond, "$CI_COMMIT_TAG =~ /")
	pattern, ok2 := strings.CutSuffix(pattern, "/")
	re, err := regexp.Compile(pattern)
	if !ok || !ok2 || err != nil {
		t.Fatalf("rule %q: want $CI_COMMIT_TAG =~ /REGEX/ (%v)", cond, err)
	}
	for tag, want := range map[string]bool{"1.2.3": true, "0.1.0": true, "v1.2.3": false, "1.2": false, "1.2.3-rc1": false, "main": false} {
		if re.MatchString(tag) != want {
			t.Errorf("tag %s: released %v, want %v (the catalog takes semantic versions)", tag, !want, want)
		}
	}
	if needs, _ := rel.Spec["needs"].([]any); !slices.Contains(needs, any("components")) {
		t.Errorf("catalog-release needs %v, want the components job", needs)
	}
	if s := strings.Join(jobs["components"].Script(), "\n"); !strings.Contains(s, "TestCatalogComponents") || !strings.Contains(s, "TestCatalogRelease") {
		t.Errorf("the components job does not run the component tests: %s", s)
	}
	lint(t, "../.gitlab-ci.yml")

	// the examples include the components at the version of the image they run
	for _, f := range []string{"app/.gitlab-ci.yml", "infra/.gitlab-ci.yml"} {
		doc := readPipeline(t, f)
		image := doc["variables"].(map[string]any)["GLCD_JOB_IMAGE"].(string)
		minor := image[strings.LastIndex(image, ":")+1:]
		incs, _ := doc["include"].([]any)
		if len(incs) == 0 {
			t.Errorf("%s includes no component", f)
		}
		for _, inc := range incs {
			ref, _ := inc.(map[string]any)["component"].(string)
			if !strings.HasPrefix(ref, "gitlab.com/"+glcd.CatalogProject+"/") || !strings.HasSuffix(ref, "@"+minor) {
				t.Errorf("%s: component %s, want gitlab.com/%s/NAME@%s (the image's version)", f, ref, glcd.CatalogProject, minor)
			}
		}
	}
	for name := range components {
		b, err := os.ReadFile(filepath.Join("../templates", name+".yml"))
		if err != nil || !strings.Contains(string(b), "default: registry.gitlab.com/glcd/glcd:0.1\n") {
			t.Errorf("templates/%s.yml: its glcd-image is not registry.gitlab.com/glcd/glcd:0.1, the examples' (%v)", name, err)
		}
	}
}
