// Package kubectl is kubectl itself (k8s.io/kubectl's command tree, exactly as the kubectl
// binary's main runs it), linked into glcd so that one static binary serves both names: the
// image links /usr/local/bin/kubectl to glcd, and glcd's main dispatches on its program name.
package kubectl

import (
	"os"
	"path/filepath"
	"strings"

	// before kubectl's command packages: their messages need no catalog in English
	_ "gitlab.com/glcd/glcd/internal/kubectl/locale"

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"

	// The client auth plugins upstream kubectl registers (exec, OIDC, ...).
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

// Invoked reports whether a program started as arg0 (argv[0]) is meant to be kubectl:
// its base name is kubectl (kubectl.exe on Windows).
func Invoked(arg0 string) bool {
	return strings.TrimSuffix(filepath.Base(arg0), ".exe") == "kubectl"
}

// Main runs kubectl with os.Args, as k8s.io/kubernetes/cmd/kubectl does: plugins on PATH,
// KUBECONFIG, flags and exit codes are upstream's. It returns only on success (0); kubectl's
// error handler exits the process with upstream's code otherwise.
func Main() int {
	logs.GlogSetter(cmd.GetLogVerbosity(os.Args)) //nolint:errcheck // as upstream's main
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		util.CheckErr(err)
	}
	return 0
}
