package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/writeback"
)

// gitFlags are the flags of the commands that run git against a remote: remote is the
// command's --remote flag.
func gitFlags(remote cli.Flag) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "checkout", Usage: "the git checkout to work in (default: $CI_PROJECT_DIR, then .)", EnvVars: []string{"GLCD_CHECKOUT", "CI_PROJECT_DIR"}},
		remote,
		&cli.StringFlag{Name: "git-user", Usage: "user name sent with the token (default: oauth2 for GLCD_GIT_TOKEN and CI_PERSONAL_ACCESS_TOKEN, gitlab-ci-token for CI_JOB_TOKEN)",
			EnvVars: []string{"GLCD_GIT_USER"}},
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Minute, Usage: "give up after this long (exit 3)", EnvVars: []string{"GLCD_TIMEOUT"}},
		&cli.StringFlag{Name: "dotenv", Usage: "write the result as KEY=value lines to this file (artifacts:reports:dotenv)", EnvVars: []string{"GLCD_DOTENV"}},
	}
}

func writebackCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:      "writeback",
		Usage:     "record a deploy in the infra repo: set the image in the manifests, commit, move the <project>-<environment> tag, push (race-safe)",
		ArgsUsage: " ",
		Description: "In a checkout of the infra repo (GitLab CI's shallow, detached one will do), sets --image (default\n" +
			"$IMAGE_NAME:$TARGET_IMAGE_VERSION) in kubernetes/$PROJECT_NAME.yaml (or --file, --dir), changing only the bytes of\n" +
			"the tag, commits that on top of the remote branch (default $CI_DEFAULT_BRANCH, then the remote's default), moves\n" +
			"the annotated tag $PROJECT_NAME-$CI_ENVIRONMENT_NAME to the commit, and pushes both in one atomic push with leases.\n" +
			"When another pipeline pushed first it starts again from the new tip, after a jittered backoff, up to --tries\n" +
			"times: no deploy is lost and history stays linear. Nothing to change: no commit, the tag still moves to the tip.\n" +
			"A failure changes nothing, here or on the remote. The token (GLCD_GIT_TOKEN, the old CI_PERSONAL_ACCESS_TOKEN,\n" +
			"or CI_JOB_TOKEN where job-token pushes are allowed) reaches git only through its environment.\n" +
			"Exit 0 done, 1 failed (push refused, or rejected --tries times), 2 bad input, token or remote, 3 timed out.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "image", Usage: "image to record, REPOSITORY:TAG or REPOSITORY@DIGEST (default $IMAGE_NAME:$TARGET_IMAGE_VERSION)", EnvVars: []string{"GLCD_IMAGE"}},
			&cli.StringSliceFlag{Name: "file", Usage: "manifest to edit, relative to the checkout; repeatable (default kubernetes/$PROJECT_NAME.yaml)", EnvVars: []string{"GLCD_WRITEBACK_FILES"}},
			&cli.StringSliceFlag{Name: "dir", Usage: "directory whose *.yaml and *.yml files to edit; repeatable", EnvVars: []string{"GLCD_WRITEBACK_DIRS"}},
			&cli.StringFlag{Name: "tag", Usage: "tag to move to the commit (default $PROJECT_NAME-$CI_ENVIRONMENT_NAME)", EnvVars: []string{"GLCD_WRITEBACK_TAG"}},
			&cli.StringFlag{Name: "branch", Usage: "branch to push to (default $CI_DEFAULT_BRANCH, then the remote's default branch)", EnvVars: []string{"GLCD_WRITEBACK_BRANCH"}},
			&cli.StringFlag{Name: "message", Usage: "commit message; $VARS expand, also $GLCD_IMAGE, $GLCD_TAG, $GLCD_BRANCH (default: Deploy $PROJECT_NAME to $CI_ENVIRONMENT_NAME: IMAGE, and the pipeline)",
				EnvVars: []string{"GLCD_WRITEBACK_MESSAGE"}},
			&cli.StringFlag{Name: "tag-message", Usage: "message of the annotated tag, expanded like --message (default: IMAGE deployed to $CI_ENVIRONMENT_NAME, and the pipeline)",
				EnvVars: []string{"GLCD_WRITEBACK_TAG_MESSAGE"}},
			&cli.StringFlag{Name: "author-name", Usage: "commit author (default $GITLAB_USER_NAME, then glcd)", EnvVars: []string{"GLCD_GIT_AUTHOR_NAME", "GITLAB_USER_NAME"}},
			&cli.StringFlag{Name: "author-email", Usage: "author's email (default $GITLAB_USER_EMAIL, then glcd@noreply.<git host>)", EnvVars: []string{"GLCD_GIT_AUTHOR_EMAIL", "GITLAB_USER_EMAIL"}},
			&cli.StringFlag{Name: "committer-name", Usage: "committer and tagger (default: the author)", EnvVars: []string{"GLCD_GIT_COMMITTER_NAME"}},
			&cli.StringFlag{Name: "committer-email", Usage: "committer's and tagger's email (default: the author's)", EnvVars: []string{"GLCD_GIT_COMMITTER_EMAIL"}},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the diff of the checkout's HEAD and the commit message; push nothing (needs no token)", EnvVars: []string{"GLCD_DRY_RUN"}},
			&cli.IntFlag{Name: "tries", Value: writeback.DefaultTries, Usage: "attempts of a push that loses races to other pipelines", EnvVars: []string{"GLCD_WRITEBACK_TRIES"}},
			&cli.DurationFlag{Name: "retry-wait", Value: writeback.DefaultRetryWait, Usage: "smallest backoff window before another try (it follows how long a try takes and doubles)", EnvVars: []string{"GLCD_RETRY_WAIT"}},
		}, gitFlags(&cli.StringFlag{Name: "remote",
			Usage:   "the infra repo: URL, or host/group/project (default: $PROJECT_INFRA_REPO_LOCATION, $CI_REPOSITORY_URL, the checkout's origin); credentials in it are dropped",
			EnvVars: []string{"GLCD_GIT_REMOTE", "PROJECT_INFRA_REPO_LOCATION"}})...),
		Action: r.writeback,
	}
}

