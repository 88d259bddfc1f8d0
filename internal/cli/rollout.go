package cli

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/rollout"
)

func watchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Minute, Usage: "give up after this long (exit 3)", EnvVars: []string{"GLCD_TIMEOUT"}},
		&cli.DurationFlag{Name: "fail-after", Value: 3 * time.Second, Usage: "how long a transient failure (pull retrying, crash, unschedulable, missing ConfigMap) must last before the rollout fails; a missing image or credentials fail at once", EnvVars: []string{"GLCD_FAIL_AFTER"}},
		&cli.StringFlag{Name: "dotenv", Usage: "write GLCD_* results as KEY=value lines to this file (artifacts:reports:dotenv)", EnvVars: []string{"GLCD_DOTENV"}},
	}
}

func rolloutCommand(r *runtime) *cli.Command {
	return &cli.Command{
		Name:      "rollout",
		Usage:     "set a workload's image and watch the rollout; fail fast with the reason",
		ArgsUsage: "[KIND/]NAME (default deployment/$PROJECT_NAME)",
		Description: "Sets --image (default $IMAGE_NAME:$TARGET_IMAGE_VERSION) on --container (default $POD_NAME; without it, every\n" +
			"container whose image is in the same repository) of a Deployment, StatefulSet or DaemonSet in one patch that\n" +
			"also records kubernetes.io/change-cause, then watches until `kubectl rollout status` would say it succeeded,\n" +
			"or fails as soon as the new pods show why (crash loop, missing image, missing ConfigMap, unschedulable, ...).\n" +
			"The namespace is --namespace, $KUBE_NAMESPACE, then $PROJECT_NAME. Exit 0 done, 1 failed, 2 bad input, 3 timeout.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "image", Usage: "image to deploy, REPOSITORY:TAG or REPOSITORY@DIGEST", EnvVars: []string{"GLCD_IMAGE"}},
			&cli.StringFlag{Name: "container", Usage: "container to update (default: those whose image is in the image's repository)", EnvVars: []string{"GLCD_CONTAINER", "POD_NAME"}},
			&cli.StringFlag{Name: "change-cause", Usage: "kubernetes.io/change-cause to record (default: image, job URL and commit)", EnvVars: []string{"GLCD_CHANGE_CAUSE"}},
			&cli.BoolFlag{Name: "undo-on-failure", Usage: "roll back to the previous revision when the rollout fails or times out, and wait for that", EnvVars: []string{"GLCD_UNDO_ON_FAILURE"}},
		}, watchFlags()...),
		Action: r.rollout,
	}
}

func (r *runtime) rollout(c *cli.Context) error {
	opts, err := rollout.Prepare(rollout.Input{Args: c.Args().Slice(), Image: c.String("image"), Container: c.String("container"),
		ContainerFromFlag: r.onCommandLine(c, "container"), ChangeCause: c.String("change-cause"), Timeout: c.Duration("timeout"),
		FailAfter: c.Duration("fail-after"), UndoOnFailure: c.Bool("undo-on-failure"), AllEvents: boolFlag(c, "debug")}, r.env)
	if err != nil {
		return err
	}
	t, cs, requests, err := r.kubeClient(c, withProjectNamespace(r.env.Deploy.Project))
	if err != nil {
		return err
	}
	opts.Namespace, opts.Progress = t.Namespace, r.err
	sec := ci.StartSection(r.err, "glcd_rollout", fmt.Sprintf("glcd rollout %s in namespace %s: %s", opts.Workload, opts.Namespace, opts.Image), false)
	res, err := rollout.Rollout(c.Context, cs, opts)
	sec.End()
	if err != nil {
		return err
	}
	r.logger(c).Debug("rollout done", "apiRequests", requests.Load())
	rollout.WriteReport(r.err, res)
	if err := r.results(c, res, res.Dotenv()); err != nil {
		return err
	}
	return res.Err()
}
