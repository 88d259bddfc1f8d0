package rollout_test

import (
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/rollout"
)

func env(vars map[string]string) *ci.Env {
	return ci.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
}

// The old scripts' variables name the workload and image; the change cause names the job.
func TestPrepareFromTheOldScriptsVariables(t *testing.T) {
	o, err := rollout.Prepare(rollout.Input{}, env(map[string]string{"PROJECT_NAME": "jobboard", "IMAGE_NAME": "registry.example.com/g/jobboard",
		"TARGET_IMAGE_VERSION": "1.4.0", "CI_JOB_URL": "https://gitlab.example.com/g/jobboard/-/jobs/7", "CI_COMMIT_SHA": strings.Repeat("ab", 20)}))
	if err != nil {
		t.Fatal(err)
	}
	if o.Workload.String() != "deployment/jobboard" || o.Image != "registry.example.com/g/jobboard:1.4.0" ||
		o.ChangeCause != "glcd rollout registry.example.com/g/jobboard:1.4.0, job https://gitlab.example.com/g/jobboard/-/jobs/7, commit abababababab" {
		t.Errorf("options %+v", o)
	}
}

// Every problem at once; POD_NAME is checked only when --container does not replace it.
func TestPrepareListsEveryProblem(t *testing.T) {
	bad := env(map[string]string{"POD_NAME": "Web_1", "KUBE_NAMESPACE": "Bad_NS"})
	_, err := rollout.Prepare(rollout.Input{Args: []string{"cronjob/x"}}, bad)
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("Prepare: %v", err)
	}
	for _, want := range []string{"IMAGE_NAME is not set", "TARGET_IMAGE_VERSION is not set", "POD_NAME", "KUBE_NAMESPACE", `kind "cronjob"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	_, err = rollout.Prepare(rollout.Input{Args: []string{"web"}, Image: "app:1", Container: "web", ContainerFromFlag: true}, bad)
	if err == nil || strings.Contains(err.Error(), "POD_NAME") || !strings.Contains(err.Error(), "KUBE_NAMESPACE") {
		t.Errorf("with --container: %v", err)
	}
	if _, err := rollout.Prepare(rollout.Input{Args: []string{"a", "b"}}, env(nil)); err == nil || !strings.Contains(err.Error(), "one workload, got 2") {
		t.Errorf("two workloads: %v", err)
	}
}
