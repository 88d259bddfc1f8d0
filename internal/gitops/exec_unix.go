//go:build unix

package gitops

import (
	"os/exec"
	"syscall"
)

// killGroup runs git in its own process group and, when the context ends, kills the whole
// group: git's helpers (git-remote-https, ssh) hold its pipes and would otherwise outlive it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
