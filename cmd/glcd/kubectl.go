//go:build !nokubectl

package main

import (
	"gitlab.com/glcd/glcd/internal/kubectl"
)

// kubectlMain runs upstream kubectl when glcd was started as kubectl (the image's
// /usr/local/bin/kubectl links to glcd): one binary, two programs. It reports false otherwise.
func kubectlMain(arg0 string) (int, bool) {
	if !kubectl.Invoked(arg0) {
		return 0, false
	}
	return kubectl.Main(), true
}
