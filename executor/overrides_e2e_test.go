package executor_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

// overrideSettings let jobs choose their architecture, a gpu toleration, two labels, an
// annotation, one of two service accounts, and raise the helper's and services' resources.
var overrideSettings = []string{
	`nodeSelectorOverwriteAllowed: 'kubernetes\.io/arch=(amd64|arm64)'`,
	`nodeTolerationsOverwriteAllowed: 'gpu=[a-z0-9]+:NoSchedule'`,
	`podLabelsOverwriteAllowed: '(team|cost-center)=[a-z0-9-]+'`,
	`podAnnotationsOverwriteAllowed: 'example\.com/[a-z]+=.*'`,
	`serviceAccountOverwriteAllowed: 'ci-(deploy|gpu)'`,
	"helperResources:\n  max: {cpu: 500m, memory: 512Mi}",
	"serviceResources:\n  max: {memory: 256Mi}",
}

func TestJobChangesItsPodWithinTheAllowLists(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, overrideSettings...)
	ctx := ctxFor(t, 3*time.Minute)
	_, err := tb.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "ci-deploy"}}, metav1.CreateOptions{})
	must(t, err)
	j := newJob(t, ns, "100", runner.BuildOnly(`echo built on $(uname -m)`))
	j.Services = []runner.Service{{Name: serviceImage, Alias: "web",
		Variables: []runner.Variable{{Key: "KUBERNETES_SERVICE_MEMORY_LIMIT", Value: "200Mi", Public: true}}}}
	j.Vars = append(j.Vars,
		runner.Variable{Key: "ARCH", Value: "amd64", Public: true},
		runner.Variable{Key: "KUBERNETES_NODE_SELECTOR_ARCH", Value: "kubernetes.io/arch=$ARCH", Public: true},
		runner.Variable{Key: "KUBERNETES_NODE_TOLERATIONS_GPU", Value: "gpu=a100:NoSchedule", Public: true},
		runner.Variable{Key: "KUBERNETES_POD_LABELS_TEAM", Value: "team=payments", Public: true},
		runner.Variable{Key: "KUBERNETES_POD_ANNOTATIONS_OWNER", Value: "example.com/owner=alice@example.com", Public: true},
		runner.Variable{Key: "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE", Value: "ci-deploy", Public: true},
		runner.Variable{Key: "KUBERNETES_HELPER_CPU_LIMIT", Value: "500m", Public: true},
		runner.Variable{Key: "KUBERNETES_HELPER_MEMORY_LIMIT", Value: "300Mi", Public: true},
		runner.Variable{Key: "KUBERNETES_SERVICE_MEMORY_REQUEST", Value: "100Mi", Public: true},
	)
	noSecret := j.AfterPrepare
	j.AfterPrepare = func(pod string) error {
		if err := noSecret(pod); err != nil {
			return err
		}
		p, err := tb.Client.CoreV1().Pods(ns).Get(context.Background(), pod, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var problems []string
		if p.Status.Phase != corev1.PodRunning {
			problems = append(problems, "phase "+string(p.Status.Phase))
		}
		if p.Spec.NodeSelector["kubernetes.io/arch"] != "amd64" {
			problems = append(problems, fmt.Sprintf("node selector %v", p.Spec.NodeSelector))
		}
		tolerated := false
		for _, tol := range p.Spec.Tolerations {
			tolerated = tolerated || tol.Key == "gpu" && tol.Value == "a100" && tol.Operator == corev1.TolerationOpEqual && tol.Effect == corev1.TaintEffectNoSchedule
		}
		if !tolerated {
			problems = append(problems, fmt.Sprintf("tolerations %+v", p.Spec.Tolerations))
		}
		if p.Labels["team"] != "payments" || p.Labels[executor.LabelProject] != "100" {
			problems = append(problems, fmt.Sprintf("labels %v", p.Labels))
		}
		if p.Annotations["example.com/owner"] != "alice@example.com" {
			problems = append(problems, fmt.Sprintf("annotations %v", p.Annotations))
		}
		if p.Spec.ServiceAccountName != "ci-deploy" || *p.Spec.AutomountServiceAccountToken {
			problems = append(problems, "service account "+p.Spec.ServiceAccountName)
		}
		for _, c := range p.Spec.Containers {
			want := map[string]string{executor.HelperContainer: "500m 300Mi", "svc-0": "100Mi 200Mi"}[c.Name]
			got := c.Resources.Limits.Cpu().String() + " " + c.Resources.Limits.Memory().String()
			if c.Name == "svc-0" {
				got = c.Resources.Requests.Memory().String() + " " + c.Resources.Limits.Memory().String()
			}
			if want != "" && got != want {
				problems = append(problems, fmt.Sprintf("container %s resources %s, want %s", c.Name, got, want))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("the pod lacks the job's overrides: %s", strings.Join(problems, "; "))
		}
		return nil
	}
	res, err := rn.Run(ctx, j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "" {
		t.Fatalf("job failed in %s:\n%s", res.FailedStage, out)
	}
	if !strings.Contains(out, "built on x86_64") {
		t.Errorf("the script did not run:\n%s", out)
	}
	checkJob(t, ns, &j, res)
}

func TestJobOverrideOutsideTheAllowListsIsABuildFailure(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, overrideSettings...)
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never runs`))
	j.Vars = append(j.Vars,
		runner.Variable{Key: "KUBERNETES_NODE_SELECTOR_ARCH", Value: "kubernetes.io/arch=s390x", Public: true},
		runner.Variable{Key: "KUBERNETES_NODE_TOLERATIONS_ALL", Value: "", Public: true},
		runner.Variable{Key: "KUBERNETES_POD_LABELS_NONCE", Value: executor.LabelNonce + "=stolen", Public: true},
		runner.Variable{Key: "KUBERNETES_POD_ANNOTATIONS_PW", Value: "example.com/pw=$DEPLOY_PASSWORD", Public: true},
		runner.Variable{Key: "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE", Value: "glcd-executor", Public: true},
		runner.Variable{Key: "KUBERNETES_HELPER_MEMORY_LIMIT", Value: "1Gi", Public: true},
	)
	res, err := rn.Run(ctxFor(t, time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "prepare" || res.Call("prepare").Code != runner.BuildFailureCode || res.PrepareTries != 1 {
		t.Fatalf("want one build failure in prepare:\n%s", out)
	}
	for _, want := range []string{
		`KUBERNETES_NODE_SELECTOR_ARCH="kubernetes.io/arch=s390x" is not allowed by this runner: the value must match nodeSelectorOverwriteAllowed "kubernetes\\.io/arch=(amd64|arm64)"`,
		`KUBERNETES_NODE_TOLERATIONS_ALL="" is not allowed by this runner: the value must match nodeTolerationsOverwriteAllowed`,
		`KUBERNETES_POD_LABELS_NONCE="glcd.gitlab.com/nonce=stolen" is not allowed`,
		`KUBERNETES_POD_ANNOTATIONS_PW refers to DEPLOY_PASSWORD`,
		`KUBERNETES_SERVICE_ACCOUNT_OVERWRITE="glcd-executor" is not allowed by this runner: the value must match serviceAccountOverwriteAllowed "ci-(deploy|gpu)"`,
		`KUBERNETES_HELPER_MEMORY_LIMIT=1Gi is above this runner's maximum 512Mi (helperResources.max.memory)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	pods, err := tb.Client.CoreV1().Pods(ns).List(ctxFor(t, time.Minute), metav1.ListOptions{})
	must(t, err)
	if len(pods.Items) != 0 {
		t.Errorf("a pod was created for a refused job: %s", pods.Items[0].Name)
	}
	checkJob(t, ns, &j, res)
}

// An allowed node selector reaches the scheduler: no node of the test bed is arm64, so the
// pod stays pending with the scheduler's reason.
func TestAllowedNodeSelectorReachesTheScheduler(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, overrideSettings...)
	must(t, os.WriteFile(rn.Settings, []byte(strings.Replace(mustRead(t, rn.Settings), "podStartTimeout: 60s", "podStartTimeout: 4s", 1)), 0o644))
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never runs`))
	j.Vars = append(j.Vars, runner.Variable{Key: "KUBERNETES_NODE_SELECTOR_ARCH", Value: "kubernetes.io/arch=arm64", Public: true})
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "prepare" || res.Call("prepare").Code != runner.SystemFailureCode {
		t.Fatalf("want a system failure in prepare:\n%s", out)
	}
	for _, want := range []string{"Unschedulable", "didn't match Pod's node affinity/selector"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	checkJob(t, ns, &j, res)
}
