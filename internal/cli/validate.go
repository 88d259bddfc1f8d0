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
	app := parseOnlyApp()
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

// parseOnlyApp is the app with an empty environment and discarded output, for reading its
// commands and flags.
func parseOnlyApp() *cli.App {
	return newApp(&runtime{env: ci.Load(ci.Environ(nil)), masker: ci.NewMasker(), out: io.Discard, err: io.Discard})
}

// FlagEnvVars maps every environment variable that sets a flag to the flags it sets, as
// "rollout --image" (a global flag: "--namespace"): a pipeline variable of that name silently
// changes what glcd does.
func FlagEnvVars() map[string][]string {
	app := parseOnlyApp()
	out := map[string][]string{}
	global := map[string]bool{}
	add := func(prefix string, f cli.Flag) {
		if d, ok := f.(cli.DocGenerationFlag); ok {
			for _, e := range d.GetEnvVars() {
				out[e] = append(out[e], strings.TrimSpace(prefix+" --"+f.Names()[0]))
			}
		}
	}
	for _, f := range app.Flags {
		global[f.Names()[0]] = true
		add("", f)
	}
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			for _, f := range c.Flags {
				if !global[f.Names()[0]] { // every command also takes the global flags
					add(name, f)
				}
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
	return out
}
