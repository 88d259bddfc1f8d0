// Command glcd takes a GitLab project from CI to continuous delivery on Kubernetes.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"gitlab.com/glcd/glcd/internal/cli"
)

// Set by the Makefile with -ldflags "-X main.version=... -X main.commit=... -X main.clientGo=...".
var (
	version  = "dev"
	commit   = "unknown"
	clientGo = ""
)

func main() {
	if code, ok := kubectlMain(os.Args[0]); ok {
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args, os.Environ(), cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		cli.BuildInfo{Version: version, Commit: commit, GoVersion: runtime.Version(), ClientGo: clientGoVersion()})
	stop()
	os.Exit(code)
}

func clientGoVersion() string {
	if clientGo != "" {
		return clientGo
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "k8s.io/client-go" {
				return d.Version
			}
		}
	}
	return "unknown"
}
