package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
	"gitlab.com/glcd/glcd/internal/trigger"
)

func triggerCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:      "trigger",
		Usage:     "start the downstream (infra) pipeline with the deploy variables; --wait follows it to its end",
		ArgsUsage: " ",
		Description: "Starts a pipeline of --project at --ref with GitLab's pipeline trigger API (the old INFRA_PIPELINE_TRIGGER_URL\n" +
			"may stand for both), passing TARGET_IMAGE_VERSION, PROJECT_NAME, POD_NAME, IMAGE_NAME and\n" +
			"PROJECT_INFRA_REPO_LOCATION when set, then --pass-env, then --var. Without TARGET_IMAGE_VERSION it passes the\n" +
			"version declared in the checkout (Makefile DEPLOY_VERSION, *.cabal, package.yaml, VERSION). Prints the\n" +
			"pipeline's id and URL at once; --wait follows it and mirrors its result. The trigger is never sent twice:\n" +
			"it is retried only when it certainly did not reach GitLab. Reading the pipeline needs GLCD_GITLAB_TOKEN\n" +
			"(read_api) or a CI_JOB_TOKEN GitLab lets read it.\n" +
			"Exit 0 done (or success), 1 failed, canceled, skipped or manual, 2 bad input, 3 timed out.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "project", Usage: "downstream project: numeric id or path such as group/app-infra (default: from $INFRA_PIPELINE_TRIGGER_URL)", EnvVars: []string{"GLCD_TRIGGER_PROJECT"}},
			&cli.StringFlag{Name: "ref", Usage: "branch or tag of the downstream project to run (default: from $INFRA_PIPELINE_TRIGGER_URL)", EnvVars: []string{"GLCD_TRIGGER_REF"}},
			&cli.GenericFlag{Name: "var", Value: &lines{}, Usage: "KEY=value to pass; repeatable; wins over the defaults (in the environment: one per line)", EnvVars: []string{"GLCD_TRIGGER_VARS"}},
			&cli.StringSliceFlag{Name: "pass-env", Usage: "name of a variable of this job to pass as it is; repeatable", EnvVars: []string{"GLCD_TRIGGER_PASS_ENV"}},
			&cli.BoolFlag{Name: "wait", Usage: "follow the pipeline until it ends and exit with its result", EnvVars: []string{"GLCD_WAIT"}},
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Minute, Usage: "give up after this long, trigger included (exit 3)", EnvVars: []string{"GLCD_TIMEOUT"}},
			&cli.BoolFlag{Name: "allow-manual", Usage: "accept a pipeline that stops at a manual job (exit 0 instead of 1)", EnvVars: []string{"GLCD_ALLOW_MANUAL"}},
			&cli.StringFlag{Name: "token", Usage: "pipeline trigger token of the downstream project (default: $INFRA_PIPELINE_TOKEN, then $CI_JOB_TOKEN for a multi-project pipeline); prefer the variable: a flag is visible to every process (ps)", EnvVars: []string{"GLCD_TRIGGER_TOKEN", "INFRA_PIPELINE_TOKEN"}},
			&cli.StringFlag{Name: "gitlab-url", Usage: "GitLab server or API URL (default: from $INFRA_PIPELINE_TRIGGER_URL, then $CI_API_V4_URL, $CI_SERVER_URL)", EnvVars: []string{"GLCD_GITLAB_URL"}},
			&cli.DurationFlag{Name: "poll-interval", Value: trigger.DefaultPollInterval, Usage: "time between two reads of the followed pipeline", EnvVars: []string{"GLCD_POLL_INTERVAL"}},
			&cli.StringFlag{Name: "dotenv", Usage: "write GLCD_PIPELINE_ID, GLCD_PIPELINE_URL, GLCD_PIPELINE_STATUS to this file (artifacts:reports:dotenv)", EnvVars: []string{"GLCD_DOTENV"}},
			&cli.StringFlag{Name: "version-dir", Usage: "where to find the version when TARGET_IMAGE_VERSION is not set (default: $CI_PROJECT_DIR, then .)", EnvVars: []string{"GLCD_VERSION_DIR"}},
			&cli.StringFlag{Name: "version-var", Value: "DEPLOY_VERSION", Usage: "the Makefile variable that holds the version", EnvVars: []string{"GLCD_VERSION_VAR"}},
			&cli.IntFlag{Name: "retries", Value: gitlab.DefaultRetries, Usage: "retries of a GitLab request that may be retried (429, 502-504, connection errors)", EnvVars: []string{"GLCD_RETRIES"}},
			&cli.DurationFlag{Name: "retry-wait", Value: gitlab.DefaultMinWait, Usage: "first wait before a retry; it doubles with each retry (a Retry-After header wins)", EnvVars: []string{"GLCD_RETRY_WAIT"}},
		},
		Action: r.trigger,
	}
}

