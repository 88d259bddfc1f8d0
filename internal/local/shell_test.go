package local

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// The --shell's variables go through a file: it is kept only when it arrived whole (an exec's
// stdin can arrive short on a busy node: the flake hunt caught a shell that opened in / with no
// variables), and the shell opens only when it read the file, under dash and busybox's sh.
func TestShellGetsTheJobsVariablesWholeOrNotAtAll(t *testing.T) {
	for name, sh := range testbed.Shells() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := &Plan{ProjectDir: filepath.Join(dir, "project"), Vars: []executor.Variable{
				{Key: "GREETING", Value: "hello"}, {Key: "MULTI", Value: "line one\nline 'two'"}}}
			if err := os.Mkdir(p.ProjectDir, 0o755); err != nil {
				t.Fatal(err)
			}
			whole := append(p.EnvScript(), envEnd+"\n"...)
			run := func(cmd []string, stdin []byte, args ...string) (int, string) {
				argv := append(append(slices.Clone(sh), cmd[1:]...), args...)
				c := exec.Command(argv[0], argv[1:]...)
				c.Stdin = bytes.NewReader(stdin)
				out, err := c.CombinedOutput()
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					return ee.ExitCode(), string(out)
				}
				if err != nil {
					t.Fatal(err)
				}
				return 0, string(out)
			}
			env := filepath.Join(dir, ".glcd-shell-x")
			for cut, in := range map[string][]byte{"empty": nil, "cut in the last line": whole[:len(whole)-5],
				"cut before the last line": whole[:len(whole)-len(envEnd)-1]} {
				if code, out := run(writeEnvCommand, in, env, envEnd); code != 3 {
					t.Errorf("%s: exit %d, want 3 (arrived short)\n%s", cut, code, out)
				}
				if _, err := os.Stat(env); !os.IsNotExist(err) {
					t.Errorf("%s: the short file is kept (%v)", cut, err)
				}
			}
			if code, out := run(writeEnvCommand, whole, env, envEnd); code != 0 {
				t.Fatalf("whole: exit %d\n%s", code, out)
			}
			if fi, err := os.Stat(env); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("the whole file: %v %v, want mode 0600", fi, err)
			}
			code, out := run(shellCommand, []byte(`echo "in $(pwd) $GREETING [$MULTI]"; exit 4`), env)
			if want := "in " + p.ProjectDir + " hello [line one\nline 'two']\n"; code != 4 || out != want {
				t.Errorf("the shell: exit %d, output %q; want 4, %q", code, out, want)
			}
			if _, err := os.Stat(env); !os.IsNotExist(err) {
				t.Errorf("the variables' file outlives the shell's start (%v)", err)
			}
			// a file the shell cannot read whole (here: its directory is gone): no shell
			if code, out := run(writeEnvCommand, whole, env, envEnd); code != 0 {
				t.Fatalf("whole again: exit %d\n%s", code, out)
			}
			if err := os.Remove(p.ProjectDir); err != nil {
				t.Fatal(err)
			}
			code, out = run(shellCommand, []byte("echo the shell opened\n"), env)
			if code == 0 || strings.Contains(out, "the shell opened") {
				t.Errorf("a shell opened without the job's directory: exit %d\n%s", code, out)
			}
		})
	}
}