func (r *runtime) writeback(c *cli.Context) error {
	if c.NArg() > 0 {
		return exitcode.UsageError(fmt.Errorf("writeback takes no arguments, got %q: give manifests with --file or --dir", c.Args().First()))
	}
	var bad []string
	if c.Int("tries") < 1 {
		bad = append(bad, "--tries must be at least 1")
	}
	if len(bad) > 0 {
		return exitcode.UsageError(errors.New(strings.Join(bad, "; ")))
	}
	plan, err := writeback.Prepare(writeback.Input{
		Env: r.env, Image: c.String("image"), Files: c.StringSlice("file"), Dirs: c.StringSlice("dir"), Tag: c.String("tag"),
		Branch: c.String("branch"), Remote: r.infraRemoteFlag(c), GitUser: c.String("git-user"),
		Message: c.String("message"), TagMessage: c.String("tag-message"),
		AuthorName: c.String("author-name"), AuthorEmail: c.String("author-email"),
		CommitterName: c.String("committer-name"), CommitterEmail: c.String("committer-email"), DryRun: c.Bool("dry-run"),
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	sec := ci.StartSection(r.err, "glcd_writeback", "glcd writeback: "+plan.Image+", tag "+plan.Tag, false)
	res, err := writeback.Run(ctx, plan, writeback.Options{
		Repo: r.gitRepo(c, plan.Auth), Tries: c.Int("tries"), RetryWait: c.Duration("retry-wait"), Progress: r.err,
	})
	sec.End()
	if err != nil {
		return timedOut(ctx, c.Duration("timeout"), err)
	}
	if plan.DryRun && stringFlag(c, "output") != outputJSON {
		if _, err := io.WriteString(r.out, res.Diff); err != nil {
			return err
		}
	}
	return r.finish(c, res, res.Dotenv())
}

// finish writes the dotenv file and the JSON result.
func (r *runtime) finish(c *cli.Context, res any, dotenv [][2]string) error {
	return r.results(c, res, dotenv)
}

// infraRemoteFlag is --remote unless its value came from PROJECT_INFRA_REPO_LOCATION, which
// the remote resolution reads itself and names in its messages.
func (r *runtime) infraRemoteFlag(c *cli.Context) string {
	v := strings.TrimSpace(c.String("remote"))
	if v == r.env.Deploy.InfraRepo {
		return ""
	}
	return v
}

// gitRepo is the checkout (--checkout, else CI_PROJECT_DIR, else .) and how git runs there.
func (r *runtime) gitRepo(c *cli.Context, auth gitops.Auth) *gitops.Repo {
	dir := strings.TrimSpace(c.String("checkout"))
	if dir == "" {
		dir = r.env.Value("CI_PROJECT_DIR")
	}
	if dir == "" {
		dir = "."
	}
	repo := &gitops.Repo{Dir: dir, Env: r.osenv, Auth: auth, Masker: r.masker}
	if boolFlag(c, "debug") {
		repo.Log = r.err
	}
	return repo
}

// timedOut turns an error caused by the --timeout deadline into a timeout (exit 3) that says so.
func timedOut(ctx context.Context, d time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return exitcode.TimeoutError(fmt.Errorf("timed out after %s (--timeout): %w", d, err))
	}
	return err
}
