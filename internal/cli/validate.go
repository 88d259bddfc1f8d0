package cli

import (
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
)

// Validate parses args (args[0] is the program name) exactly as Run does and runs nothing:
// it returns the usage error Run would report for an unknown command, an unknown flag or a
// flag value of the wrong type, and nil otherwise. Settings that are checked when a command
// runs (missing variables, bad references) are not looked at. Pipelines' `glcd` lines are
// checked with it.
func Validate(args []string) error {
	r := &runtime{env: ci.Load(ci.Environ(nil)), masker: ci.NewMasker(), out: io.Discard, err: io.Discard}
	app := newApp(r)
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	app.Before = nil
	var quiet func([]*cli.Command)
	quiet = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.Before = nil
			if c.Action != nil {
				c.Action = func(*cli.Context) error { return nil }
			}
			quiet(c.Subcommands)
		}
	}
	quiet(app.Commands)
	return app.Run(interspersed(app, args))
}

// FlagEnvVars maps every environment variable that sets a flag to the flags it sets, as
// "rollout --image": a pipeline variable of that name silently changes what glcd does.
func FlagEnvVars() map[string][]string {
	r := &runtime{env: ci.Load(ci.Environ(nil)), masker: ci.NewMasker(), out: io.Discard, err: io.Discard}
	out := map[string][]string{}
	var walk func(prefix string, flags []cli.Flag, cmds []*cli.Command)
	walk = func(prefix string, flags []cli.Flag, cmds []*cli.Command) {
		for _, f := range flags {
			if d, ok := f.(cli.DocGenerationFlag); ok {
				for _, e := range d.GetEnvVars() {
					out[e] = append(out[e], strings.TrimSpace(prefix+" --"+f.Names()[0]))
				}
			}
		}
		for _, c := range cmds {
			walk(strings.TrimSpace(prefix+" "+c.Name), c.Flags, c.Subcommands)
		}
	}
	app := newApp(r)
	walk("", nil, app.Commands)
	return out
}
