package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// writePipeline writes src as a .gitlab-ci.yml of its own directory and returns its path.
func writePipeline(t testing.TB, src []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), ".gitlab-ci.yml")
	if err := os.WriteFile(f, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// bomb is n levels of ten copies each of the level below, written with YAML aliases
// (alias=true) or with !reference tags: 10^n values once expanded.
func bomb(n int, alias bool) []byte {
	var b strings.Builder
	b.WriteString(`.l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i <= n; i++ {
		one := fmt.Sprintf("!reference [.l%d]", i-1)
		if alias {
			one = fmt.Sprintf("*l%d", i-1)
		}
		fmt.Fprintf(&b, ".l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(one+",", 10), ","))
	}
	fmt.Fprintf(&b, "job:\n  script: [echo]\n  variables: {LAUGHS: %s}\n", map[bool]string{true: fmt.Sprintf("*l%d", n), false: fmt.Sprintf("!reference [.l%d]", n)}[alias])
	return []byte(b.String())
}

// An alias bomb in .gitlab-ci.yml is refused by the YAML decoder's own aliasing limit, and a
// !reference bomb (which the decoder does not see: references resolve after it) by the
// reader's; a hang or an out-of-memory kill here would end the test run.
func TestPipelineBombsAreRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		alias bool
		want  string
	}{
		{"aliases", true, "excessive aliasing"},
		{"references", false, "references expand to more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writePipeline(t, bomb(9, c.alias)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v, want an error saying %q", err, c.want)
			}
		})
	}
	// the same shapes, small, are read as written
	for _, alias := range []bool{true, false} {
		p, err := Load(writePipeline(t, bomb(2, alias)))
		if err != nil || len(p.Jobs) != 1 {
			t.Fatalf("a 100-value pipeline (aliases %v): %v", alias, err)
		}
	}
}

// A .gitlab-ci.yml over ci.MaxFileSize is a usage error naming the file, read no further.
func TestOversizedPipelineIsRefused(t *testing.T) {
	src := []byte("job:\n  script: [echo]\n#" + strings.Repeat("x", ci.MaxFileSize) + "\n")
	file := writePipeline(t, src)
	_, err := Load(file)
	if err == nil || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Fatalf("Load: %v (exit %d), want a usage error naming %s", err, exitcode.Of(err), file)
	}
}

// FuzzLoad feeds the pipeline reader any .gitlab-ci.yml: it returns a pipeline or an error,
// never panics or hangs, and reads the same file the same way twice.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata/seed", "testdata/good"} {
		if b, err := os.ReadFile(filepath.Join(dir, ".gitlab-ci.yml")); err == nil {
			f.Add(b)
		}
	}
	f.Add(bomb(2, true))
	f.Add(bomb(2, false))
	f.Add([]byte("spec:\n  inputs:\n    env: {default: prod}\n---\ndeploy:\n  extends: .base\n  script: [\"echo $[[ inputs.env ]]\"]\n.base: {image: alpine, before_script: [!reference [.x, y]]}\n.x: {y: [a]}\n"))
	f.Add([]byte("a: {extends: b}\nb: {extends: a}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		file := writePipeline(t, src)
		p, err := Load(file)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "include") {
				t.Fatalf("the file itself went missing: %v", err)
			}
			return
		}
		again, err := Load(file)
		if err != nil || fmt.Sprint(p.Jobs) != fmt.Sprint(again.Jobs) { // Sprint: a NaN equals itself
			t.Fatalf("read twice, the file gave %v, then %v (%v)", p.Jobs, again.Jobs, err)
		}
		for _, j := range p.Jobs {
			if strings.HasPrefix(j.Name, ".") || j.Spec == nil {
				t.Fatalf("job %q: %+v", j.Name, j.Spec)
			}
		}
	})
}
