package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/klog/v2"
	"k8s.io/kubectl/pkg/util/interrupt"
	"k8s.io/kubectl/pkg/util/term"

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
		Description: "Reads the checkout's .gitlab-ci.yml (extends:, !reference, default:, variables:, local includes and\n" +
			"this project's CI/CD components from templates/, with their inputs),\n" +
			"creates the job's pod from glcd executor's settings (--config) on the current kubeconfig's cluster,\n" +
			"copies the working tree into it (tracked files and untracked ones git does not ignore), runs\n" +
			"before_script and script, then after_script, and removes the pod. --shell opens a shell in the\n" +
			"job's container after the script, --shell-only instead of it (a terminal when stdin is one).\n" +
			"Exit code: the script's (0 it passed; the shell's with --shell-only); 2 bad input; 1 when the\n" +
			"pod could not run it.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "glcd executor's settings file (YAML); GLCD_EXECUTOR_* variables override it", EnvVars: []string{"GLCD_EXECUTOR_CONFIG"}},
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "the checkout", EnvVars: []string{"GLCD_LOCAL_DIR"}},
			&cli.StringFlag{Name: "file", Usage: "the pipeline file (default: DIR/.gitlab-ci.yml)", EnvVars: []string{"GLCD_LOCAL_FILE"}},
			&cli.StringSliceFlag{Name: "var", Usage: "KEY=VALUE, what the project's CI/CD settings would give the job (repeatable); keys that look secret are masked", EnvVars: []string{"GLCD_LOCAL_VARS"}},
			&cli.StringSliceFlag{Name: "env-file", Usage: "a .env file of KEY=VALUE lines, more of what the project's CI/CD settings would give (repeatable; --var wins)", EnvVars: []string{"GLCD_LOCAL_ENV_FILES"}},
			&cli.StringFlag{Name: "project-path", Usage: "the project's path on GitLab, group/project, whose components the working tree holds (default: the remote origin's)", EnvVars: []string{"GLCD_LOCAL_PROJECT_PATH"}},
			&cli.StringFlag{Name: "project-id", Usage: "use this project's cache (default: a cache of local runs)", EnvVars: []string{"GLCD_LOCAL_PROJECT_ID"}},
			&cli.BoolFlag{Name: "no-cache", Usage: "no cache volume, even when the settings have one", EnvVars: []string{"GLCD_LOCAL_NO_CACHE"}},
			&cli.BoolFlag{Name: "keep", Usage: "leave the pod for kubectl exec", EnvVars: []string{"GLCD_LOCAL_KEEP"}},
			&cli.BoolFlag{Name: "shell", Usage: "after the script (before after_script), open a shell in the job's container, in its directory with its variables", EnvVars: []string{"GLCD_LOCAL_SHELL"}},
			&cli.BoolFlag{Name: "shell-only", Usage: "open the shell instead of running the scripts; its exit code is glcd's", EnvVars: []string{"GLCD_LOCAL_SHELL_ONLY"}},
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
		Vars: c.StringSlice("var"), EnvFiles: c.StringSlice("env-file"), ProjectID: c.String("project-id"), ProjectPath: c.String("project-path"), BuildsDir: settings.BuildsDir,
		Catalogs: catalogs()})
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
	cluster := local.Cluster{Settings: settings, Client: cs, REST: t.Config, Keep: c.Bool("keep")}
	if c.Bool("shell") || c.Bool("shell-only") {
		cluster.Shell = r.shell(c.Bool("shell-only"))
	}
	code, err := local.Run(c.Context, plan, cluster, out, r.err)
	if err != nil {
		return exitcode.FailedError(fmt.Errorf("local %s: %w", plan.Job, err))
	}
	if code != 0 {
		return &exitcode.Error{Code: code, Err: fmt.Errorf("job %s failed: exit code %d", plan.Job, code)}
	}
	return nil
}

// shell is glcd local's shell on glcd's stdin: a terminal in raw mode, following the local
// one's size, when stdin is one; else what stdin gives, read to its end.
func (r *runtime) shell(instead bool) *local.Shell {
	// a signal restores the terminal and ends the session through the command's context;
	// kubectl's default (no Parent) would exit at once, leaving the pod behind
	t := term.TTY{In: r.raw.In, Out: r.raw.Out, Raw: true, Parent: interrupt.New(func(os.Signal) {})}
	sh := &local.Shell{Instead: instead, In: r.raw.In}
	if t.IsTerminalIn() {
		sh.TTY, sh.Raw = true, func(f func() error) error { return t.Safe(f) }
		if q := t.MonitorSize(t.GetSize()); q != nil {
			sh.Sizes = sizes{q}
		}
	}
	return sh
}

// sizes adapts kubectl's terminal size queue to client-go's.
type sizes struct{ q term.TerminalSizeQueue }

func (s sizes) Next() *remotecommand.TerminalSize {
	n := s.q.Next()
	if n == nil {
		return nil
	}
	return &remotecommand.TerminalSize{Width: n.Width, Height: n.Height}
}
