// Command glcd-image builds and measures the glcd image with podman on a machine that cannot
// pull (the settings of package images): make image-kubectl uses it when docker is absent,
// make demo and make bench too.
//
//	glcd-image build [-tag REF] [-version V] [-revision R] [-progress]
//	                                                          Dockerfile.kubectl on the local Debian base
//	glcd-image import-testbed NAME REF                        load REF into the running test bed NAME
//	glcd-image measure REF                                    sizes and cold start, as Markdown
//	glcd-image podman ARGS...                                 podman on the same private storage (tag, push, images)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/progress"
	"gitlab.com/glcd/glcd/internal/testbed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "glcd-image: %v\n", err)
		stop()
		os.Exit(1)
	}
}

var errUsage = errors.New("usage: glcd-image build [-tag REF] [-version V] [-revision R] | import-testbed NAME REF | measure REF | podman ARG…")

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	dir, err := images.DefaultDir()
	if err != nil {
		return err
	}
	pm, err := images.New(dir, os.Stderr)
	if err != nil {
		return err
	}
	switch args[0] {
	case "build":
		fs := flag.NewFlagSet("build", flag.ContinueOnError)
		tag := fs.String("tag", "localhost/glcd/glcd:dev", "image reference")
		version := fs.String("version", "dev", "glcd version")
		revision := fs.String("revision", "unknown", "git commit")
		repo := fs.String("repo", ".", "repository root")
		talk := fs.Bool("progress", false, "instead of the whole log, each STEP and a line at least every 30 s (the log's tail on failure)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *talk {
			pr := progress.New(os.Stderr, "image build", 30*time.Second)
			pm.Log = pr
			defer pr.Stop()
		}
		root, err := filepath.Abs(*repo)
		if err != nil {
			return err
		}
		start := time.Now()
		err = pm.BuildKubectlDebian(ctx, images.KubectlBuild{Repo: root, Tag: *tag, Version: *version, Revision: *revision,
			Created: time.Now().UTC().Format(time.RFC3339)})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "built %s in %s\n", *tag, time.Since(start).Round(time.Second))
		fmt.Println(*tag)
		return nil
	case "import-testbed":
		if len(args) != 3 {
			return errUsage
		}
		c := testbed.Find(args[1])
		if c == nil {
			return fmt.Errorf("no test bed named %s is running (make testbed-up)", args[1])
		}
		tmp, err := os.MkdirTemp("", "glcd-image-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		archive := filepath.Join(tmp, "image.tar")
		if err := pm.Save(ctx, args[2], archive); err != nil {
			return err
		}
		return c.ImportImage(ctx, archive)
	case "podman":
		cmd := pm.Command(ctx, args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		return cmd.Run()
	case "measure":
		if len(args) != 2 {
			return errUsage
		}
		return measure(ctx, pm, args[1])
	}
	return errUsage
}

// measure prints the image's sizes beside its parts and the cold start of glcd in it.
func measure(ctx context.Context, pm *images.Podman, ref string) error {
	_, _, size, err := pm.Inspect(ctx, ref)
	if err != nil {
		return err
	}
	compressed, err := pm.CompressedSize(ctx, ref)
	if err != nil {
		return err
	}
	layers, err := pm.History(ctx, ref)
	if err != nil {
		return err
	}
	// The layers of Dockerfile.kubectl: the base (oldest), the package install, the binaries.
	var baseSize, pkgs, bins int64
	for i, l := range layers {
		switch {
		case i == len(layers)-1:
			baseSize = l.Size
		case strings.Contains(l.CreatedBy, "apt-get install") || strings.Contains(l.CreatedBy, "apk add"):
			pkgs = l.Size
		case strings.Contains(l.CreatedBy, "COPY") && strings.Contains(l.CreatedBy, "/usr/local/bin"):
			bins = l.Size
		}
	}
	out, stderr, err := pm.Run(ctx, images.RunOptions{Image: ref, Cmd: []string{"sh", "-c", `dpkg-query -W -f '${Installed-Size}' git`}})
	if err != nil {
		return fmt.Errorf("%w: %s", err, stderr)
	}
	var git int64
	if _, err := fmt.Sscan(string(out), &git); err != nil {
		return fmt.Errorf("git's installed size %q: %w", out, err)
	}
	git *= 1024

	// Cold start: a new container running `glcd version` (runc start included), and the
	// process alone, 20 times in one container.
	var runs []time.Duration
	for range 5 {
		start := time.Now()
		if _, stderr, err := pm.Run(ctx, images.RunOptions{Image: ref, Cmd: []string{"glcd", "version"}}); err != nil {
			return fmt.Errorf("%w: %s", err, stderr)
		}
		runs = append(runs, time.Since(start))
	}
	loop := func(cmd string) (string, error) {
		script := `s=$(date +%s%N); i=0; while [ $i -lt 20 ]; do ` + cmd + ` >/dev/null; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e - s) / 20000 ))`
		out, stderr, err := pm.Run(ctx, images.RunOptions{Image: ref, Cmd: []string{"sh", "-c", script}})
		if err != nil {
			return "", fmt.Errorf("%w: %s", err, stderr)
		}
		return strings.TrimSpace(string(out)), nil
	}
	glcdUS, err := loop("glcd version")
	if err != nil {
		return err
	}
	kubectlUS, err := loop("kubectl version --client")
	if err != nil {
		return err
	}
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	fmt.Printf("| image %s (Debian bookworm base) | figure |\n|---|---|\n", ref)
	fmt.Printf("| uncompressed / compressed (gzip of the image archive) | %s / %s |\n", mb(size), mb(compressed))
	fmt.Printf("| layer: Debian minbase (debootstrap) | %s |\n", mb(baseSize))
	fmt.Printf("| layer: git, openssh-client, ca-certificates with their dependencies (git alone: %s installed) | %s |\n", mb(git), mb(pkgs))
	fmt.Printf("| layer: glcd, which is also kubectl (one static binary, a link) | %s |\n", mb(bins))
	fmt.Printf("| the rest | %s |\n", mb(size-baseSize-pkgs-bins))
	fmt.Printf("| `podman run --rm IMAGE glcd version`, median of 5 (container start included) | %s |\n", median(runs).Round(time.Millisecond))
	fmt.Printf("| `glcd version` in a running container, mean of 20 | %s µs |\n", glcdUS)
	fmt.Printf("| `kubectl version --client` in a running container, mean of 20 | %s µs |\n", kubectlUS)
	return nil
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
