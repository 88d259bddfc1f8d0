package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/dynamic"

	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
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
					"(field manager glcd-setup) as the caller (an admin kubeconfig) and says per object created, changed or unchanged.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Value: "build-robot", Usage: "name of the ServiceAccount, Role and RoleBinding (the token Secret is NAME-token)", EnvVars: []string{"GLCD_ROBOT_NAME"}},
					&cli.StringSliceFlag{Name: "for", Value: cli.NewStringSlice("rollout"), Usage: "commands the robot may run: rollout, apply, writeback, executor (repeatable or comma-separated)", EnvVars: []string{"GLCD_ROBOT_FOR"}},
					&cli.StringFlag{Name: "pull-secret", Usage: "NAMESPACE/NAME of an image pull secret to copy into the namespace and list in the ServiceAccount's imagePullSecrets", EnvVars: []string{"GLCD_PULL_SECRET"}},
					&cli.BoolFlag{Name: "apply", Usage: "apply the objects to the cluster instead of printing them", EnvVars: []string{"GLCD_SETUP_APPLY"}},
				},
				Action: r.setupRobot,
			},
			{
				Name:  "gitlab-vars",
				Usage: "write the values a GitLab job needs to act as the robot (API URL with port, the CA that signed the API server's certificate, the token), proven to work first",
				Description: "Reads the robot's token, the API URL and the CA that actually signed the API server's serving certificate (a real TLS\n" +
					"handshake), then connects with exactly those values as a job would (TLS verified, token accepted, the permission checks of\n" +
					"glcd doctor for the robot's commands) and refuses (exit 1) values that do not work. Writes them to --out with mode 0600,\n" +
					"never to the terminal unless --show-secrets, and says which GitLab setting each goes to; with --to-gitlab PROJECT and\n" +
					"GLCD_GITLAB_TOKEN (api scope, Maintainer) it sets them as the project's CI/CD variables itself.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Value: "build-robot", Usage: "the robot's ServiceAccount", EnvVars: []string{"GLCD_ROBOT_NAME"}},
					&cli.StringFlag{Name: "format", Value: setup.FormatEnv, Usage: "env (KUBE_URL, KUBE_CA_PEM, KUBE_TOKEN, KUBE_NAMESPACE lines) or kubeconfig", EnvVars: []string{"GLCD_VARS_FORMAT"}},
					&cli.StringFlag{Name: "out", Usage: "file to write (mode 0600)", EnvVars: []string{"GLCD_VARS_OUT"}},
					&cli.BoolFlag{Name: "show-secrets", Usage: "also print the values, token included, to stdout", EnvVars: []string{"GLCD_SHOW_SECRETS"}},
					&cli.StringFlag{Name: "server", Usage: "API server URL jobs reach (default: the one of your kubeconfig)", EnvVars: []string{"GLCD_VARS_SERVER"}},
					&cli.StringFlag{Name: "ca-file", Usage: "CA file to use (default: the token Secret's ca.crt, then your kubeconfig's CA; the one that verifies the server is kept)", EnvVars: []string{"GLCD_VARS_CA_FILE"}},
					&cli.StringFlag{Name: "environment", Value: "*", Usage: "GitLab environment scope of the variables (the deploy job's environment:)", EnvVars: []string{"GLCD_VARS_ENVIRONMENT"}},
					&cli.StringFlag{Name: "to-gitlab", Usage: "PROJECT (id or path) whose CI/CD variables are set through GitLab's API (needs GLCD_GITLAB_TOKEN)", EnvVars: []string{"GLCD_VARS_TO_GITLAB"}},
					&cli.StringFlag{Name: "gitlab-url", Usage: "GitLab server or API URL (default: $CI_API_V4_URL, $CI_SERVER_URL)", EnvVars: []string{"GLCD_GITLAB_URL"}},
				},
				Action: r.setupGitLabVars,
			},
		},
	}
}

