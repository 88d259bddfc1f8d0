package testbed

import (
	"runtime"
	"testing"
)

// The peak RSS is the command's own, not the memory of the process that started it (a Go
// child's rusage counts its parent's until its exec).
func TestStartMeasuredCountsTheCommandNotItsParent(t *testing.T) {
	big := make([]byte, 300<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	ch, err := StartMeasured("sh", "-c", "echo measured; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	m := <-ch
	runtime.KeepAlive(big)
	if m.Code != 3 || m.Out != "measured\n" {
		t.Errorf("exit %d, output %q", m.Code, m.Out)
	}
	if m.MaxRSS <= 0 || m.MaxRSS > 50<<10 {
		t.Errorf("peak RSS %d KiB: want sh's few MB, not this process's 300 MB", m.MaxRSS)
	}
}
