package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/imagebuild"
	"gitlab.com/glcd/glcd/internal/registry"
)

func imageCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "build and push an image from a CI job's own container, unprivileged",
		Subcommands: []*cli.Command{{
			Name:      "build",
			Usage:     "build one stage of a Dockerfile in this job's container and push it on its pushed base",
			ArgsUsage: "[CONTEXT]",
			Description: "CONTEXT (default .) is the build context: COPY without --from reads it, .dockerignore honoured.\n" +
				"Builds --target without a daemon, privileges or a nested container, in the job's own container:\n" +
				"  - a stage with RUN steps runs here, in a job whose image is the stage's base (--base): its COPY and RUN\n" +
				"    steps change this container, and the image is --base plus one layer of every file they changed;\n" +
				"  - a stage without RUN is assembled on --base: the stages its COPY --from names run here first, and the\n" +
				"    layer holds only the files it copies.\n" +
				"The config is --base's with the stage's USER, ENV, WORKDIR, EXPOSE, LABEL, ENTRYPOINT and CMD. Files and\n" +
				"config are dated $CI_COMMIT_TIMESTAMP (else $SOURCE_DATE_EPOCH, else 1970): the same commit gives the same\n" +
				"image digest when its files are the same. Credentials: CI_REGISTRY_USER/CI_REGISTRY_PASSWORD, else\n" +
				"CI_JOB_TOKEN, sent to $CI_REGISTRY only; the steps see PATH, HOME and the Dockerfile's ARG and ENV, not the\n" +
				"job's variables. Exit 0 pushed, 1 a step or the push failed, 2 bad input or refused credentials, 3 --timeout.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "Dockerfile", Usage: "the Dockerfile", EnvVars: []string{"GLCD_IMAGE_FILE"}},
				&cli.StringFlag{Name: "target", Usage: "the stage to build (required)", EnvVars: []string{"GLCD_IMAGE_TARGET"}},
				&cli.StringFlag{Name: "base", Usage: "the pushed image the target's FROM stands for (required)", EnvVars: []string{"GLCD_IMAGE_BASE"}},
				&cli.StringSliceFlag{Name: "tag", Usage: "where to push the image, REGISTRY/REPOSITORY:TAG (required; repeat it for more names of the same image)", EnvVars: []string{"GLCD_IMAGE_TAGS"}},
				&cli.StringSliceFlag{Name: "build-arg", Usage: "NAME=VALUE for an ARG of the Dockerfile (repeatable)", EnvVars: []string{"GLCD_IMAGE_BUILD_ARGS"}},
				&cli.StringFlag{Name: "dotenv", Usage: "also write IMAGE=<repository@digest> and IMAGE_DIGEST=<digest> to this file (a dotenv report)", EnvVars: []string{"GLCD_IMAGE_DOTENV"}},
				&cli.DurationFlag{Name: "timeout", Value: time.Hour, Usage: "time limit of the whole build and push", EnvVars: []string{"GLCD_IMAGE_TIMEOUT"}},
			},
			Action: r.imageBuild,
		}, {
			Name:      "tag",
			Usage:     "give a pushed image more names, in the registry (its manifest is written again; no layer is sent)",
			ArgsUsage: "SOURCE TARGET...",
			Description: "Tags SOURCE (REGISTRY/REPOSITORY:TAG or @DIGEST) as every TARGET, as `crane tag` and `docker buildx\n" +
				"imagetools create` do: within one registry nothing but the manifest is sent. Credentials as for image build.\n" +
				"Exit 0 tagged, 1 the registry failed, 2 bad input or refused credentials, 3 --timeout.",
			Flags: []cli.Flag{
				&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute, Usage: "time limit of the whole tagging", EnvVars: []string{"GLCD_IMAGE_TIMEOUT"}},
			},
			Action: r.imageTag,
		}},
	}
}

// parseTags parses REGISTRY/REPOSITORY:TAG references, naming the flag or argument in errors.
func parseTags(what string, refs []string) ([]ggcrname.Tag, error) {
	var tags []ggcrname.Tag
	var problems []error
	for _, s := range refs {
		t, err := ggcrname.NewTag(s, ggcrname.StrictValidation)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s %q: %w: want REGISTRY/REPOSITORY:TAG", what, s, err))
			continue
		}
		tags = append(tags, t)
	}
	return tags, errors.Join(problems...)
}

// registryAuth gives the job's credentials for a registry and records where they came from.
func (r *runtime) registryAuth(from *[]string) func(string) authn.Authenticator {
	return func(reg string) authn.Authenticator {
		a, f := registry.Auth(r.env, r.masker, reg)
		*from = append(*from, reg+" "+f)
		return a
	}
}

// registryError maps a registry failure to glcd's exit codes.
func registryError(c *cli.Context, ctx context.Context, what string, from []string, err error) error {
	var te *transport.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && (te.StatusCode == 401 || te.StatusCode == 403):
		return exitcode.UsageError(fmt.Errorf("%w: %v (credentials: %s); give the job registry credentials (CI_REGISTRY_USER/CI_REGISTRY_PASSWORD, or CI_JOB_TOKEN, are sent to $CI_REGISTRY only)", registry.ErrRefused, err, strings.Join(from, ", ")))
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil && c.Context.Err() == nil:
		return exitcode.TimeoutError(fmt.Errorf("%s: not done within --timeout %s: %w", what, c.Duration("timeout"), err))
	}
	return exitcode.FailedError(fmt.Errorf("%s: %w", what, err))
}

