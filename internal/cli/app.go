// Package cli wires glcd's commands: flags, environment bindings and output. It holds no
// deploy logic; each command calls into the package that does the work.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/klog/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// BuildInfo describes the binary; the Makefile sets Version and Commit with -ldflags.
type BuildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go"`
	ClientGo  string `json:"clientGo"`
}

// Streams are the process's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run runs glcd with args (args[0] is the program name) in the environment environ and
// returns the process exit code. Everything written to Out and Err passes through a masker
// that knows every secret in environ.
func Run(ctx context.Context, args, environ []string, s Streams, info BuildInfo) int {
	env := ci.Load(ci.Environ(environ))
	masker := ci.NewMasker(env.Secrets()...)
	out, errw := masker.Writer(s.Out), masker.Writer(s.Err)
	defer out.Flush()
	defer errw.Flush()
	// client-go logs through klog (reflector retries, broken streams): nothing of it is shown
	// but with --debug (kubeClient), and then through the masked stream only (klog writes
	// errors to the raw stderr as well unless its threshold says no)
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	for k, v := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL"} {
		_ = klogFlags.Set(k, v)
	}
	klog.SetOutput(io.Discard)

	r := &runtime{env: env, osenv: environ, masker: masker, out: out, err: errw, raw: s, info: info,
		flags: &envFlags{lookup: ci.Environ(environ), bindings: map[cli.Flag][]string{}, from: map[string]string{}}}
	app := newApp(r)
	r.flags.bind(app.Flags, app.Commands)
	app.Reader, app.Writer, app.ErrWriter = s.In, out, errw
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return exitcode.OK
	}
	code := exitcode.Of(err)
	var ee cli.ExitCoder
	if errors.As(err, &ee) && !errors.As(err, new(*exitcode.Error)) {
		code = ee.ExitCode() // urfave's own errors (unknown flag, ...) are usage errors
	}
	if ctx.Err() != nil && code == exitcode.Failed && !errors.As(err, new(*exitcode.Error)) {
		code = exitcode.Cancelled // an unmarked failure after a signal: what the signal stopped (a git killed, ...)
	}
	if code == exitcode.Cancelled && ctx.Err() != nil {
		// the one place a cancellation is said: by which signal, and what was going on
		err = fmt.Errorf("cancelled (%v): %w", context.Cause(ctx), err)
	}
	fmt.Fprintf(errw, "glcd: %v\n", err)
	return code
}

// runtime is what every command gets: the environment, the masker and the masked streams.
type runtime struct {
	env    *ci.Env
	osenv  []string // the environment as given to Run, for the programs glcd runs (git)
	masker *ci.Masker
	out    io.Writer
	err    io.Writer
	// raw are the unmasked streams, for commands that wrap them in a masker of their own
	// (the executor's live job output).
	raw  Streams
	info BuildInfo
	// flags resolves the flags' variables from environ (never the process's environment)
	flags *envFlags
}

func newApp(r *runtime) *cli.App {
	app := &cli.App{
		Name:  "glcd",
		Usage: "continuous delivery from GitLab CI to Kubernetes",
		Description: "glcd reads GitLab's KUBECONFIG, KUBE_* and CI_* variables (and the old deploy scripts' " +
			"PROJECT_NAME, POD_NAME, IMAGE_NAME, TARGET_IMAGE_VERSION) and does the deploy steps of a pipeline.\n" +
			"Every flag can also be set through the environment variable shown beside it.\n" +
			"Exit codes: 0 done, 1 the operation failed, 2 bad input or configuration, 3 timed out, 130 cancelled (SIGINT, SIGTERM).",
		Version:         r.info.Version,
		HideVersion:     true,
		Flags:           globalFlags(),
		Commands:        []*cli.Command{versionCommand(r), rolloutCommand(r), applyCommand(r), triggerCommand(r), writebackCommand(r), autotagCommand(r), executorCommand(r), doctorCommand(r), setupCommand(r), initCommand(r), builderKeyCommand(r), imageCommand(r), localCommand(r)},
		HideHelpCommand: true,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return exitcode.UsageError(err)
		},
		ExitErrHandler: func(*cli.Context, error) {}, // Run reports errors and picks the code
		Before: func(c *cli.Context) error {
			if err := r.flags.resolve(c, c.App.Flags); err != nil {
				return err
			}
			return r.setup(c)
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return exitcode.UsageError(fmt.Errorf("unknown command %q: `glcd --help` lists the commands", c.Args().First()))
			}
			return cli.ShowAppHelp(c)
		},
	}
	var withGlobals func([]*cli.Command)
	withGlobals = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd.Flags = append(cmd.Flags, globalFlags()...)
			cmd.OnUsageError = app.OnUsageError
			cmd.Before = r.before
			withGlobals(cmd.Subcommands)
		}
	}
	withGlobals(app.Commands)
	return app
}