func (r *runtime) trigger(c *cli.Context) error {
	if c.NArg() > 0 {
		return exitcode.UsageError(fmt.Errorf("trigger takes no arguments, got %q: pass variables with --var KEY=value", c.Args().First()))
	}
	var bad []string // durations are checked for every command (checkDurations)
	if c.Int("retries") < 0 {
		bad = append(bad, "--retries must not be negative")
	}
	if len(bad) > 0 {
		return exitcode.UsageError(errors.New(strings.Join(bad, "; ")))
	}
	token := ci.NewSecret(strings.TrimSpace(c.String("token")))
	r.masker.Add(token)
	if r.onCommandLine(c, "token") {
		fmt.Fprintln(r.err, "warning: --token puts the trigger token on the command line, where every process of the runner's host can read it (ps); set INFRA_PIPELINE_TOKEN as a masked CI/CD variable instead")
	}
	plan, err := trigger.Prepare(trigger.Input{
		Env: r.env, Project: c.String("project"), Ref: c.String("ref"), Token: token, GitLabURL: c.String("gitlab-url"),
		Vars: *c.Generic("var").(*lines), PassEnv: c.StringSlice("pass-env"), Wait: c.Bool("wait"),
		Dir: c.String("version-dir"), VersionVar: c.String("version-var"),
	})
	if err != nil {
		return err
	}
	r.masker.Add(plan.Token)
	api, err := r.gitlabClient(c, plan.APIURL)
	if err != nil {
		return err
	}
	res, runErr := trigger.Run(c.Context, api, plan, trigger.Options{
		Wait: c.Bool("wait"), AllowManual: c.Bool("allow-manual"), Timeout: c.Duration("timeout"),
		PollInterval: c.Duration("poll-interval"), Progress: r.err,
	})
	if res == nil {
		return runErr
	}
	return errors.Join(runErr, r.results(c, res, res.Dotenv()))
}

// lines is a repeatable flag value that keeps commas, which StringSliceFlag splits on: each
// use adds one entry; a value from the environment adds one entry per line.
type lines []string

func (l *lines) Set(v string) error {
	for _, s := range strings.Split(v, "\n") {
		if strings.TrimSpace(s) != "" {
			*l = append(*l, strings.TrimSuffix(s, "\r"))
		}
	}
	return nil
}

func (l *lines) String() string { return strings.Join(*l, "\n") }

// gitlabClient is the GitLab API client of trigger and autotag: GLCD_GITLAB_TOKEN, else the
// job token; --retries (0: none) and --retry-wait; each retry said on stderr.
func (r *runtime) gitlabClient(c *cli.Context, apiURL string) (*gitlab.Client, error) {
	retries := c.Int("retries")
	if retries == 0 {
		retries = -1 // gitlab.Options: negative means none
	}
	return gitlab.New(gitlab.Options{
		APIURL: apiURL, Token: r.env.GitLabToken, JobToken: r.env.GitLab.JobToken,
		Retries: retries, MinWait: c.Duration("retry-wait"), UserAgent: "glcd/" + r.info.Version,
		OnRetry: func(rt gitlab.Retry) { fmt.Fprintf(r.err, "retrying: %s\n", rt) },
	})
}
