// Package examples holds the example pipelines; its test checks every glcd line in them
// against glcd's own argument parser.
package examples

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/syntax"

	"gitlab.com/glcd/glcd/internal/cli"
)

// glcdCalls returns, per job, the argument lists of the glcd commands its script lines run.
func glcdCalls(t *testing.T, path string) (map[string][][]string, map[string]string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
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

// Every glcd invocation of the example pipelines is a known command with known flags, and
// each job that runs glcd uses the glcd image.
func TestExamplePipelines(t *testing.T) {
	want := map[string][]string{
		"app/.gitlab-ci.yml":   {"autotag", "builder-key", "trigger"},
		"infra/.gitlab-ci.yml": {"rollout", "writeback", "apply"},
	}
	for path, commands := range want {
		calls, images := glcdCalls(t, filepath.FromSlash(path))
		var seen []string
		for job, cs := range calls {
			if images[job] != "$GLCD_IMAGE" {
				t.Errorf("%s: job %s runs glcd on image %q, not $GLCD_IMAGE", path, job, images[job])
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
	}
}

// The check itself catches a misspelt flag and an unknown command.
func TestValidateCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := "j:\n  image: $GLCD_IMAGE\n  script:\n    - glcd rollout --undo-on-fail\n    - test -n \"$X\" && glcd deploy\n"
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
}
