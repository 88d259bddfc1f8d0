package testbed

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Measured is how a command a bench ran ended.
type Measured struct {
	Exit   time.Time // when it exited
	Code   int
	MaxRSS int64 // peak resident memory, KiB
	Out    string
}

// StartMeasured runs a command under GNU time and reports its end on the returned channel.
// GNU time forks the command from its own small process: the peak RSS that wait4 reports for
// a child Go started counts the parent's memory, which the child shared (vfork) until its exec.
func StartMeasured(name string, args ...string) (<-chan Measured, error) {
	f, err := os.CreateTemp("", "maxrss-")
	if err != nil {
		return nil, err
	}
	f.Close()
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", f.Name(), name}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("%w (GNU time measures the peak RSS: make deps installs it)", err)
	}
	ch := make(chan Measured, 1)
	go func() {
		_ = cmd.Wait()
		m := Measured{Exit: time.Now(), Code: cmd.ProcessState.ExitCode(), Out: out.String()}
		if b, err := os.ReadFile(f.Name()); err == nil {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			m.MaxRSS, _ = strconv.ParseInt(lines[len(lines)-1], 10, 64) // a line before it says how the command ended
		}
		os.Remove(f.Name())
		ch <- m
	}()
	return ch, nil
}
