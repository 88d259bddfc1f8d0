package cli

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// envFlags resolves flags from the environment given to Run, never the process's: urfave/cli
// reads a flag's EnvVars with os.LookupEnv, so bind moves them off the flags (help still shows
// them) and resolve sets each flag the command line left unset from them.
type envFlags struct {
	lookup   ci.Lookup
	bindings map[cli.Flag][]string
	// from names the variable each flag set from the environment came from.
	from map[string]string
}

// bind takes the EnvVars of every flag of the app, its commands and subcommands.
func (e *envFlags) bind(flags []cli.Flag, cmds []*cli.Command) {
	for _, f := range flags {
		v := reflect.ValueOf(f).Elem() // every urfave flag is a *struct with EnvVars and Usage
		ev, usage := v.FieldByName("EnvVars"), v.FieldByName("Usage")
		if !ev.IsValid() || ev.Len() == 0 || !usage.IsValid() {
			continue
		}
		vars := ev.Interface().([]string)
		e.bindings[f] = vars
		ev.Set(reflect.Zero(ev.Type()))
		usage.SetString(usage.String() + " [$" + strings.Join(vars, ", $") + "]")
	}
	for _, c := range cmds {
		e.bind(c.Flags, c.Subcommands)
	}
}

// resolve sets every flag of flags that the command line did not set from the first of its
// variables that the environment sets (and not empty). Every bad value is named at once.
func (e *envFlags) resolve(c *cli.Context, flags []cli.Flag) error {
	var bad []string
	for _, f := range flags {
		name := f.Names()[0]
		if c.IsSet(name) || e.onCommandLineAbove(c, name) {
			continue // the command line wins, where it gave the flag: `glcd --namespace x rollout` too
		}
		for _, n := range e.bindings[f] {
			v, ok := e.lookup(n)
			if !ok || v == "" {
				continue
			}
			if err := c.Set(name, v); err != nil {
				bad = append(bad, fmt.Sprintf("%s=%q (sets --%s): %v", n, v, name, err))
			}
			e.from[name] = n
			break
		}
	}
	if len(bad) > 0 {
		return exitcode.UsageError(fmt.Errorf("%s", strings.Join(bad, "; ")))
	}
	return nil
}

// onCommandLineAbove says a global flag was given on the command line before the command
// (glcd --namespace x rollout): the app's context set it, not from a variable.
func (e *envFlags) onCommandLineAbove(c *cli.Context, name string) bool {
	lineage := c.Lineage()
	for _, x := range lineage[1:] {
		if x.IsSet(name) && e.from[name] == "" {
			return true
		}
	}
	return false
}

// source says where a flag's value came from: "--NAME", "$VAR" or "default".
func (e *envFlags) source(c *cli.Context, name string) string {
	switch {
	case e.from[name] != "":
		return "$" + e.from[name]
	case c.IsSet(name) || e.onCommandLineAbove(c, name):
		return "--" + name
	}
	return "default"
}

// envOf is the first variable bound to flag f, for messages.
func (e *envFlags) envOf(f cli.Flag) string {
	if vars := e.bindings[f]; len(vars) > 0 {
		return vars[0]
	}
	return "no variable"
}
