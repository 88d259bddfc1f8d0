package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/doctor"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/kube"
)

func doctorCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "say why a CD job cannot reach, trust or act on the cluster and the repos, and what to change",
		Description: "Runs glcd's own cluster resolution and checks, each with one line of evidence (✓ ok, ✗ failed, ! warning) and,\n" +
			"for each failure, the fix: the environment, the kubeconfig and context, DNS and TCP to the API server, TLS with the\n" +
			"given CA, who the cluster thinks you are, the permissions each glcd command needs (SelfSubjectAccessReviews),\n" +
			"the namespace, workload and container, kubectl on PATH, the git remote and GitLab tokens, the images' ENTRYPOINTs\n" +
			"and the pipeline file. Exit 0 all passed (warnings allowed), 1 a check failed, 2 bad input.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "for", Value: cli.NewStringSlice("rollout", "writeback", "trigger"),
				Usage: "commands whose needs are checked: rollout, apply, writeback, trigger, executor, or all (repeatable or comma-separated)", EnvVars: []string{"GLCD_DOCTOR_FOR"}},
			&cli.StringFlag{Name: "workload", Usage: "KIND/NAME of the workload to check (default deployment/$PROJECT_NAME)", EnvVars: []string{"GLCD_WORKLOAD"}},
			&cli.StringFlag{Name: "container", Usage: "container the workload must have (default $POD_NAME)", EnvVars: []string{"GLCD_CONTAINER", "POD_NAME"}},
			&cli.StringSliceFlag{Name: "image", Usage: "image whose configuration (ENTRYPOINT) is read from its registry; repeatable (default: the images of --ci-file's jobs)", EnvVars: []string{"GLCD_DOCTOR_IMAGES"}},
			&cli.StringFlag{Name: "ci-file", Usage: "pipeline file to lint (default $CI_PROJECT_DIR/.gitlab-ci.yml when it exists)", EnvVars: []string{"GLCD_CI_FILE"}},
			&cli.StringFlag{Name: "remote", Usage: "infra repository writeback pushes to (default $PROJECT_INFRA_REPO_LOCATION, then $CI_REPOSITORY_URL)", EnvVars: []string{"GLCD_GIT_REMOTE"}},
			&cli.StringFlag{Name: "project", Usage: "downstream project glcd trigger starts (default: from $INFRA_PIPELINE_TRIGGER_URL)", EnvVars: []string{"GLCD_TRIGGER_PROJECT"}},
			&cli.StringFlag{Name: "gitlab-url", Usage: "GitLab server or API URL (default: the trigger URL's, $CI_API_V4_URL, $CI_SERVER_URL)", EnvVars: []string{"GLCD_GITLAB_URL"}},
			&cli.DurationFlag{Name: "step-timeout", Value: 3 * time.Second, Usage: "time limit of each network step", EnvVars: []string{"GLCD_DOCTOR_STEP_TIMEOUT"}},
		},
		Action: r.doctor,
	}
}

func (r *runtime) doctor(c *cli.Context) error {
	if c.NArg() > 0 {
		return exitcode.UsageError(fmt.Errorf("doctor takes no arguments, got %q", c.Args().First()))
	}
	forCmds, err := doctor.ParseFor(c.StringSlice("for"))
	if err != nil {
		return exitcode.UsageError(fmt.Errorf("--for: %w", err))
	}
	if len(forCmds) == 0 {
		return exitcode.UsageError(fmt.Errorf("--for: name at least one command, or all"))
	}
	ciFile := c.String("ci-file")
	if ciFile == "" {
		if dir := r.env.Value("CI_PROJECT_DIR"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, ".gitlab-ci.yml")); err == nil {
				ciFile = filepath.Join(dir, ".gitlab-ci.yml")
			}
		}
	} else if _, err := os.Stat(ciFile); err != nil {
		return exitcode.UsageError(fmt.Errorf("--ci-file: %w", err))
	}
	rep := doctor.Run(c.Context, doctor.Options{
		Env: r.env,
		Kube: kube.Options{
			Kubeconfig:            stringFlag(c, "kubeconfig"),
			Context:               r.unlessFrom(stringFlag(c, "context"), "KUBE_CONTEXT"),
			Namespace:             r.unlessFrom(stringFlag(c, "namespace"), "KUBE_NAMESPACE"),
			InsecureSkipTLSVerify: boolFlag(c, "insecure-skip-tls-verify"),
			UserAgent:             "glcd/" + r.info.Version,
			ProjectNamespace:      r.env.Deploy.Project, // as rollout and apply resolve it
		},
		For: forCmds, Workload: c.String("workload"), Container: r.unlessFrom(c.String("container"), "POD_NAME"),
		GitRemote: c.String("remote"), TriggerProject: c.String("project"), GitLabURL: c.String("gitlab-url"), Images: c.StringSlice("image"), CIFile: ciFile, Catalogs: catalogs(), FlagVars: FlagEnvVars(), Masker: r.masker,
		StepTimeout: c.Duration("step-timeout"), Environ: r.osenv,
	})
	if stringFlag(c, "output") == outputJSON {
		if err := rep.WriteJSON(r.out); err != nil {
			return err
		}
	} else {
		rep.WriteText(r.out)
	}
	if rep.Failed() {
		return exitcode.FailedError(fmt.Errorf("doctor: %d check(s) failed", rep.Fails()))
	}
	return nil
}

// unlessFrom returns a flag's value, or "" when it only came from the compatibility variable
// env: the doctor then finds it there itself and names that variable as the source.
func (r *runtime) unlessFrom(v, env string) string {
	if v != "" && v == r.env.Value(env) {
		return ""
	}
	return v
}
