package cli

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/dynamic"

	"gitlab.com/glcd/glcd/internal/doctor"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/setup"
)

func setupCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:  "setup",
		Usage: "create a least-privilege deploy robot and the values GitLab needs to act as it",
		Subcommands: []*cli.Command{
			{
				Name:  "robot",
				Usage: "print (or --apply) a Namespace, ServiceAccount, token Secret, Role and RoleBinding granting exactly what the chosen glcd commands need",
				Description: "The Role holds exactly the permissions `glcd doctor --for ...` checks for the chosen commands, nothing cluster-wide.\n" +
					"Without --apply it prints the objects as YAML (for kubectl apply -f -); with --apply it server-side applies them\n" +
					"(field manager glcd) as the caller (an admin kubeconfig) and says per object created, changed or unchanged.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Value: "build-robot", Usage: "name of the ServiceAccount, Role and RoleBinding (the token Secret is NAME-token)", EnvVars: []string{"GLCD_ROBOT_NAME"}},
					&cli.StringSliceFlag{Name: "for", Value: cli.NewStringSlice("rollout"), Usage: "commands the robot may run: rollout, apply, writeback, executor (repeatable or comma-separated)", EnvVars: []string{"GLCD_ROBOT_FOR"}},
					&cli.StringFlag{Name: "pull-secret", Usage: "NAMESPACE/NAME of an image pull secret to copy into the namespace and list in the ServiceAccount's imagePullSecrets", EnvVars: []string{"GLCD_PULL_SECRET"}},
					&cli.BoolFlag{Name: "apply", Usage: "apply the objects to the cluster instead of printing them", EnvVars: []string{"GLCD_SETUP_APPLY"}},
				},
				Action: r.setupRobot,
			},
		},
	}
}

// robotFlags reads the robot's flags; all problems at once.
func robotFlags(c *cli.Context) (setup.Robot, error) {
	rb := setup.Robot{Namespace: stringFlag(c, "namespace"), Name: c.String("name"), PullSecret: c.String("pull-secret")}
	var errs []error
	if c.NArg() > 0 {
		errs = append(errs, fmt.Errorf("takes no arguments, got %q", c.Args().First()))
	}
	cmds, err := doctor.ParseFor(c.StringSlice("for"))
	if err != nil {
		errs = append(errs, fmt.Errorf("--for: %w", err))
	}
	rb.For = cmds
	if err := rb.Check(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return rb, exitcode.UsageError(err)
	}
	return rb, nil
}

func (r *runtime) setupRobot(c *cli.Context) error {
	rb, err := robotFlags(c)
	if err != nil {
		return err
	}
	if !c.Bool("apply") {
		return rb.WriteYAML(r.out)
	}
	t, cs, _, err := r.kubeClient(c)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(t.Config)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	changes, err := rb.Apply(c.Context, dyn, cs)
	for _, ch := range changes {
		fmt.Fprintln(r.out, ch)
	}
	if err != nil {
		return exitcode.FailedError(err)
	}
	changed := 0
	for _, ch := range changes {
		if ch.Result != setup.Unchanged {
			changed++
		}
	}
	if changed == 0 {
		fmt.Fprintf(r.out, "nothing changed: robot %s in %s was already as asked\n", rb.Name, rb.Namespace)
	} else {
		fmt.Fprintf(r.out, "robot %s in %s: %d of %d objects created or changed (via %s)\n", rb.Name, rb.Namespace, changed, len(changes), t.Source)
	}
	for _, n := range rb.Notes() {
		fmt.Fprintln(r.out, "note: "+n)
	}
	return nil
}
