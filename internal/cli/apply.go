package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/rollout"
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
	if c.NArg() > 0 {
		return exitcode.UsageError(fmt.Errorf("apply takes files with -f, not arguments (got %q)", c.Args().First()))
	}
	paths := c.StringSlice("filename")
	if len(paths) == 0 {
		if r.env.Deploy.Project == "" {
			return ci.Missing(map[string]string{"PROJECT_NAME": "is not set and no -f FILE was given (the default is kubernetes/$PROJECT_NAME.yaml)"})
		}
		paths = []string{"kubernetes/" + r.env.Deploy.Project + ".yaml"}
	}
	// the variables apply uses, checked before anything is read or sent
	if err := r.env.CheckSet("PROJECT_NAME", "KUBECONFIG", "KUBE_NAMESPACE"); err != nil {
		return err
	}
	var dry bool
	switch c.String("dry-run") {
	case "none", "":
	case "server":
		dry = true
	default:
		return exitcode.UsageError(fmt.Errorf("--dry-run=%s: glcd asks the server (--dry-run=server) or nothing (none)", c.String("dry-run")))
	}
	manifests, err := rollout.ReadManifests(paths)
	if err != nil {
		return err // bad files are reported before anything reaches the cluster
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
	ns := t.Namespace
	sec := ci.StartSection(r.err, "glcd_apply", fmt.Sprintf("glcd apply %s", strings.Join(paths, " ")), false)
	res, err := rollout.Apply(c.Context, cs, dyn, mapper, rollout.ApplyOptions{
		Manifests: manifests, Namespace: ns, DryRun: dry, ForceConflicts: c.Bool("force-conflicts"), Wait: c.Bool("wait"),
		Timeout: c.Duration("timeout"), FailAfter: c.Duration("fail-after"), Progress: r.err,
	})
	sec.End()
	if err != nil {
		return err
	}
	r.logger(c).Debug("apply done", "apiRequests", requests.Load())
	counts := map[string]int{}
	for _, o := range res.Objects {
		counts[o.Action]++
	}
	fmt.Fprintf(r.err, "applied %d objects: %d created, %d configured, %d unchanged%s\n", len(res.Objects),
		counts["created"], counts["configured"], counts["unchanged"], map[bool]string{true: " (server dry run: nothing changed)"}[dry])
	for _, ro := range res.Rollouts {
		rollout.WriteReport(r.err, ro)
	}
	if stringFlag(c, "output") == outputJSON {
		if err := json.NewEncoder(r.out).Encode(res); err != nil {
			return err
		}
	}
	if p := c.String("dotenv"); p != "" {
		kv := [][2]string{{"GLCD_APPLY_STATUS", string(res.Status)}, {"GLCD_APPLIED_OBJECTS", fmt.Sprint(len(res.Objects))}}
		if err := ci.WriteDotenv(p, kv); err != nil {
			return exitcode.UsageError(err)
		}
	}
	switch res.Status {
	case rollout.StatusFailed:
		return exitcode.FailedError(fmt.Errorf("apply: a rollout failed"))
	case rollout.StatusTimeout:
		return exitcode.TimeoutError(fmt.Errorf("apply: a rollout timed out"))
	}
	return nil
}
