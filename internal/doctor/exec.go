package doctor

import (
	"bytes"
	"context"
	"os/exec"
)

// Exec finds and runs programs: the seam tests and other callers replace.
type Exec interface {
	LookPath(name string) (string, error)
	// Run runs path with args in env and returns its stdout, stderr and error.
	Run(ctx context.Context, env []string, path string, args ...string) (stdout, stderr []byte, err error)
}

// OSExec runs real programs.
type OSExec struct{}

// LookPath is exec.LookPath.
func (OSExec) LookPath(name string) (string, error) { return exec.LookPath(name) }

// Run runs the program with exactly env.
func (OSExec) Run(ctx context.Context, env []string, path string, args ...string) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}
