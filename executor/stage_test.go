package executor

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
			run := func(stdin []byte) (int, string, string) { return runStage(t, sh, dir, len(script), 0, stdin) }
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

// runStage runs stage.sh on the host under sh for the stage folder dir, a script of length
// bytes and the output from byte off, with stdin (the script, or part of it) and env added to
// the environment; it returns the exit code, the output and the control lines.
func runStage(t *testing.T, sh []string, dir string, length, off int, stdin []byte, env ...string) (int, string, string) {
	t.Helper()
	argv := append(slices.Clone(sh), "-c", stageScript(), "glcd-stage", dir, strconv.Itoa(length), strconv.Itoa(off), BuildContainer, "0")
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = append(os.Environ(), env...)
	var out, ctrl bytes.Buffer
	c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(stdin), &out, &ctrl
	err := c.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return c.ProcessState.ExitCode(), out.String(), ctrl.String()
}

// A stage removes the folders of the stages before it once it has ended (its script's file
// too), and keeps its own folder and the helper's bin folder.
func TestStageRemovesTheStagesBefore(t *testing.T) {
	for name, sh := range testbed.Shells() {
		t.Run(name, func(t *testing.T) {
			run := t.TempDir()
			if err := os.MkdirAll(filepath.Join(run, "bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			first, second := filepath.Join(run, "get_sources-aaaaaa"), filepath.Join(run, "build_script-bbbbbb")
			if code, out, ctrl := runStage(t, sh, first, 9, 0, []byte("echo one\n")); code != 0 || out != "one\n" {
				t.Fatalf("first stage: exit %d, output %q, control %q", code, out, ctrl)
			}
			if code, out, ctrl := runStage(t, sh, second, 9, 0, []byte("echo two\n")); code != 0 || out != "two\n" {
				t.Fatalf("second stage: exit %d, output %q, control %q", code, out, ctrl)
			}
			// the removal runs in the stage's background process after the stage ended: wait
			// for it (the script's file goes in the same rm), at most 10 s
			want := []string{filepath.Join(run, "bin"), second}
			var left, files []string
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				left, _ = filepath.Glob(filepath.Join(run, "*"))
				files, _ = filepath.Glob(filepath.Join(second, "script.*"))
				if slices.Equal(left, want) && len(files) == 0 {
					return
				}
			}
			t.Fatalf("after the second stage: %v left in the run folder, %v in its own; want %v and no script", left, files, want)
		})
	}
}

// A sleep without fractions of a second (some images' busybox) fails at once: the follower
// then sleeps whole seconds instead of looking again in a busy loop, and the stage's output
// and exit code come whole.
func TestStageFollowsWithAWholeSecondsSleep(t *testing.T) {
	realSleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	stub := "#!/bin/sh\necho \"$1\" >> " + calls + "\ncase $1 in *.*) exit 1 ;; esac\nexec " + realSleep + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "sleep"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	// dash finds sleep on PATH; busybox's sh may run its own applet first, so dash alone
	script := []byte("echo first\n" + realSleep + " 1.5\necho second\nexit 3\n")
	code, out, ctrl := runStage(t, []string{"/bin/sh"}, filepath.Join(t.TempDir(), "build_script-cccccc"), len(script), 0, script, "PATH="+bin+":"+os.Getenv("PATH"))
	if code != 0 || out != "first\nsecond\n" || !strings.Contains(ctrl, "glcd-exit 3 ") {
		t.Fatalf("exit %d, output %q, control %q; want the output whole and glcd-exit 3", code, out, ctrl)
	}
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(b))
	if len(got) < 2 || !strings.Contains(got[0], ".") || slices.ContainsFunc(got[1:], func(s string) bool { return s != "1" }) {
		t.Fatalf("the follower's sleeps: %q; want one with a fraction, then whole seconds only", got)
	}
}

// A reconnect prints the stage's output from the byte it asks for, exactly: the start of a
// 64 KiB block, its middle, its last byte, the last byte of the output, the end.
func TestStageResumesFromAnyByte(t *testing.T) {
	out := make([]byte, 300000)
	for i := range out {
		out[i] = byte('a' + i*7%26 + i/65536%2*(i%3))
	}
	for name, sh := range testbed.Shells() {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "build_script-dddddd")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			for f, b := range map[string][]byte{"out": out, "code": []byte("7 0\n"), "lock": nil} {
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for _, off := range []int{0, 1, 65535, 65536, 65537, 131077, len(out) - 1, len(out)} {
				code, stdout, ctrl := runStage(t, sh, dir, 5, off, []byte("true\n"))
				if code != 0 || stdout != string(out[off:]) || !strings.Contains(ctrl, "glcd-exit 7 0") {
					t.Fatalf("from byte %d: exit %d, %d bytes, equal to the output from there: %v; control %q", off, code, len(stdout), stdout == string(out[off:]), ctrl)
				}
			}
		})
	}
}

// The stage command sends stage.sh without comment lines and indentation: about half the
// bytes, in every exec's URL. That is safe only while it has no here-document (whose lines'
// leading blanks would be data), and what is sent still parses under both shells.
func TestStageScriptSentCompact(t *testing.T) {
	if strings.Contains(stageSource, "<<") {
		t.Fatal("stage.sh has a here-document: stageScript would strip its lines' leading blanks")
	}
	sent := stageScript()
	if len(sent) > len(stageSource)*6/10 || strings.Contains(sent, "\n#") || strings.Contains(sent, "\n ") {
		t.Fatalf("the stage command sends %d of stage.sh's %d bytes, with comments or indentation left", len(sent), len(stageSource))
	}
	for name, sh := range testbed.Shells() {
		argv := append(slices.Clone(sh), "-n", "-c", sent)
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v: %s", name, err, out)
		}
	}
}
