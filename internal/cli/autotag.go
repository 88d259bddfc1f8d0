package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/autotag"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
)

func autotagCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:      "autotag",
		Usage:     "create the tag v<version> at HEAD if it does not exist yet (never moves one)",
		ArgsUsage: " ",
		Description: "Reads the version the checkout declares: the Makefile's DEPLOY_VERSION (=, :=, ?=), version: of the *.cabal\n" +
			"file, version: of package.yaml, the VERSION file, or --regex-file and --regex (--from picks and orders them).\n" +
			"If tag --prefix<version> does not exist on the remote it creates it at HEAD, annotated, by a push that must not\n" +
			"find it (two racing pipelines create it once), or with --via api through GitLab's tags API (API-created tags\n" +
			"start tag pipelines; pushes made with CI_JOB_TOKEN do not). A tag at this commit is fine; a tag at another commit\n" +
			"is never moved: glcd says where it is and exits 0, or 1 with --strict.\n" +
			"Exit 0 done, 1 failed (or the tag is elsewhere with --strict), 2 bad input, token or remote, 3 timed out.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "version sources to try, in order: makefile,cabal,package.yaml,file,regex (default: that order)", EnvVars: []string{"GLCD_VERSION_FROM"}},
			&cli.StringFlag{Name: "version-var", Value: "DEPLOY_VERSION", Usage: "the Makefile variable that holds the version", EnvVars: []string{"GLCD_VERSION_VAR"}},
			&cli.StringFlag{Name: "regex-file", Usage: "file to find the version in with --regex", EnvVars: []string{"GLCD_VERSION_REGEX_FILE"}},
			&cli.StringFlag{Name: "regex", Usage: "pattern with one capture group around the version (^ and $ match at lines)", EnvVars: []string{"GLCD_VERSION_REGEX"}},
			&cli.StringFlag{Name: "prefix", Value: autotag.DefaultPrefix, Usage: "what goes before the version in the tag name (\"\" for none)", EnvVars: []string{"GLCD_TAG_PREFIX"}},
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit 1) when the tag exists at another commit", EnvVars: []string{"GLCD_STRICT"}},
			&cli.StringFlag{Name: "via", Value: string(autotag.ViaGit), Usage: "git: push the tag; api: create it with GitLab's tags API (needs GLCD_GITLAB_TOKEN with the api scope)", EnvVars: []string{"GLCD_AUTOTAG_VIA"}},
			&cli.StringFlag{Name: "message", Usage: "the tag's message; $VARS expand, also $GLCD_VERSION, $GLCD_TAG (default: the version, its file and the pipeline)", EnvVars: []string{"GLCD_AUTOTAG_MESSAGE"}},
			&cli.StringFlag{Name: "tagger-name", Usage: "tagger (default $GITLAB_USER_NAME, then glcd)", EnvVars: []string{"GLCD_GIT_TAGGER_NAME", "GITLAB_USER_NAME"}},
			&cli.StringFlag{Name: "tagger-email", Usage: "tagger's email (default $GITLAB_USER_EMAIL)", EnvVars: []string{"GLCD_GIT_TAGGER_EMAIL", "GITLAB_USER_EMAIL"}},
			&cli.StringFlag{Name: "project", Usage: "with --via api: project id or path (default $CI_PROJECT_ID)", EnvVars: []string{"GLCD_AUTOTAG_PROJECT"}},
			&cli.StringFlag{Name: "gitlab-url", Usage: "with --via api: GitLab server or API URL (default $CI_API_V4_URL, $CI_SERVER_URL)", EnvVars: []string{"GLCD_GITLAB_URL"}},
			&cli.IntFlag{Name: "retries", Value: gitlab.DefaultRetries, Usage: "with --via api: retries of a GitLab request that may be retried", EnvVars: []string{"GLCD_RETRIES"}},
			&cli.DurationFlag{Name: "retry-wait", Value: gitlab.DefaultMinWait, Usage: "with --via api: first wait before a retry; it doubles", EnvVars: []string{"GLCD_RETRY_WAIT"}},
		}, gitFlags(&cli.StringFlag{Name: "remote",
			Usage:   "the project's repository: URL, or host/group/project (default: $CI_REPOSITORY_URL, the checkout's origin); credentials in it are dropped",
			EnvVars: []string{"GLCD_GIT_REMOTE"}})...),
		Action: r.autotag,
	}
}

func (r *runtime) autotag(c *cli.Context) error {
	if c.NArg() > 0 {
		return exitcode.UsageError(fmt.Errorf("autotag takes no arguments, got %q", c.Args().First()))
	}
	if c.Int("retries") < 0 { // durations are checked for every command (checkDurations)
		return exitcode.UsageError(errors.New("--retries must not be negative"))
	}
	dir := strings.TrimSpace(c.String("checkout"))
	if dir == "" {
		dir = r.env.Value("CI_PROJECT_DIR")
	}
	plan, err := autotag.Prepare(autotag.Input{
		Env: r.env, Dir: dir, From: c.String("from"), MakefileVar: c.String("version-var"),
		RegexFile: c.String("regex-file"), Regex: c.String("regex"), Prefix: c.String("prefix"), NoPrefix: c.String("prefix") == "",
		Message: c.String("message"), Via: c.String("via"), Remote: strings.TrimSpace(c.String("remote")), GitUser: c.String("git-user"),
		Project: c.String("project"), GitLabURL: c.String("gitlab-url"),
		TaggerName: c.String("tagger-name"), TaggerEmail: c.String("tagger-email"), Strict: c.Bool("strict"),
	})
	if err != nil {
		return err
	}
	opts := autotag.Options{Repo: r.gitRepo(c, plan.Auth), Progress: r.err}
	opts.Repo.Dir = plan.Dir
	if plan.Via == autotag.ViaAPI {
		api, err := r.gitlabClient(c, plan.APIURL)
		if err != nil {
			return err
		}
		opts.API = api
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	sec := ci.StartSection(r.err, "glcd_autotag", "glcd autotag: "+plan.Tag, false)
	res, runErr := autotag.Run(ctx, plan, opts)
	sec.End()
	if res == nil {
		return timedOut(ctx, c.Duration("timeout"), runErr)
	}
	if err := r.finish(c, res, res.Dotenv()); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}
