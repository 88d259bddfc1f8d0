package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/builderkey"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/registry"
)

func builderKeyCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:  "builder-key",
		Usage: "print the fingerprint of a Haskell project's dependencies that tags its builder image",
		Description: "Hashes what decides the builder image's compiled dependencies: stack.yaml, stack.yaml.lock, package.yaml,\n" +
			"*.cabal, cabal.project* (normalised: the package's own version:, comments and blank lines left out), the local\n" +
			"dependencies they name, the resolver / GHC version and the builder-base image. A release keeps the key; a new or\n" +
			"changed dependency changes it. With --exists REPOSITORY it also asks the registry, with one manifest HEAD (nothing\n" +
			"pulled), whether REPOSITORY:KEY is there. Exit 0 done (or the image exists), 1 the image is missing (or the registry\n" +
			"could not say), 2 bad input or refused credentials.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "the project's directory", EnvVars: []string{"GLCD_BUILDER_DIR"}},
			&cli.StringFlag{Name: "base", Usage: "the builder-base image the builder is built FROM (required)", EnvVars: []string{"GLCD_BUILDER_BASE"}},
			&cli.BoolFlag{Name: "explain", Usage: "list the inputs and their hashes (on stderr in text output)", EnvVars: []string{"GLCD_BUILDER_EXPLAIN"}},
			&cli.StringFlag{Name: "exists", Usage: "REGISTRY/REPOSITORY of the builder image: exit 0 if its tag KEY exists, 1 if not", EnvVars: []string{"GLCD_BUILDER_EXISTS"}},
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "time limit of the registry check", EnvVars: []string{"GLCD_BUILDER_TIMEOUT"}},
		},
		Action: r.builderKey,
	}
}

func (r *runtime) builderKey(c *cli.Context) error {
	if c.NArg() > 0 {
		return exitcode.UsageError(fmt.Errorf("builder-key takes no arguments, got %q: pass the project's directory with --dir", c.Args().First()))
	}
	var problems []error
	k, err := builderkey.Compute(c.String("dir"), c.String("base"))
	if err != nil {
		problems = append(problems, err)
	}
	var repo ggcrname.Repository
	if e := c.String("exists"); e != "" {
		if repo, err = ggcrname.NewRepository(e); err != nil {
			problems = append(problems, fmt.Errorf("--exists %q: %w: want REGISTRY/REPOSITORY without a tag, e.g. $CI_REGISTRY_IMAGE/builder", e, err))
		}
	}
	if len(problems) > 0 {
		return exitcode.UsageError(errors.Join(problems...))
	}
	res := struct {
		*builderkey.Key
		Image  string `json:"image,omitempty"`
		Exists *bool  `json:"exists,omitempty"`
	}{Key: k}
	var existsErr error
	if c.String("exists") != "" {
		ref := repo.Tag(k.Key)
		res.Image = ref.String()
		auth, from := registry.Auth(r.env, r.masker, ref.Context().RegistryStr())
		ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
		ok, err := registry.Exists(ctx, ref, auth)
		cancel()
		switch {
		case errors.Is(err, registry.ErrRefused):
			existsErr = exitcode.UsageError(fmt.Errorf("%w, asked %s: give the job registry credentials (CI_REGISTRY_USER/CI_REGISTRY_PASSWORD, or CI_JOB_TOKEN, are sent to $CI_REGISTRY only)", err, from))
		case errors.Is(err, context.DeadlineExceeded):
			existsErr = exitcode.TimeoutError(fmt.Errorf("%s: no answer within --timeout %s", ref, c.Duration("timeout")))
		case err != nil:
			existsErr = exitcode.FailedError(fmt.Errorf("cannot tell whether %s exists: %w", ref, err))
		case !ok:
			existsErr = exitcode.FailedError(fmt.Errorf("%s is missing: build and push it", ref))
		}
		if err == nil {
			res.Exists = &ok
		}
	}
	if stringFlag(c, "output") == outputJSON {
		if err := json.NewEncoder(r.out).Encode(res); err != nil {
			return err
		}
		return existsErr
	}
	fmt.Fprintln(r.out, k.Key)
	if c.Bool("explain") {
		tw := tabwriter.NewWriter(r.err, 0, 0, 2, ' ', 0)
		for _, in := range k.Inputs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", in.Name, in.Hash[:builderkey.Len], in.Note)
		}
		fmt.Fprintf(tw, "key\t%s\t\n", k.Key)
		tw.Flush()
	}
	if res.Exists != nil && *res.Exists {
		fmt.Fprintf(r.err, "%s exists\n", res.Image)
	}
	return existsErr
}
