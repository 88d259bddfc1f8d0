package cli

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"k8s.io/klog/v2"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/local"
)

func localCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:      "local",
		Usage:     "run a job of .gitlab-ci.yml before you push it, in the pod glcd executor gives it in CI",
		ArgsUsage: "JOB",
		Description: "Reads the checkout's .gitlab-ci.yml (extends:, !reference, default:, variables:, local includes),\n" +
			"creates the job's pod from glcd executor's settings (--config) on the current kubeconfig's cluster,\n" +
			"copies the working tree into it (tracked files and untracked ones git does not ignore), runs\n" +
			"before_script and script, then after_script, and removes the pod. Exit code: the script's\n" +
			"(0 it passed); 2 bad input; 1 when the pod could not run it.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "glcd executor's settings file (YAML); GLCD_EXECUTOR_* variables override it", EnvVars: []string{"GLCD_EXECUTOR_CONFIG"}},
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "the checkout", EnvVars: []string{"GLCD_LOCAL_DIR"}},
			&cli.StringFlag{Name: "file", Usage: "the pipeline file (default: DIR/.gitlab-ci.yml)", EnvVars: []string{"GLCD_LOCAL_FILE"}},
			&cli.StringSliceFlag{Name: "var", Usage: "KEY=VALUE, what the project's CI/CD settings would give the job (repeatable); keys that look secret are masked", EnvVars: []string{"GLCD_LOCAL_VARS"}},
			&cli.StringFlag{Name: "project-id", Usage: "use this project's cache (default: a cache of local runs)", EnvVars: []string{"GLCD_LOCAL_PROJECT_ID"}},
			&cli.BoolFlag{Name: "no-cache", Usage: "no cache volume, even when the settings have one", EnvVars: []string{"GLCD_LOCAL_NO_CACHE"}},
			&cli.BoolFlag{Name: "keep", Usage: "leave the pod for kubectl exec", EnvVars: []string{"GLCD_LOCAL_KEEP"}},
		},
		Action: r.local,
	}
}

func (r *runtime) local(c *cli.Context) error {
	if c.NArg() != 1 {
		return exitcode.UsageError(fmt.Errorf("glcd local takes the job's name: glcd local JOB"))
	}
	settings, err := executor.LoadSettings(c.String("config"), ci.Environ(r.osenv))
	if err != nil {
		return exitcode.UsageError(err)
	}
	plan, err := local.Prepare(local.Options{Dir: c.String("dir"), File: c.String("file"), Job: c.Args().First(),
		Vars: c.StringSlice("var"), ProjectID: c.String("project-id"), BuildsDir: settings.BuildsDir})
	if err != nil {
		return exitcode.UsageError(err)
	}
	for _, v := range plan.Vars {
		if v.Masked {
			r.masker.Add(ci.NewSecret(v.Value))
		}
	}
	if c.Bool("no-cache") {
		settings.Cache = executor.Cache{}
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(r.err, "glcd local: note: %s\n", n)
	}
	t, cs, _, err := r.kubeClient(c)
	if err != nil {
		return err
	}
	klog.SetOutput(io.Discard)
	out := r.masker.StreamWriter(r.raw.Out)
	defer out.Flush()
	code, err := local.Run(c.Context, plan, local.Cluster{Settings: settings, Client: cs, REST: t.Config, Keep: c.Bool("keep")}, out, r.err)
	if err != nil {
		return exitcode.FailedError(fmt.Errorf("local %s: %w", plan.Job, err))
	}
	if code != 0 {
		return &exitcode.Error{Code: code, Err: fmt.Errorf("job %s failed: exit code %d", plan.Job, code)}
	}
	return nil
}
