package local

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"

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

// On a terminal the shell opens only once the terminal has its size, which an exec sends on a
// stream of its own after the process has started: the flake hunt caught a shell whose first
// command saw 0 rows (busybox's `stty size` failed). Here the terminal gets its size only after
// a first `stty` has run (the variables' file makes stty a function that tells the test through
// a FIFO), and the command typed before anything started must see the size.
func TestShellWaitsForTheTerminalsSize(t *testing.T) {
	for name, sh := range testbed.Shells() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "stty-ran")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			calls, err := os.OpenFile(fifo, os.O_RDWR, 0) // read and write: never blocks, never ends
			if err != nil {
				t.Fatal(err)
			}
			defer calls.Close()
			ran := make(chan struct{}, 100)
			go func() {
				r := bufio.NewReader(calls)
				for {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					ran <- struct{}{}
				}
			}()
			env := filepath.Join(dir, ".glcd-shell-x")
			// stty as it is, output and errors each on their own stream (busybox's fails with 0
			// rows, on stderr alone), then the word to the test
			vars := "cd " + dir + "\nstty() { command stty \"$@\"; glcd_rc=$?; echo ran >> " + fifo + "; return $glcd_rc; }\n"
			if err := os.WriteFile(env, []byte(vars), 0o600); err != nil {
				t.Fatal(err)
			}
			ptmx, tty, err := pty.Open() // no size yet: 0 rows, 0 columns
			if err != nil {
				t.Fatal(err)
			}
			defer ptmx.Close()
			// typed before the shell starts, as a user (or a test) types at once
			if _, err := ptmx.WriteString("echo \"size $(stty size 2>&1)\"; exit 5\n"); err != nil {
				t.Fatal(err)
			}
			argv := append(append(slices.Clone(sh), shellCommand[1:]...), env)
			c := exec.Command(argv[0], argv[1:]...)
			c.Stdin, c.Stdout, c.Stderr = tty, tty, tty
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			tty.Close()
			output := make(chan string, 1)
			go func() {
				b, _ := io.ReadAll(ptmx) // to the shell's end (EIO)
				output <- string(b)
			}()
			select {
			case <-ran: // a stty saw no size: now the terminal gets it
			case out := <-output:
				t.Fatalf("the shell ran and ended without looking at the terminal's size:\n%s", out)
			}
			if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 33, Cols: 111}); err != nil {
				t.Fatal(err)
			}
			err = c.Wait()
			out := <-output
			if !strings.Contains(out, "size 33 111") {
				t.Errorf("the command typed at once did not see the terminal's size:\n%s", out)
			}
			if err == nil || c.ProcessState.ExitCode() != 5 {
				t.Errorf("the shell: %v, want exit 5\n%s", err, out)
			}
		})
	}
}
