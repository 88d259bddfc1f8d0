package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
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
	d := r.env.Deploy
	if c.NArg() > 1 {
		return exitcode.UsageError(fmt.Errorf("rollout takes one workload, got %d arguments", c.NArg()))
	}
	// every problem at once: missing and invalid variables, the workload, the image
	var probs []ci.Problem
	missing := func(name, reason string) {
		probs = append(probs, ci.Problem{Name: name, Reason: reason, Hint: ci.Hint(name)})
	}
	used := []string{"KUBECONFIG", "KUBE_NAMESPACE", "PROJECT_NAME"} // PROJECT_NAME: the namespace too
	target := c.Args().First()
	targetKnown := true
	if target == "" {
		if d.Project == "" {
			missing("PROJECT_NAME", "is not set and no workload was given (glcd rollout deployment/NAME)")
			targetKnown = false
		}
		target = "deployment/" + d.Project
	}
	if !r.onCommandLine(c, "container") {
		used = append(used, "POD_NAME")
	}
	image := c.String("image")
	imageKnown := true
	if image == "" {
		used = append(used, "IMAGE_NAME", "TARGET_IMAGE_VERSION")
		if d.Image == "" {
			missing("IMAGE_NAME", "is not set and --image was not given")
		}
		if d.Version == "" {
			missing("TARGET_IMAGE_VERSION", "is not set and --image was not given")
		}
		image, imageKnown = d.Image+":"+d.Version, d.Image != "" && d.Version != ""
	}
	probs = append(probs, r.env.SetProblems(used...)...)
	ref, err := rollout.ParseRef(target)
	if err != nil && targetKnown {
		probs = append(probs, ci.Problem{Name: "[KIND/]NAME", Reason: err.Error()})
	}
	if _, err := rollout.ParseImage(image); err != nil && imageKnown {
		probs = append(probs, ci.Problem{Name: "--image", Reason: err.Error()})
	}
	if err := ci.ProblemsError(dedupe(probs)); err != nil {
		return err
	}
	t, cs, requests, err := r.kubeClient(c, withProjectNamespace(d.Project))
	if err != nil {
		return err
	}
	ns := t.Namespace
	cause := c.String("change-cause")
	if cause == "" {
		cause = defaultChangeCause(r.env, image)
	}
	sec := ci.StartSection(r.err, "glcd_rollout", fmt.Sprintf("glcd rollout %s in namespace %s: %s", ref, ns, image), false)
	res, err := rollout.Rollout(c.Context, cs, rollout.Options{
		Namespace: ns, Workload: ref, Image: image, Container: c.String("container"), ChangeCause: cause,
		Timeout: c.Duration("timeout"), FailAfter: c.Duration("fail-after"), UndoOnFailure: c.Bool("undo-on-failure"),
		Progress: r.err, AllEvents: boolFlag(c, "debug"),
	})
	sec.End()
	if err != nil {
		return err
	}
	r.logger(c).Debug("rollout done", "apiRequests", requests.Load())
	return r.finishRollout(c, res)
}

// finishRollout prints a rollout result, writes the dotenv file and picks the exit code.
func (r *runtime) finishRollout(c *cli.Context, res *rollout.Result) error {
	rollout.WriteReport(r.err, res)
	if err := r.results(c, res, [][2]string{
		{"GLCD_ROLLOUT_STATUS", string(res.Status)},
		{"GLCD_WORKLOAD", res.Workload},
		{"GLCD_NAMESPACE", res.Namespace},
		{"GLCD_DEPLOYED_IMAGE", res.Image},
		{"GLCD_REVISION", strconv.FormatInt(res.Revision, 10)},
	}); err != nil {
		return err
	}
	return rolloutExit(res)
}

func rolloutExit(res *rollout.Result) error {
	switch res.Status {
	case rollout.StatusFailed:
		return exitcode.FailedError(fmt.Errorf("%s rollout failed: %s", res.Workload, res.Reason))
	case rollout.StatusTimeout:
		return exitcode.TimeoutError(fmt.Errorf("%s rollout timed out", res.Workload))
	}
	return nil
}

func defaultChangeCause(env *ci.Env, image string) string {
	parts := []string{"glcd rollout " + image}
	if env.GitLab.JobURL != "" {
		parts = append(parts, "job "+env.GitLab.JobURL)
	}
	if env.GitLab.CommitSHA != "" {
		sha := env.GitLab.CommitSHA
		if len(sha) > 12 {
			sha = sha[:12]
		}
		parts = append(parts, "commit "+sha)
	}
	return strings.Join(parts, ", ")
}

// dedupe keeps the first problem of each variable (a missing one is not also invalid).
func dedupe(probs []ci.Problem) []ci.Problem {
	seen := map[string]bool{}
	var out []ci.Problem
	for _, p := range probs {
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p)
		}
	}
	return out
}
