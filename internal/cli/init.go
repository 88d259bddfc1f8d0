package cli

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/scaffold"
)

// catalogs are the component projects glcd reads from its own binary: its catalog.
func catalogs() map[string]fs.FS { return map[string]fs.FS{glcd.CatalogProject: glcd.Catalog} }

func initCommand(r *runtime) *cli.Command {
	plain := func() cli.Flag {
		return &cli.BoolFlag{Name: "plain-jobs", Usage: "write every job out instead of including glcd's CI/CD catalog components (gitlab.com/glcd/glcd/...@VERSION): for an instance that cannot reach the catalog", EnvVars: []string{"GLCD_INIT_PLAIN_JOBS"}}
	}
	project := func() cli.Flag {
		return &cli.StringFlag{Name: "project", Usage: "the project: the Deployment, its namespace and the container PROJECT-web (default: DIR's name, without -infra)", EnvVars: []string{"GLCD_INIT_PROJECT"}}
	}
	return &cli.Command{
		Name:  "init",
		Usage: "scaffold the app repo or the infra repo: the pipeline glcd's examples/ show, and what it needs",
		Description: "Writes into DIR (created if missing) and overwrites nothing: when any of its files exists it lists them and\n" +
			"exits 2 without writing. The files are glcd's examples (examples/ in its repository, embedded) for the project.",
		Subcommands: []*cli.Command{
			{
				Name:      "app",
				Usage:     "the app repo: .gitlab-ci.yml (the autotag and trigger components, builder image by key, test, publish on v* tags) and Dockerfile.builder; a DEPLOY_VERSION line in the Makefile if it has none",
				ArgsUsage: "DIR",
				Flags: []cli.Flag{project(), plain(),
					&cli.StringFlag{Name: "version", Usage: "DEPLOY_VERSION for a Makefile without one (default: the version of *.cabal, package.yaml or VERSION, then " + scaffold.DefaultVersion + ")", EnvVars: []string{"GLCD_INIT_VERSION"}},
				},
				Action: func(c *cli.Context) error { return r.initRepo(c, scaffold.App) },
			},
			{
				Name:      "infra",
				Usage:     "the infra repo: kubernetes/PROJECT.yaml (Deployment with a readiness probe, Service) and .gitlab-ci.yml (the deploy component: doctor, rollout, writeback; the apply component)",
				ArgsUsage: "DIR",
				Flags: []cli.Flag{project(), plain(),
					&cli.StringFlag{Name: "image", Usage: "the image the manifest starts with, REPOSITORY:TAG (required; the app's $CI_REGISTRY_IMAGE/PROJECT:VERSION)", EnvVars: []string{"GLCD_INIT_IMAGE"}},
				},
				Action: func(c *cli.Context) error { return r.initRepo(c, scaffold.Infra) },
			},
		},
	}
}

func (r *runtime) initRepo(c *cli.Context, kind scaffold.Kind) error {
	if c.NArg() != 1 {
		return exitcode.UsageError(fmt.Errorf("glcd init %s takes one argument, the repository's directory (got %d)", kind, c.NArg()))
	}
	o := scaffold.Options{Kind: kind, Dir: c.Args().First(), Project: c.String("project"), PlainJobs: c.Bool("plain-jobs")}
	if kind == scaffold.App {
		o.Version = c.String("version")
	} else {
		o.Image = c.String("image")
	}
	res, err := scaffold.Write(glcd.Scaffolds, o)
	if err != nil {
		return err
	}
	if stringFlag(c, "output") == outputJSON {
		return json.NewEncoder(r.out).Encode(res)
	}
	for _, p := range res.Written {
		fmt.Fprintf(r.out, "wrote %s\n", p)
	}
	switch res.Makefile {
	case "added":
		fmt.Fprintf(r.out, "Makefile: added DEPLOY_VERSION = %s\n", res.Version)
	case "kept":
		fmt.Fprintf(r.out, "Makefile: kept its DEPLOY_VERSION = %s\n", res.Version)
	}
	fmt.Fprintln(r.out)
	p := res.Project
	if kind == scaffold.App {
		fmt.Fprintf(r.out, `next:
  1. in Settings > CI/CD > Variables (masked): GLCD_GITLAB_TOKEN, a project access token (api) that creates
     the release tags, and INFRA_PIPELINE_TOKEN, a pipeline trigger token of %[1]s-infra
  2. once per GHC version, push the toolchain image the builder job starts from:
     docker build -f Dockerfile.builder --target builder-base -t $CI_REGISTRY_IMAGE/builder-base:9.0.2-1 . && docker push ...
  3. commit and push; raise DEPLOY_VERSION in the Makefile to release
`, p)
		return nil
	}
	fmt.Fprintf(r.out, `next:
  1. as the cluster's admin, the namespace %[1]s and a deploy robot allowed exactly what the pipeline does:
     glcd setup robot --namespace %[1]s --for rollout,writeback,apply --apply
  2. the values GitLab needs, checked by connecting as a job would (or use a GitLab agent, KUBE_CONTEXT):
     glcd setup gitlab-vars --namespace %[1]s --environment production --to-gitlab GROUP/%[1]s-infra
  3. GLCD_GIT_TOKEN (masked): a project access token of this repo with write_repository, for glcd writeback
  4. commit and push: the pipeline on the default branch applies kubernetes/ (glcd doctor checks it all first)
`, p)
	return nil
}
