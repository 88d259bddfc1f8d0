package cli

import (
	"io"

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
	for _, c := range app.Commands {
		c.Before = nil
		c.Action = func(*cli.Context) error { return nil }
	}
	return app.Run(interspersed(app, args))
}
