package apply_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/apply"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

func env(vars ...string) *ci.Env {
	m := map[string]string{}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return ci.Load(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

// Prepare is pure: it takes no client, so bad input is refused before anything can reach a
// cluster, every problem of the command line and variables at once.
func TestPrepareRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nkind: ConfigMap\nmetadata: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   apply.Input
		env  *ci.Env
		want []string
	}{
		{"an object without a name", apply.Input{Paths: []string{bad}}, env(), []string{"bad.yaml:2 lacks apiVersion, kind or metadata.name"}},
		{"a missing file", apply.Input{Paths: []string{filepath.Join(dir, "missing.yaml")}}, env(), []string{"missing.yaml: no such file or directory"}},
		{"an argument", apply.Input{Args: []string{"app.yaml"}}, env(), []string{`apply takes files with -f, not arguments (got "app.yaml")`}},
		{"no file, no project, a bad dry run and namespace", apply.Input{DryRun: "client"}, env("KUBE_NAMESPACE=Bad_NS"),
			[]string{"PROJECT_NAME is not set and no -f FILE was given", "KUBE_NAMESPACE", `--dry-run is "client"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := apply.Prepare(c.in, c.env)
			if err == nil || exitcode.Of(err) != exitcode.Usage {
				t.Fatalf("Prepare = %v, %v; want a usage error", p, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// The default manifest is kubernetes/$PROJECT_NAME.yaml; objects come in dependency order.
func TestPrepareReadsTheDefaultManifestInOrder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("kubernetes", 0o755); err != nil {
		t.Fatal(err)
	}
	stack := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: jobboard}\n"
	if err := os.WriteFile(filepath.Join("kubernetes", "jobboard.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := apply.Prepare(apply.Input{DryRun: "server"}, env("PROJECT_NAME=jobboard"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range p.Manifests {
		kinds = append(kinds, m.Kind())
	}
	if strings.Join(p.Paths, ",") != "kubernetes/jobboard.yaml" || !p.DryRun || strings.Join(kinds, ",") != "Namespace,ConfigMap,Deployment" {
		t.Errorf("plan: paths %v, dry run %v, kinds %v", p.Paths, p.DryRun, kinds)
	}
}
