package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
)

// The settings file is YAML that a runner's admin writes, but it may come from anywhere: an
// alias bomb ("a billion laughs", 10^9 strings once expanded) is refused by the decoder's
// aliasing limit, and a file over MaxSettingsSize is not read at all.
func TestSettingsInputIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	b.WriteString("allowedImages: *l9\n")
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.yaml")
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(bomb, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, []byte("namespace: ci\n#"+strings.Repeat("x", MaxSettingsSize)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{bomb: "excessive aliasing", big: "larger than"} {
		if _, err := LoadSettings(file, ci.Map(nil)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", filepath.Base(file), err, want)
		}
	}
}

// A JOB_RESPONSE_FILE over MaxJobResponseSize is not read: the job fails naming the file.
func TestOversizedJobResponseIsRefused(t *testing.T) {
	f := filepath.Join(t.TempDir(), "response.json")
	if err := os.WriteFile(f, []byte(`{"id": 1, "token": "`+strings.Repeat("x", MaxJobResponseSize)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadJob(ci.Map(map[string]string{EnvJobResponseFile: f}))
	if err == nil || !strings.Contains(err.Error(), EnvJobResponseFile) || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Fatalf("LoadJob: %v", err)
	}
}
