package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"k8s.io/klog/v2"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

func executorCommand(r *runtime) *cli.Command {
	settings := &cli.StringFlag{Name: "config", Usage: "the driver's settings file (YAML); GLCD_EXECUTOR_* variables override it", EnvVars: []string{"GLCD_EXECUTOR_CONFIG"}}
	stage := func(name, usage, args string, action cli.ActionFunc, flags ...cli.Flag) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, ArgsUsage: args, Flags: append([]cli.Flag{settings}, flags...), Action: action}
	}
	return &cli.Command{
		Name:  "executor",
		Usage: "GitLab Runner custom executor driver: run each CI job as a Kubernetes pod",
		Description: "Register a runner with executor = \"custom\" and point config_exec, prepare_exec, run_exec and\n" +
			"cleanup_exec at `glcd executor config|prepare|run|cleanup --config FILE` (examples/runner/).\n" +
			"Exit codes are the runner's: $BUILD_FAILURE_EXIT_CODE for the job's failures (its script, its image),\n" +
			"$SYSTEM_FAILURE_EXIT_CODE for the cluster's (retried by the runner for prepare); a script's own exit\n" +
			"code goes to $BUILD_EXIT_CODE_FILE.",
		Subcommands: []*cli.Command{
			stage("config", "print the runner's configuration for the job (JSON)", "", r.executorStage("config")),
			stage("prepare", "create the job's pod and wait until it runs; fail fast with the reason", "", r.executorStage("prepare")),
			stage("run", "run one stage's script in the job's pod", "SCRIPT STAGE", r.executorStage("run")),
			stage("cleanup", "delete the job's pod and secret (idempotent)", "", r.executorStage("cleanup")),
			stage("gc", "delete job pods a crashed runner left behind (by label, idle longer than --older-than)", "",
				r.executorStage("gc"),
				&cli.DurationFlag{Name: "older-than", Value: time.Hour, Usage: "delete job pods the runner has not called for this long", EnvVars: []string{"GLCD_EXECUTOR_GC_OLDER_THAN"}}),
		},
	}
}

// executorStage wires one stage: settings and job from the runner's environment, the
// cluster from the runner's KUBECONFIG (or in-cluster), the runner's exit codes.
func (r *runtime) executorStage(stage string) cli.ActionFunc {
	return func(c *cli.Context) error {
		lookup := ci.Environ(r.osenv)
		codes, err := runnerCodes(lookup)
		if err != nil {
			return err
		}
		err = r.executorRun(c, stage, lookup)
		if err == nil {
			return nil
		}
		f := executor.AsFailure(err)
		if !f.System {
			// the runner reads the file's first line for every build failure, and never clears
			// it: a stage that failed without an exit code of its own (canceled, refused) says 1
			code := f.ExitCode
			if code == 0 {
				code = 1
			}
			if p, ok := lookup(executor.EnvBuildExitCodeFile); ok && p != "" {
				if werr := os.WriteFile(p, []byte(strconv.Itoa(code)+"\n"), 0o600); werr != nil {
					return &exitcode.Error{Code: codes.system, Err: fmt.Errorf("%s: %w", executor.EnvBuildExitCodeFile, werr)}
				}
			}
		}
		if f.System {
			return &exitcode.Error{Code: codes.system, Err: fmt.Errorf("executor %s (system failure): %w", stage, f.Err)}
		}
		return &exitcode.Error{Code: codes.build, Err: fmt.Errorf("executor %s: %w", stage, f.Err)}
	}
}

type runnerExitCodes struct{ build, system int }

// runnerCodes reads BUILD_FAILURE_EXIT_CODE and SYSTEM_FAILURE_EXIT_CODE; outside a runner
// (by hand) they default to 1 and 2.
func runnerCodes(lookup ci.Lookup) (runnerExitCodes, error) {
	codes := runnerExitCodes{build: 1, system: 2}
	var problems []string
	for _, v := range []struct {
		name string
		dst  *int
	}{{executor.EnvBuildFailureExitCode, &codes.build}, {executor.EnvSystemFailureExitCode, &codes.system}} {
		s, ok := lookup(v.name)
		if !ok || s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > 255 {
			problems = append(problems, fmt.Sprintf("%s=%q: want an exit code 1-255", v.name, s))
			continue
		}
		*v.dst = n
	}
	if len(problems) > 0 {
		return codes, exitcode.UsageError(fmt.Errorf("%s", strings.Join(problems, "; ")))
	}
	return codes, nil
}

func (r *runtime) executorRun(c *cli.Context, stage string, lookup ci.Lookup) error {
	settings, err := executor.LoadSettings(c.String("config"), lookup)
	if err != nil {
		return executor.SystemFailure(err)
	}
	// cleanup's stdout goes to the runner's debug log, its stderr is a warning there
	d := &executor.Driver{Settings: settings, Log: r.err, Debug: r.out}
	if stage != "gc" { // gc works for the runner, not for a job
		if d.Job, err = executor.LoadJob(lookup); err != nil {
			return executor.AsFailure(err)
		}
		for _, s := range d.Job.Secrets() {
			r.masker.Add(ci.NewSecret(s))
		}
	}
	d.Pod, _ = lookup(executor.JobEnvPod)
	d.Namespace, _ = lookup(executor.JobEnvNamespace)
	d.Nonce, _ = lookup(executor.JobEnvNonce)
	if stage == "config" {
		return json.NewEncoder(r.out).Encode(d.Config(r.info.Version))
	}
	t, cs, requests, err := r.kubeClient(c)
	if err != nil {
		return executor.SystemFailure(err)
	}
	defer func() { r.logger(c).Debug("executor "+stage+" done", "apiRequests", requests.Load()) }()
	// client-go's own log lines (retries, broken streams) never reach the job log or the
	// runner's, not even with --debug: the driver says in its own words what happened
	klog.SetOutput(io.Discard)
	d.Client, d.REST = cs, t.Config
	switch stage {
	case "prepare":
		return d.Prepare(c.Context)
	case "run":
		if c.NArg() != 2 {
			return executor.SystemFailure(fmt.Errorf("run takes SCRIPT STAGE, got %d arguments", c.NArg()))
		}
		out := r.masker.StreamWriter(r.raw.Out)
		defer out.Flush()
		d.Out = out
		return d.Run(c.Context, c.Args().Get(0), c.Args().Get(1))
	case "cleanup":
		return d.Cleanup(c.Context)
	case "gc":
		_, err := d.GC(c.Context, c.Duration("older-than"))
		return err
	}
	return fmt.Errorf("unknown executor stage %q", stage)
}
