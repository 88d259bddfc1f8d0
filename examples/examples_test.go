// Package examples holds the example pipelines; its test checks every glcd line in them
// against glcd's own argument parser.
package examples

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/syntax"

	"gitlab.com/glcd/glcd"
	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/cli"
	"gitlab.com/glcd/glcd/internal/doctor"
	"gitlab.com/glcd/glcd/internal/pipeline"
	"gitlab.com/glcd/glcd/internal/scaffold"
)

// readPipeline reads a pipeline file as GitLab's YAML.
func readPipeline(t *testing.T, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// glcdCalls returns, per job, the argument lists of the glcd commands its script lines run.
func glcdCalls(t *testing.T, path string) (map[string][][]string, map[string]string) {
	t.Helper()
	doc := readPipeline(t, path)
	calls, images := map[string][][]string{}, map[string]string{}
	printer := syntax.NewPrinter()
	for name, v := range doc {
		job, ok := v.(map[string]any)
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		if img, ok := job["image"].(string); ok {
			images[name] = img
		}
		for _, key := range []string{"before_script", "script", "after_script"} {
			lines, _ := job[key].([]any)
			for _, l := range lines {
				line, ok := l.(string)
				if !ok {
					t.Fatalf("%s: %s.%s: %v is not a string", path, name, key, l)
				}
				f, err := syntax.NewParser().Parse(strings.NewReader(line), name)
				if err != nil {
					t.Fatalf("%s: %s: %q is not shell: %v", path, name, line, err)
				}
				syntax.Walk(f, func(n syntax.Node) bool {
					call, ok := n.(*syntax.CallExpr)
					if !ok || len(call.Args) == 0 || call.Args[0].Lit() != "glcd" {
						return true
					}
					var args []string
					for _, w := range call.Args {
						var b bytes.Buffer
						if err := printer.Print(&b, w); err != nil {
							t.Fatal(err)
						}
						// quotes are the shell's: glcd sees the words without them
						args = append(args, strings.Trim(b.String(), `'"`))
					}
					calls[name] = append(calls[name], args)
					return true
				})
			}
		}
	}
	return calls, images
}

// resolved reads a pipeline as GitLab does, glcd's components included from templates/, and
// writes its jobs (hidden ones left out), variables and stages as a plain pipeline file.
func resolved(t *testing.T, path string) string {
	t.Helper()
	p, err := pipeline.LoadWith(path, pipeline.LoadOptions{Catalogs: map[string]fs.FS{glcd.CatalogProject: os.DirFS("..")}})
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"variables": p.Variables}
	if raw := readPipeline(t, path); raw["stages"] != nil {
		doc["stages"] = raw["stages"]
	}
	for _, j := range p.Jobs {
		doc[j.Name] = j.Spec
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(filepath.Dir(path))+".gitlab-ci.yml")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// shipped are the pipelines of examples/ and what glcd init writes, each as the file and with
// its components resolved: the component flavours and the plain ones (--plain-jobs).
func shipped(t *testing.T) (app, infra []string) {
	t.Helper()
	dir := t.TempDir()
	for _, plain := range []bool{false, true} {
		sub := map[bool]string{false: "", true: "plain"}[plain]
		if _, err := scaffold.Write(glcd.Scaffolds, scaffold.Options{Kind: scaffold.App, Dir: filepath.Join(dir, "app", sub), PlainJobs: plain}); err != nil {
			t.Fatal(err)
		}
		if _, err := scaffold.Write(glcd.Scaffolds, scaffold.Options{Kind: scaffold.Infra, Dir: filepath.Join(dir, "infra", sub), Project: "app",
			Image: "registry.example.com/group/app/app:1.0.0", PlainJobs: plain}); err != nil {
			t.Fatal(err)
		}
		for _, root := range []string{".", dir} {
			app = append(app, resolved(t, filepath.Join(root, "app", sub, ".gitlab-ci.yml")))
			infra = append(infra, resolved(t, filepath.Join(root, "infra", sub, ".gitlab-ci.yml")))
		}
	}
	return app, infra
}

// Every glcd invocation of the example pipelines and of what glcd init writes, components
// resolved, is a known command with known flags, and each job that runs glcd uses the glcd
// image.
func TestExamplePipelines(t *testing.T) {
	app, infra := shipped(t)
	if len(app) != 4 || len(infra) != 4 {
		t.Fatalf("pipelines %v %v", app, infra)
	}
	for i := range app {
		checkPipelines(t, app[i], infra[i])
	}
}

// The component flavour and the plain one of each pipeline are the same pipeline: the jobs
// both have are equal, and they run the same glcd commands.
func TestPlainJobsAreTheComponentPipelineWrittenOut(t *testing.T) {
	for _, kind := range []string{"app", "infra"} {
		withComponents := readPipeline(t, resolved(t, filepath.Join(kind, ".gitlab-ci.yml")))
		plain := readPipeline(t, resolved(t, filepath.Join(kind, "plain", ".gitlab-ci.yml")))
		for name, job := range withComponents {
			if other, ok := plain[name]; ok && name != "variables" && !reflect.DeepEqual(job, other) {
				t.Errorf("%s: job %s differs between the two flavours:\n%v\n%v", kind, name, job, other)
			}
		}
		if !reflect.DeepEqual(withComponents["variables"], plain["variables"]) || !reflect.DeepEqual(withComponents["stages"], plain["stages"]) {
			t.Errorf("%s: the flavours' variables or stages differ", kind)
		}
		commands := func(doc string) []string {
			calls, _ := glcdCalls(t, doc)
			var out []string
			for _, cs := range calls {
				for _, args := range cs {
					out = append(out, args[1])
				}
			}
			slices.Sort(out)
			return slices.Compact(out)
		}
		a, b := commands(resolved(t, filepath.Join(kind, ".gitlab-ci.yml"))), commands(resolved(t, filepath.Join(kind, "plain", ".gitlab-ci.yml")))
		if !slices.Equal(a, b) {
			t.Errorf("%s: glcd commands %v with components, %v written out", kind, a, b)
		}
	}
}

func checkPipelines(t *testing.T, app, infra string) {
	t.Helper()
	want := map[string][]string{
		app:   {"autotag", "builder-key", "image", "trigger"},
		infra: {"doctor", "rollout", "writeback", "apply"},
	}
	for path, commands := range want {
		calls, images := glcdCalls(t, filepath.FromSlash(path))
		var seen []string
		for job, cs := range calls {
			// glcd image build runs in the image it builds on (builder-base, builder), which
			// carries glcd; every other glcd job uses the glcd image
			onlyImage := !slices.ContainsFunc(cs, func(args []string) bool { return args[1] != "image" })
			if images[job] != "$GLCD_JOB_IMAGE" && !onlyImage {
				t.Errorf("%s: job %s runs glcd on image %q, not $GLCD_JOB_IMAGE", path, job, images[job])
			}
			for _, args := range cs {
				if err := cli.Validate(args); err != nil {
					t.Errorf("%s: job %s: %s: %v", path, job, strings.Join(args, " "), err)
				}
				seen = append(seen, args[1])
			}
		}
		for _, c := range commands {
			if !slices.Contains(seen, c) {
				t.Errorf("%s: no glcd %s (found %v)", path, c, seen)
			}
		}
		lint(t, path)
		for _, p := range flagVariables(t, path) {
			t.Error(p)
		}
	}
}

// lint runs glcd doctor --ci-file on the file: its pipeline check may find nothing wrong. The
// jobs' images are public ones (docker, haskell) whose registries this machine cannot reach:
// their checks are cut short by a one-nanosecond step limit and not asserted here.
func lint(t *testing.T, path string) {
	t.Helper()
	rep := doctor.Run(context.Background(), doctor.Options{Env: ci.Load(ci.Environ(nil)), CIFile: path, FlagVars: cli.FlagEnvVars(), StepTimeout: time.Nanosecond})
	var got []doctor.Result
	for _, r := range rep.Results {
		if r.Check == doctor.CheckPipeline {
			got = append(got, r)
		}
	}
	if len(got) != 1 || got[0].Status != doctor.OK || !strings.HasSuffix(got[0].Evidence, "nothing wrong found") {
		t.Errorf("%s: glcd doctor's pipeline check: %+v", path, got)
	}
}

// flagVariables lists the pipeline's variables named like the environment variable of a glcd
// flag: such a variable silently sets that flag in every job (GLCD_IMAGE, the glcd image's
// name, would become rollout's --image).
func flagVariables(t *testing.T, path string) (problems []string) {
	t.Helper()
	doc := readPipeline(t, path)
	flags := cli.FlagEnvVars()
	check := func(where string, v any) {
		vars, _ := v.(map[string]any)
		for name := range vars {
			if f, ok := flags[name]; ok && strings.HasPrefix(name, "GLCD_") {
				problems = append(problems, fmt.Sprintf("%s: %s sets variable %s, which sets glcd %s", path, where, name, strings.Join(f, ", ")))
			}
		}
	}
	check("the pipeline", doc["variables"])
	for name, v := range doc {
		if job, ok := v.(map[string]any); ok {
			check("job "+name, job["variables"])
		}
	}
	return problems
}

// The check itself catches a misspelt flag and an unknown command.
func TestValidateCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := "j:\n  image: $GLCD_JOB_IMAGE\n  script:\n    - glcd rollout --undo-on-fail\n    - test -n \"$X\" && glcd deploy\n"
	if err := os.WriteFile(filepath.Join(dir, "ci.yml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	calls, _ := glcdCalls(t, filepath.Join(dir, "ci.yml"))
	if len(calls["j"]) != 2 {
		t.Fatalf("calls %q", calls)
	}
	for _, args := range calls["j"] {
		if cli.Validate(args) == nil {
			t.Errorf("%q accepted", args)
		}
	}
	flagVar := "variables:\n  GLCD_IMAGE: registry.gitlab.com/glcd/glcd:0.1\n" + bad
	if err := os.WriteFile(filepath.Join(dir, "ci.yml"), []byte(flagVar), 0o644); err != nil {
		t.Fatal(err)
	}
	if p := flagVariables(t, filepath.Join(dir, "ci.yml")); len(p) != 1 || !strings.Contains(p[0], "rollout --image") || !strings.Contains(p[0], "writeback --image") {
		t.Errorf("GLCD_IMAGE as a pipeline variable: %q", p)
	}
}

// predefined are the values GitLab gives the variables the pipelines' images name, for a
// project registry.example.com/group/jobboard, which the runner settings' allowedImages admit.
var predefined = map[string]string{
	"CI_REGISTRY":       "registry.example.com",
	"CI_REGISTRY_IMAGE": "registry.example.com/group/jobboard",
	"CI_COMMIT_SHA":     "0123456789abcdef0123456789abcdef01234567",
}

// jobImages returns each job's image and services, with the pipeline's and the job's variables
// and predefined expanded as the runner expands them; hidden jobs are left out unless named.
func jobImages(t *testing.T, path string, hidden ...string) map[string][]string {
	t.Helper()
	doc := readPipeline(t, path)
	global, _ := doc["variables"].(map[string]any)
	out := map[string][]string{}
	for name, v := range doc {
		job, ok := v.(map[string]any)
		if !ok || name == "variables" || name == "default" || (strings.HasPrefix(name, ".") && !slices.Contains(hidden, name)) {
			continue
		}
		if _, ok := job["script"]; !ok {
			continue
		}
		vars := map[string]string{}
		for _, m := range []map[string]any{global, func() map[string]any { m, _ := job["variables"].(map[string]any); return m }()} {
			for k, v := range m {
				vars[k] = fmt.Sprint(v)
			}
		}
		expand := func(s string) string {
			for range 5 {
				s = os.Expand(s, func(k string) string {
					if v, ok := predefined[k]; ok {
						return v
					}
					return vars[k]
				})
			}
			return s
		}
		name1 := func(v any) string {
			if m, ok := v.(map[string]any); ok {
				v = m["name"]
			}
			s, _ := v.(string)
			return s
		}
		imgs := []string{expand(name1(job["image"]))}
		svcs, _ := job["services"].([]any)
		for _, svc := range svcs {
			imgs = append(imgs, expand(name1(svc)))
		}
		out[name] = imgs
	}
	return out
}

// admitted lists why the runner settings refuse a job: an image or service outside
// allowedImages, or a docker:dind service (it needs a privileged pod).
func admitted(s *executor.Settings, job string, imgs []string) (problems []string) {
	for i, img := range imgs {
		what := "image"
		if i > 0 {
			what = "service"
		}
		if img == "" && i == 0 {
			img = s.Image
		}
		if !s.AllowsImage(img) {
			problems = append(problems, fmt.Sprintf("job %s: %s %s is not in allowedImages %v", job, what, img, s.AllowedImages))
		}
		if strings.Contains(img, "dind") && !s.Privileged {
			problems = append(problems, fmt.Sprintf("job %s: %s %s needs a privileged pod", job, what, img))
		}
	}
	return problems
}

// Every job of every pipeline glcd ships (examples/) or writes (glcd init) runs on the runner
// settings glcd ships, as an unprivileged pod; the docker:dind opt-in is refused, as it must be.
func TestEveryShippedJobRunsOnTheShippedRunner(t *testing.T) {
	s, err := executor.LoadSettings("runner/executor.yaml", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if s.Privileged || (s.PodSecurity != executor.LevelBaseline && s.PodSecurity != executor.LevelRestricted) {
		t.Fatalf("runner settings: privileged %v, podSecurity %s: want unprivileged pods", s.Privileged, s.PodSecurity)
	}
	app, infra := shipped(t)
	jobs := 0
	for _, path := range append(app, infra...) {
		for job, imgs := range jobImages(t, path) {
			jobs++
			for _, p := range admitted(s, job, imgs) {
				t.Errorf("%s: %s", path, p)
			}
		}
	}
	if jobs != 32 {
		t.Errorf("%d jobs checked, want the 8 jobs of each of the 4 pairs of pipelines (examples and glcd init, with components and plain)", jobs)
	}
	dind := jobImages(t, "app/.gitlab-ci.yml", ".publish-dind")[".publish-dind"]
	if p := admitted(s, ".publish-dind", dind); len(p) != 3 || !strings.Contains(p[2], "docker:29.1.2-dind needs a privileged pod") {
		t.Errorf("the docker:dind opt-in: %q, want its image and service refused, the service as privileged", p)
	}
}
