// Command testbed builds, starts and stops the local single-node Kubernetes test bed.
//
//	testbed build           build the Kubernetes binaries into the cache if missing
//	testbed up [NAME]       start a cluster that outlives this command; prints its kubeconfig
//	testbed down [NAME]     stop the named cluster (default: every cluster of the cache)
//	testbed status          list running clusters
//	testbed kubeconfig NAME print the kubeconfig path of a running cluster
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"gitlab.com/glcd/glcd/internal/testbed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: testbed build|up [NAME]|down [NAME]|status|kubeconfig NAME")
	}
	name := "dev"
	if len(args) > 1 {
		name = args[1]
	}
	switch args[0] {
	case "build":
		bin, err := testbed.EnsureBinaries(ctx, os.Stderr)
		if err == nil {
			fmt.Println(bin)
		}
		return err
	case "up":
		if c := testbed.Find(name); c != nil {
			fmt.Fprintf(os.Stderr, "testbed %s is already running\n", name)
			fmt.Println(c.Kubeconfig)
			return nil
		}
		c, err := testbed.Start(ctx, testbed.Options{Name: name, Persistent: true, Log: os.Stderr})
		if err != nil {
			return err
		}
		// the sample apps of the demo and of hand experiments
		if err := c.ImportBusyboxImages(ctx, testbed.AppImages); err != nil {
			return err
		}
		if err := c.ImportBusyboxImages(ctx, testbed.DemoImages); err != nil {
			return err
		}
		// the custom executor's helper (and job) image: git, bash
		if err := c.ImportHelperImage(ctx); err != nil {
			return err
		}
		fmt.Println(c.Kubeconfig)
		return nil
	case "down":
		var cs []*testbed.Cluster
		if len(args) > 1 {
			if c := testbed.Find(name); c != nil {
				cs = append(cs, c)
			}
		} else {
			cs = testbed.List()
		}
		for _, c := range cs {
			if err := c.Stop(ctx); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "testbed %s stopped; nothing left behind\n", c.Name)
		}
		return nil
	case "status":
		for _, c := range testbed.List() {
			fmt.Printf("%s\t%s\t%s\t%s\n", c.Name, c.NodeIP, c.Kubeconfig, c.MemoryReport())
		}
		return nil
	case "kubeconfig":
		c := testbed.Find(name)
		if c == nil {
			return fmt.Errorf("no test bed named %s is running: make testbed-up", name)
		}
		fmt.Println(c.Kubeconfig)
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}
