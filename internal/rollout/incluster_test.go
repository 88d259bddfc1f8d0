package rollout_test

import (
	"context"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"gitlab.com/glcd/glcd/internal/testbed"
)

// In a pod, with no kubeconfig and no namespace given, glcd uses the pod's service account
// and the pod's own namespace, as kubectl does: `glcd rollout deployment/web` in a pod of
// namespace NS rolls out NS's web.
func TestInClusterRolloutUsesThePodsNamespace(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}
	if _, err := tb.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: ns}}}
	if _, err := tb.Client.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	files, err := testbed.BusyboxFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, testbed.ImageFile{Path: "bin/glcd", Mode: 0o755, FromHost: buildGLCD(t)})
	im := testbed.Image{Ref: "testbed.local/glcd-incluster:1", Files: files, Config: testbed.ImageConfig{Env: []string{"PATH=/bin"}}}
	archive := t.TempDir() + "/image.tar"
	if err := im.WriteArchive(archive); err != nil {
		t.Fatal(err)
	}
	if err := tb.ImportImage(ctx, archive); err != nil {
		t.Fatal(err)
	}
	zero := int64(0)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "deploy-job"}, Spec: corev1.PodSpec{
		ServiceAccountName: "deployer", RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: &zero,
		Containers: []corev1.Container{{Name: "job", Image: im.Ref, ImagePullPolicy: corev1.PullIfNotPresent,
			Command: []string{"sh", "-c", "env | grep -q KUBECONFIG && exit 99; glcd rollout deployment/web --image testbed.local/app:2 --timeout 90s"},
			// the test bed runs no kube-proxy: the API server's address as a pod of a real cluster gets it
			Env: []corev1.EnvVar{{Name: "KUBERNETES_SERVICE_HOST", Value: tb.NodeIP}, {Name: "KUBERNETES_SERVICE_PORT", Value: "6443"}},
		}}}}
	if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var done *corev1.Pod
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := tb.Client.CoreV1().Pods(ns).Get(ctx, "deploy-job", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		done = p
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed, nil
	})
	logs := podLog(t, ns, "deploy-job")
	if err != nil || done.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("the job pod did not succeed (%v, phase %s):\n%s", err, done.Status.Phase, logs)
	}
	wantIn(t, logs, "glcd rollout deployment/web in namespace "+ns)
	if got := deployedImage(t, ns); got != "testbed.local/app:2" {
		t.Errorf("deployment/web has image %s, want testbed.local/app:2", got)
	}
}

func podLog(t *testing.T, ns, pod string) string {
	t.Helper()
	rc, err := tb.Client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{}).Stream(ctxT(t))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}