func (r *runtime) imageTag(c *cli.Context) error {
	if c.NArg() < 2 {
		return exitcode.UsageError(fmt.Errorf("image tag takes SOURCE TARGET...: got %d arguments", c.NArg()))
	}
	src, err := ggcrname.ParseReference(c.Args().First(), ggcrname.StrictValidation)
	if err != nil {
		err = fmt.Errorf("SOURCE %q: %w", c.Args().First(), err)
	}
	tags, terr := parseTags("TARGET", c.Args().Tail())
	if err := errors.Join(err, terr); err != nil {
		return exitcode.UsageError(err)
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	var from []string
	err = imagebuild.Tag(ctx, src, tags, r.registryAuth(&from))
	if err := registryError(c, ctx, "image tag "+src.String(), from, err); err != nil {
		return err
	}
	for _, t := range tags {
		fmt.Fprintf(r.out, "tagged %s as %s\n", src, t)
	}
	return nil
}

func (r *runtime) imageBuild(c *cli.Context) error {
	if c.NArg() > 1 {
		return exitcode.UsageError(fmt.Errorf("image build takes one CONTEXT directory, got %q", c.Args().Slice()))
	}
	contextDir := "."
	if c.NArg() == 1 {
		contextDir = c.Args().First()
	}
	var problems []error
	for _, f := range []string{"target", "base"} {
		if c.String(f) == "" {
			problems = append(problems, fmt.Errorf("--%s is required", f))
		}
	}
	if len(c.StringSlice("tag")) == 0 {
		problems = append(problems, errors.New("--tag is required"))
	}
	base, err := ggcrname.ParseReference(c.String("base"))
	if c.String("base") != "" && err != nil {
		problems = append(problems, fmt.Errorf("--base %q: %w", c.String("base"), err))
	}
	tags, err := parseTags("--tag", c.StringSlice("tag"))
	if err != nil {
		problems = append(problems, err)
	}
	args := map[string]string{}
	for _, a := range c.StringSlice("build-arg") {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			problems = append(problems, fmt.Errorf("--build-arg %q: want NAME=VALUE", a))
			continue
		}
		args[k] = v
	}
	created, err := sourceDate(r.env.Value("CI_COMMIT_TIMESTAMP"), r.env.Value("SOURCE_DATE_EPOCH"))
	if err != nil {
		problems = append(problems, err)
	}
	src, err := os.ReadFile(c.String("file"))
	if err != nil {
		problems = append(problems, fmt.Errorf("--file: %w", err))
	}
	var plan *imagebuild.Plan
	if err == nil && c.String("target") != "" {
		if plan, err = imagebuild.Prepare(imagebuild.Options{Dockerfile: src, Name: c.String("file"), Target: c.String("target"), Args: args}); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return exitcode.UsageError(errors.Join(problems...))
	}
	if img := r.env.Value("CI_JOB_IMAGE"); plan.Snapshot && img != "" && img != base.String() && img != c.String("base") {
		fmt.Fprintf(r.err, "glcd: warning: stage %s runs here, on the job's image %s, and is pushed on --base %s: they should be the same image\n", plan.Target, img, c.String("base"))
	}
	if contextDir, err = filepath.Abs(contextDir); err != nil {
		return exitcode.UsageError(err)
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	var from []string
	res, err := imagebuild.Run(ctx, imagebuild.Build{
		Plan: plan, Base: base, Tags: tags, Context: contextDir, Root: "/", Created: created, Out: r.out, Env: r.osenv,
		Auth: r.registryAuth(&from),
	})
	if err := registryError(c, ctx, "image build --target "+plan.Target, from, err); err != nil {
		return err
	}
	if f := c.String("dotenv"); f != "" {
		if err := os.WriteFile(f, fmt.Appendf(nil, "IMAGE=%s\nIMAGE_DIGEST=%s\n", res.Image, res.Digest), 0o644); err != nil {
			return exitcode.FailedError(fmt.Errorf("--dotenv: %w", err))
		}
	}
	if stringFlag(c, "output") == outputJSON {
		return json.NewEncoder(r.out).Encode(res)
	}
	fmt.Fprintf(r.out, "pushed %s as %s: %d files in a %d-byte layer on %s, %d bytes sent\n", tags[0], res.Image, res.Files, res.LayerSize, base, res.Pushed)
	return nil
}

// sourceDate is the time the image's files and config carry: GitLab's CI_COMMIT_TIMESTAMP
// (RFC 3339), else SOURCE_DATE_EPOCH (seconds), else the Unix epoch.
func sourceDate(commit, epoch string) (time.Time, error) {
	switch {
	case commit != "":
		t, err := time.Parse(time.RFC3339, commit)
		if err != nil {
			return time.Time{}, fmt.Errorf("CI_COMMIT_TIMESTAMP %q: %w: want RFC 3339, as GitLab sets it", commit, err)
		}
		return t.UTC(), nil
	case epoch != "":
		s, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", epoch)
		}
		return time.Unix(s, 0).UTC(), nil
	}
	return time.Unix(0, 0).UTC(), nil
}
