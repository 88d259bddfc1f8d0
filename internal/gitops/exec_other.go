//go:build !unix

package gitops

import "os/exec"

// killGroup leaves the default: kill git alone when the context ends.
func killGroup(*exec.Cmd) {}
