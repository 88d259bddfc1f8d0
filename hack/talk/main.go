// Command talk runs a long step of make and keeps it talking: the command's output goes on as
// it is, and whenever it has been quiet for -quiet, one line says how long it has run and what
// it is at. With -json the command is `go test -json ...`: talk prints what go test prints
// without -json, and when quiet the packages and tests running. With -summarize the output is
// kept back (go build -v's package names), shown only when the command fails, and the quiet
// lines count it.
//
//	talk [-label LABEL] [-quiet 50s] [-json | -summarize] -- COMMAND ARGS...
//
// Its exit code is the command's.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"gitlab.com/glcd/glcd/internal/progress"
)

func main() {
	label := flag.String("label", "", "what the step is (default: the command)")
	quiet := flag.Duration("quiet", 50*time.Second, "how long the step may stay silent before talk says where it is (checked every tenth of it)")
	jsonTests := flag.Bool("json", false, "the command is go test -json: report packages and tests")
	summarize := flag.Bool("summarize", false, "keep the command's output back; the quiet lines count its lines")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *quiet <= 0 {
		fmt.Fprintln(os.Stderr, "usage: talk [-label LABEL] [-quiet 50s] [-json | -summarize] -- COMMAND ARGS...")
		os.Exit(2)
	}
	if *label == "" {
		*label = args[0]
	}
	os.Exit(run(*label, *quiet, *jsonTests, *summarize, args))
}

func run(label string, quiet time.Duration, jsonTests, summarize bool, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "talk: %v\n", err)
		return 1
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "talk: %v\n", err)
		return 127
	}
	pw.Close()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()

	var check func(time.Time)
	var read func(io.Reader) error
	var stop func()
	var tests *progress.Tests
	var kept bytes.Buffer // -summarize: shown when the command fails (compile errors)
	if jsonTests {
		tests = progress.NewTests(os.Stdout, label)
		check = func(now time.Time) { tests.Check(now, quiet) }
		read, stop = tests.Read, func() {}
	} else {
		p := progress.New(os.Stdout, label, quiet)
		p.Echo = !summarize
		p.Milestone = func(string) bool { return false }
		read = func(r io.Reader) error {
			w := io.Writer(p)
			if summarize {
				w = io.MultiWriter(p, &kept)
			}
			_, err := io.Copy(w, r)
			return err
		}
		stop = p.Stop
	}
	done := make(chan struct{})
	if check != nil {
		go func() {
			t := time.NewTicker(quiet / 10)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case now := <-t.C:
					check(now)
				}
			}
		}()
	}
	readErr := read(pr)
	close(done)
	stop()
	err = cmd.Wait()
	if readErr != nil {
		fmt.Fprintf(os.Stderr, "talk: reading the output: %v\n", readErr)
	}
	if err != nil && summarize {
		os.Stdout.Write(kept.Bytes())
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "talk: %v\n", err)
		return 1
	case tests != nil && len(tests.Failed()) > 0:
		return 1
	}
	return 0
}