// Output formats.
const (
	outputText = "text"
	outputJSON = "json"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: outputText, Usage: "result format: text or json (json: one object on stdout)", EnvVars: []string{"GLCD_OUTPUT"}},
		&cli.BoolFlag{Name: "debug", Usage: "log what glcd does to stderr (secrets stay masked)", EnvVars: []string{"GLCD_DEBUG"}},
		&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig file (default: $KUBECONFIG, then KUBE_URL/KUBE_TOKEN/KUBE_CA_PEM, then in-cluster)", EnvVars: []string{"GLCD_KUBECONFIG"}},
		&cli.StringFlag{Name: "context", Usage: "kubeconfig context; GitLab agent contexts are path/to/agent-project:agent-name", EnvVars: []string{"GLCD_CONTEXT", "KUBE_CONTEXT"}},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace (default: $KUBE_NAMESPACE, the context's, then default)", EnvVars: []string{"GLCD_NAMESPACE", "KUBE_NAMESPACE"}},
		&cli.BoolFlag{Name: "insecure-skip-tls-verify", Usage: "do not verify the API server's certificate (prints a warning every time)", EnvVars: []string{"GLCD_INSECURE_SKIP_TLS_VERIFY"}},
	}
}

// lookup returns the value of a global flag given either before or after the command name.
func lookup[T any](c *cli.Context, name string, get func(*cli.Context, string) T) T {
	for _, x := range c.Lineage() {
		if x.IsSet(name) {
			return get(x, name)
		}
	}
	return get(c, name)
}

// results writes a command's result where its flags ask: KEY=value lines to --dotenv (for
// artifacts:reports:dotenv; a file that cannot be written is exit 2) and, with --output json,
// res as one JSON object on stdout.
func (r *runtime) results(c *cli.Context, res any, dotenv [][2]string) error {
	if p := c.String("dotenv"); p != "" {
		if err := ci.WriteDotenv(p, dotenv); err != nil {
			return exitcode.UsageError(err)
		}
	}
	if stringFlag(c, "output") == outputJSON {
		if err := json.NewEncoder(r.out).Encode(res); err != nil {
			return fmt.Errorf("write the result: %w", err)
		}
	}
	return nil
}

func stringFlag(c *cli.Context, name string) string {
	return lookup(c, name, (*cli.Context).String)
}

// setup validates the global flags once, before any command runs.
func (r *runtime) setup(c *cli.Context) error {
	switch o := stringFlag(c, "output"); o {
	case outputText, outputJSON:
	default:
		return exitcode.UsageError(fmt.Errorf("--output %q: want text or json", o))
	}
	return nil
}

// before runs before every command: its flags' variables are resolved from Run's environment
// (with --debug, each value's source is logged), then its durations checked.
func (r *runtime) before(c *cli.Context) error {
	if err := r.flags.resolve(c, c.Command.Flags); err != nil {
		return err
	}
	if boolFlag(c, "debug") {
		log := r.logger(c)
		for _, f := range c.Command.Flags {
			if name := f.Names()[0]; r.flags.source(c, name) != "default" {
				log.Debug("flag", "name", "--"+name, "from", r.flags.source(c, name))
			}
		}
	}
	return r.checkDurations(c)
}

// checkDurations refuses a zero or negative value for any duration flag (timeouts, waits,
// intervals, ages): none of them has a meaning for it. Every bad one is named at once.
func (r *runtime) checkDurations(c *cli.Context) error {
	var bad []string
	for _, f := range c.Command.Flags {
		df, ok := f.(*cli.DurationFlag)
		if !ok {
			continue
		}
		if d := c.Duration(df.Name); d <= 0 {
			bad = append(bad, fmt.Sprintf("--%s %s (%s): want a positive duration such as 30s or 10m", df.Name, d, r.flags.envOf(df)))
		}
	}
	if len(bad) > 0 {
		return exitcode.UsageError(fmt.Errorf("%s", strings.Join(bad, "; ")))
	}
	return nil
}

// onCommandLine says a flag's value came from the command line, not from its variables.
func (r *runtime) onCommandLine(c *cli.Context, name string) bool {
	return c.IsSet(name) && r.flags.from[name] == ""
}
