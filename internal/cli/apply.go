package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"gitlab.com/glcd/glcd/internal/apply"
	"gitlab.com/glcd/glcd/internal/ci"
)

func applyCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:  "apply",
		Usage: "server-side apply manifests in dependency order, then watch the rollouts they started",
		Description: "Applies every object of -f FILE|DIR (default kubernetes/$PROJECT_NAME.yaml) with server-side apply (field\n" +
			"manager glcd): namespaces and CRDs first. Reports created/configured/unchanged per object, then watches each\n" +
			"Deployment, StatefulSet and DaemonSet it applied like `glcd rollout` does. --dry-run=server shows the changes.",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "manifest file or folder (repeatable)", EnvVars: []string{"GLCD_FILENAME"}},
			&cli.StringFlag{Name: "dry-run", Value: "none", Usage: "server: ask the API server what would change, change nothing", EnvVars: []string{"GLCD_DRY_RUN"}},
			&cli.BoolFlag{Name: "force-conflicts", Usage: "take over fields another field manager owns (an HPA's replicas, ...); without it such a conflict fails, naming the fields", EnvVars: []string{"GLCD_FORCE_CONFLICTS"}},
			&cli.BoolFlag{Name: "wait", Value: true, Usage: "watch the rollouts of the workloads applied (--wait=false to skip)", EnvVars: []string{"GLCD_WAIT"}},
		}, watchFlags()...),
		Action: r.apply,
	}
}

func (r *runtime) apply(c *cli.Context) error {
	plan, err := apply.Prepare(apply.Input{Args: c.Args().Slice(), Paths: c.StringSlice("filename"), DryRun: c.String("dry-run"),
		Force: c.Bool("force-conflicts"), Wait: c.Bool("wait"), Timeout: c.Duration("timeout"), FailAfter: c.Duration("fail-after")}, r.env)
	if err != nil {
		return err
	}
	t, cs, requests, err := r.kubeClient(c, withProjectNamespace(r.env.Deploy.Project))
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(t.Config)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cs.Discovery()))
	sec := ci.StartSection(r.err, "glcd_apply", fmt.Sprintf("glcd apply %s", strings.Join(plan.Paths, " ")), false)
	res, err := apply.Run(c.Context, apply.Deps{Client: cs, Dynamic: dyn, Mapper: mapper, Namespace: t.Namespace, Progress: r.err}, plan)
	sec.End()
	if err != nil {
		return err
	}
	r.logger(c).Debug("apply done", "apiRequests", requests.Load())
	res.Report(r.err)
	if err := r.results(c, res, res.Dotenv()); err != nil {
		return err
	}
	return res.Err()
}
