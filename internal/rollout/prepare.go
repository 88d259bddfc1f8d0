package rollout

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Input is what the command line and the environment give glcd rollout.
type Input struct {
	Args  []string // [KIND/]NAME, at most one; none: deployment/$PROJECT_NAME
	Image string   // --image; "": $IMAGE_NAME:$TARGET_IMAGE_VERSION
	// Container is --container or POD_NAME; ContainerFromFlag says the command line gave it,
	// so that POD_NAME is not checked.
	Container         string
	ContainerFromFlag bool
	ChangeCause       string // "": image, job URL and commit
	Timeout           time.Duration
	FailAfter         time.Duration
	UndoOnFailure     bool
	AllEvents         bool // --debug: keep earlier rollouts' events in a failure report
}

// Prepare checks in and the variables rollout uses, every problem at once (missing and
// invalid variables, the workload, the image), and returns the Options of the rollout but
// for its namespace, which the cluster connection resolves.
func Prepare(in Input, env *ci.Env) (Options, error) {
	d := env.Deploy
	if len(in.Args) > 1 {
		return Options{}, exitcode.UsageError(fmt.Errorf("rollout takes one workload, got %d arguments", len(in.Args)))
	}
	var probs []ci.Problem
	missing := func(name, reason string) {
		probs = append(probs, ci.Problem{Name: name, Reason: reason, Hint: ci.Hint(name)})
	}
	used := []string{"KUBECONFIG", "KUBE_NAMESPACE", "PROJECT_NAME"} // PROJECT_NAME: the namespace too
	target, targetKnown := "", true
	if len(in.Args) == 1 {
		target = in.Args[0]
	}
	if target == "" {
		if d.Project == "" {
			missing("PROJECT_NAME", "is not set and no workload was given (glcd rollout deployment/NAME)")
			targetKnown = false
		}
		target = "deployment/" + d.Project
	}
	if !in.ContainerFromFlag {
		used = append(used, "POD_NAME")
	}
	image, imageKnown := in.Image, true
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
	probs = append(probs, env.SetProblems(used...)...)
	ref, err := ParseRef(target)
	if err != nil && targetKnown {
		probs = append(probs, ci.Problem{Name: "[KIND/]NAME", Reason: err.Error()})
	}
	if _, err := ParseImage(image); err != nil && imageKnown {
		probs = append(probs, ci.Problem{Name: "--image", Reason: err.Error()})
	}
	if err := ci.ProblemsError(probs); err != nil {
		return Options{}, err
	}
	cause := in.ChangeCause
	if cause == "" {
		cause = defaultChangeCause(env, image)
	}
	return Options{Workload: ref, Image: image, Container: in.Container, ChangeCause: cause, Timeout: in.Timeout,
		FailAfter: in.FailAfter, UndoOnFailure: in.UndoOnFailure, AllEvents: in.AllEvents}, nil
}

// defaultChangeCause is the kubernetes.io/change-cause a rollout records: the image, and the
// job and commit that deployed it.
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

// Dotenv is the result as GLCD_* variables for artifacts:reports:dotenv.
func (r *Result) Dotenv() [][2]string {
	return [][2]string{
		{"GLCD_ROLLOUT_STATUS", string(r.Status)},
		{"GLCD_WORKLOAD", r.Workload},
		{"GLCD_NAMESPACE", r.Namespace},
		{"GLCD_DEPLOYED_IMAGE", r.Image},
		{"GLCD_REVISION", strconv.FormatInt(r.Revision, 10)},
	}
}

// Err is the error the result ends the command with: the rollout failed (exit 1) or timed
// out (exit 3); nil when it succeeded.
func (r *Result) Err() error {
	switch r.Status {
	case StatusFailed:
		return exitcode.FailedError(fmt.Errorf("%s rollout failed: %s", r.Workload, r.Reason))
	case StatusTimeout:
		return exitcode.TimeoutError(fmt.Errorf("%s rollout timed out", r.Workload))
	}
	return nil
}
