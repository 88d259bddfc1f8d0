package executor

import (
	"archive/tar"
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed"
)

// A stage's script that reaches the container short (an exec's stdin can lose data on a busy
// node: kubernetes/kubernetes#112834) starts nothing and says so with its own exit code, so
// the driver sends it again; sent whole, the same folder then runs it once. Under dash and
// busybox's sh, as job images have one or the other.
func TestStageScriptStartsOnlyAWholeScript(t *testing.T) {
	script := []byte("echo stage ran\necho \"second line\"\nexit 0\n")
	for name, sh := range testbed.Shells() {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "build_script-abc123")
			run := func(stdin []byte) (int, string, string) {
				argv := append(slices.Clone(sh), "-c", stageScript, "glcd-stage", dir, strconv.Itoa(len(script)), "0", BuildContainer, "0")
				c := exec.Command(argv[0], argv[1:]...)
				var out, ctrl bytes.Buffer
				c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(stdin), &out, &ctrl
				err := c.Run()
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatal(err)
				}
				return c.ProcessState.ExitCode(), out.String(), ctrl.String()
			}
			for _, in := range [][]byte{nil, script[:len(script)-4]} {
				code, out, ctrl := run(in)
				if code != stageShort || out != "" || !strings.Contains(ctrl, "glcd-short "+strconv.Itoa(len(in))+" of "+strconv.Itoa(len(script))) {
					t.Fatalf("%d of %d bytes: exit %d, output %q, control %q; want %d, nothing run", len(in), len(script), code, out, ctrl, stageShort)
				}
				left, _ := filepath.Glob(filepath.Join(dir, "*"))
				if len(left) != 1 || filepath.Base(left[0]) != "follower" {
					t.Fatalf("%d of %d bytes left %v: want the follower's mark alone (no lock, output or script)", len(in), len(script), left)
				}
			}
			code, out, ctrl := run(script)
			if code != 0 || out != "stage ran\nsecond line\n" || !strings.Contains(ctrl, "glcd-exit 0 ") {
				t.Fatalf("whole: exit %d, output %q, control %q", code, out, ctrl)
			}
		})
	}
}

// The working tree glcd local copies in is unpacked only with its last entry, the end mark,
// which CopyIn removes: a stream cut at an entry's boundary, which tar takes for a whole
// archive, is exit code 3 (sent again), not a tree with files missing.
func TestCopyInNeedsTheEndMark(t *testing.T) {
	for name, sh := range testbed.Shells() {
		t.Run(name, func(t *testing.T) {
			var whole bytes.Buffer
			tw := tar.NewWriter(&whole)
			var cut int
			for _, f := range []string{"a.txt", ".glcd-copy-end-x"} {
				cut = whole.Len()
				if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: 2, Typeflag: tar.TypeReg}); err != nil {
					t.Fatal(err)
				}
				if _, err := tw.Write([]byte("a\n")); err != nil {
					t.Fatal(err)
				}
				if err := tw.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			if err := tw.Close(); err != nil {
				t.Fatal(err)
			}
			for stream, in := range map[string][]byte{"cut before the end mark": whole.Bytes()[:cut], "whole": whole.Bytes()} {
				dir := filepath.Join(t.TempDir(), "work")
				argv := append(slices.Clone(sh), copyInCommand[1:]...)
				c := exec.Command(argv[0], append(argv[1:], dir, ".glcd-copy-end-x")...)
				c.Stdin = bytes.NewReader(in)
				out, _ := c.CombinedOutput()
				got, _ := filepath.Glob(filepath.Join(dir, "*"))
				marks, _ := filepath.Glob(filepath.Join(dir, ".glcd-copy-end-*"))
				switch code := c.ProcessState.ExitCode(); {
				case stream == "whole" && (code != 0 || len(got) != 1 || len(marks) != 0):
					t.Errorf("%s: exit %d, files %v, marks left %v\n%s", stream, code, got, marks, out)
				case stream != "whole" && code != 3:
					t.Errorf("%s: exit %d, want 3\n%s", stream, code, out)
				}
			}
		})
	}
}
