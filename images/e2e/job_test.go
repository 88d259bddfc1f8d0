package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// deployment creates Deployment "web" (container "app", testbed.local/app:1) and waits for it.
func deployment(t *testing.T, ns string) {
	t.Helper()
	ctx := ctxT(t, 2*time.Minute)
	replicas, zero := int32(1), int64(0)
	lbl := map[string]string{"app": "web"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbl},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}, Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &zero,
			Containers:                    []corev1.Container{{Name: "app", Image: "testbed.local/app:1", ImagePullPolicy: corev1.PullIfNotPresent}},
		}},
	}}
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		d, err := tb.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 1 && d.Status.ObservedGeneration == d.Generation, nil
	})
	if err != nil {
		t.Fatalf("deployment web not available: %v", err)
	}
}

// deployer is the service account of the job pod, with a Role allowing only what `glcd
// rollout` and `kubectl get deploy` need in the namespace.
func deployer(t *testing.T, ns string) {
	t.Helper()
	ctx := ctxT(t, time.Minute)
	read := []string{"get", "list", "watch"}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "glcd-rollout"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: append(read, "patch")},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list"}},
	}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: ns}}}
	if _, err := tb.Client.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Client.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// jobScript is a `script:` block as GitLab's Kubernetes executor runs it: one shell, the lines
// in order, stopping at the first failure; the second rollout is expected to fail, and the
// job records its exit code.
const jobScript = `set -e
echo "job as $(id -u) in $(pwd), KUBECONFIG=${KUBECONFIG:-unset}"
glcd version
glcd --debug rollout deployment/web --image testbed.local/app:2 --container app --timeout 2m
kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}'
set +e
glcd rollout deployment/web --image ` + testbed.Registry + `/app:9.9.9 --container app --timeout 2m
echo "missing image: exit $?"
kubectl get deploy
if kubectl get secrets >/dev/null 2>&1; then echo "RBAC too wide"; exit 1; fi
echo job done
`

// The image as a GitLab CI job on Kubernetes: a pod whose container command is a shell running
// the script, with no kubeconfig, only the pod's service account token and RBAC for rollouts.
// glcd and kubectl find the cluster in-cluster.
func TestCIJobPod(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns)
	deployer(t, ns)
	ctx := ctxT(t, 5*time.Minute)
	zero := int64(0)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "runner-job-42"}, Spec: corev1.PodSpec{
		ServiceAccountName: "deployer", RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: &zero,
		Containers: []corev1.Container{{
			Name: "build", Image: imageRef, ImagePullPolicy: corev1.PullNever,
			Command: []string{"sh", "-c", jobScript},
			Env: []corev1.EnvVar{
				// The test bed runs no kube-proxy, so the kubernetes Service's cluster IP does not
				// route; point the in-cluster variables at the API server itself (the node IP).
				{Name: "KUBERNETES_SERVICE_HOST", Value: tb.NodeIP}, {Name: "KUBERNETES_SERVICE_PORT", Value: "6443"},
				// What GitLab sets for a job with environment:kubernetes:namespace.
				{Name: "KUBE_NAMESPACE", Value: ns}, {Name: "CI", Value: "true"},
				{Name: "CI_JOB_URL", Value: "https://gitlab.example.com/g/infra/-/jobs/42"},
			},
		}},
	}}
	if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var phase corev1.PodPhase
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		p, err := tb.Client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		phase = p.Status.Phase
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed, nil
	})
	logs, _ := tb.Client.CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{}).DoRaw(context.Background())
	t.Logf("job log:\n%s", logs)
	if err != nil || phase != corev1.PodSucceeded {
		t.Fatalf("job pod %s (%v)", phase, err)
	}
	for _, want := range []string{
		"job as 1000 in /home/glcd, KUBECONFIG=unset",
		"glcd " + version,
		"in-cluster service account",
		"rolled out testbed.local/app:2",
		"\ntestbed.local/app:2\n",
		"ImageNotFound",
		testbed.Registry + "/app:9.9.9: not found",
		"missing image: exit 1",
		"web    1/1",
		"job done",
	} {
		if !strings.Contains(string(logs), want) {
			t.Errorf("job log lacks %q", want)
		}
	}
	d, err := tb.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != testbed.Registry+"/app:9.9.9" {
		t.Errorf("deployment image %s", img)
	}
}

// The debugging path of the README: `docker run` the image on a workstation with a kubeconfig
// mounted, host network, against the test bed's API server.
func TestLocalDebugRun(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns)
	ctx := ctxT(t, 3*time.Minute)
	// A self-contained kubeconfig (certificates embedded), readable by the image's user, as a
	// developer's ~/.kube/config is.
	raw, err := clientcmd.LoadFromFile(tb.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := clientcmdapi.FlattenConfig(raw); err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*raw, kc); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := pm.Run(ctx, images.RunOptions{Image: imageRef, Network: images.NetworkHost,
		Env: []string{"KUBECONFIG=/kube/config"}, Volumes: []string{kc + ":/kube/config:ro"},
		Cmd: []string{"glcd", "rollout", "deployment/web", "-n", ns, "--image", "testbed.local/app:2", "--container", "app", "--output", "json"}})
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	var res struct{ Status, Image string }
	if err := json.Unmarshal(out, &res); err != nil || res.Status != "success" || res.Image != "testbed.local/app:2" {
		t.Errorf("result %+v (%v)\nstdout:\n%s\nstderr:\n%s", res, err, out, stderr)
	}
	out, stderr, err = pm.Run(ctx, images.RunOptions{Image: imageRef, Network: images.NetworkHost,
		Env: []string{"KUBECONFIG=/kube/config"}, Volumes: []string{kc + ":/kube/config:ro"},
		Cmd: []string{"kubectl", "-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"}})
	if err != nil || string(out) != "testbed.local/app:2" {
		t.Fatalf("kubectl get deploy: %v\n%s\n%s", err, out, stderr)
	}
}