func (r *runtime) setupRobot(c *cli.Context) error {
	rb, err := setup.PrepareRobot(setup.RobotInput{Args: c.Args().Slice(), Namespace: stringFlag(c, "namespace"), Name: c.String("name"),
		PullSecret: c.String("pull-secret"), For: c.StringSlice("for")})
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
	changed := 0
	for _, ch := range changes {
		if ch.Result != setup.Unchanged {
			changed++
		}
	}
	if stringFlag(c, "output") == outputJSON {
		if jerr := json.NewEncoder(r.out).Encode(map[string]any{"namespace": rb.Namespace, "name": rb.Name, "for": rb.For,
			"objects": changes, "changed": changed, "notes": rb.Notes()}); jerr != nil {
			return jerr
		}
		if err != nil {
			return exitcode.FailedError(err)
		}
		return nil
	}
	for _, ch := range changes {
		fmt.Fprintln(r.out, ch)
	}
	if err != nil {
		return exitcode.FailedError(err)
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

func (r *runtime) setupGitLabVars(c *cli.Context) error {
	plan, err := setup.PrepareVars(setup.VarsInput{Args: c.Args().Slice(), Namespace: stringFlag(c, "namespace"), Name: c.String("name"),
		Format: c.String("format"), Out: c.String("out"), ToGitLab: c.String("to-gitlab"), GitLabURL: c.String("gitlab-url"),
		CAFile: c.String("ca-file"), ShowSecrets: c.Bool("show-secrets")}, r.env)
	if err != nil {
		return err
	}
	o, format, out, toGitLab, apiURL := plan.Values, plan.Format, plan.Out, plan.ToGitLab, plan.APIURL
	t, cs, _, err := r.kubeClient(c)
	if err != nil {
		return err
	}
	o.Server = c.String("server")
	if o.Server == "" {
		o.Server = t.Config.Host
	}
	if !o.OnlyCAs {
		ca := t.Config.CAData
		if len(ca) == 0 && t.Config.CAFile != "" {
			ca, _ = os.ReadFile(t.Config.CAFile)
		}
		o.CAs = []setup.CACandidate{{Source: "the CA of " + t.Source, PEM: ca}}
	}
	v, err := setup.ReadValues(c.Context, cs, o)
	if err != nil {
		return exitcode.FailedError(err)
	}
	r.masker.Add(v.Token)
	content, err := v.Render(format)
	if err != nil {
		return err
	}
	dir := os.TempDir()
	if out != "" {
		dir = filepath.Dir(out)
	}
	evidence, err := v.Verify(c.Context, format, content, dir, r.masker)
	if err != nil {
		return exitcode.FailedError(err)
	}
	fmt.Fprintf(r.out, "CA: %s (from %s), the CA that signed %s's serving certificate\n", v.CASubject, v.CASource, v.Server)
	fmt.Fprintln(r.out, "verified as a job would connect with these values:")
	for _, e := range evidence {
		fmt.Fprintln(r.out, "  ✓ "+e)
	}
	if out != "" {
		if err := setup.WriteFile(out, content); err != nil {
			return exitcode.FailedError(err)
		}
		fmt.Fprintf(r.out, "wrote %s (mode 0600, format %s)\n", out, format)
	}
	settings := v.Settings(format, content)
	scope := c.String("environment")
	setup.WriteGuide(r.out, settings, scope)
	if toGitLab != "" {
		api, err := gitlab.New(gitlab.Options{APIURL: apiURL, Token: r.env.GitLabToken, UserAgent: "glcd/" + r.info.Version})
		if err != nil {
			return err
		}
		for _, s := range settings {
			created, err := api.SetVariable(c.Context, toGitLab, gitlab.Variable{Key: s.Key, Value: s.Value, File: s.File,
				Protected: s.Protected, Masked: s.Masked, EnvironmentScope: scope})
			if err != nil {
				return err
			}
			what := "updated"
			if created {
				what = "created"
			}
			fmt.Fprintf(r.out, "GitLab %s: variable %s %s (scope %s)\n", toGitLab, s.Key, what, scope)
		}
	}
	if c.Bool("show-secrets") {
		if f, ok := r.out.(interface{ Flush() error }); ok {
			f.Flush() // the masked lines above come first
		}
		_, err := r.raw.Out.Write(content) // asked for: unmasked
		return err
	}
	return nil
}
