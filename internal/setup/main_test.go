package setup_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/testbed"
)

var (
	tb   *testbed.Cluster
	glcd string
)

func TestMain(m *testing.M) {
	os.Exit(testbed.MainWithGLCD(m, &tb, &glcd, testbed.ImportAppImages))
}

// glcdRun runs the built glcd with exactly env (plus PATH and HOME) and returns its raw
// combined output and exit code.
func glcdRun(t testing.TB, env []string, args ...string) (string, int) {
	t.Helper()
	return runWith(t, glcd, env, args...)
}

// runWith runs prog with exactly env plus PATH and HOME.
func runWith(t testing.TB, prog string, env []string, args ...string) (string, int) {
	t.Helper()
	tb.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append([]string{"PATH=" + tb.BinDir + ":/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// admin runs glcd with the test bed's admin kubeconfig.
func admin(t testing.TB, args ...string) (string, int) {
	t.Helper()
	return glcdRun(t, []string{"KUBECONFIG=" + tb.Kubeconfig}, args...)
}

// asRobot runs glcd with the certificate-integration variables of a robot's token.
func asRobot(t *testing.T, ns, token string, args ...string) (string, int) {
	t.Helper()
	return glcdRun(t, robotEnv(t, ns, token), args...)
}

// robotEnv are the certificate-integration variables of a robot's token.
func robotEnv(t *testing.T, ns, token string) []string {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(tb.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	return []string{"KUBE_URL=https://" + net.JoinHostPort(tb.NodeIP, "6443"), "KUBE_TOKEN=" + token,
		"KUBE_CA_PEM=" + string(ca), "KUBE_NAMESPACE=" + ns}
}

// deployment creates deployment/web with one pod running image and waits until it is rolled out.
func deployment(t *testing.T, ns, image string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	one := int32(1)
	zero := int64(0)
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}, Spec: appsv1.DeploymentSpec{
		Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &zero,
			Containers: []corev1.Container{{Name: "web", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, InitialDelaySeconds: 1, PeriodSeconds: 1}}}}}}}
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, err := tb.Kubectl(ctx, "-n", ns, "rollout", "status", "deployment/web", "--timeout=90s"); err != nil {
		t.Fatalf("initial rollout: %v\n%s", err, out)
	}
}

// noLeak fails when out holds any of the secrets.
func noLeak(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Fatalf("a secret leaked into the output:\n%s", out)
		}
	}
}
