package rollout_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/clitest"
)

var tb *testbed.Cluster

func TestMain(m *testing.M) {
	code := testbed.Main(m, &tb, testbed.ImportAppImages)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

const jobToken = "glcbt-64_JobTokenNeverPrinted"

// glcd runs the CLI in-process against the test bed and returns stdout, stderr and the exit code.
func glcd(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	return glcdNoKubeconfig(t, append([]string{"KUBECONFIG=" + tb.Kubeconfig}, env...), args...)
}

// glcdNoKubeconfig is glcd with only the given cluster variables.
func glcdNoKubeconfig(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	environ := append([]string{"CI_JOB_TOKEN=" + jobToken,
		"CI_JOB_URL=https://gitlab.example.com/g/app-infra/-/jobs/42", "CI_COMMIT_SHA=" + strings.Repeat("c0ffee", 6) + "ab"}, env...)
	return clitest.Run(t, environ, []string{jobToken}, args...)
}

var (
	wantCode = clitest.WantCode
	wantIn   = clitest.WantIn
	ctxT     = clitest.Ctx
)

func labels(name string) map[string]string { return map[string]string{"app": name} }

func podSpec(image string, mutate ...func(*corev1.PodSpec)) corev1.PodTemplateSpec {
	zero := int64(0)
	spec := corev1.PodSpec{
		TerminationGracePeriodSeconds: &zero,
		Containers:                    []corev1.Container{{Name: "web", Image: image, ImagePullPolicy: corev1.PullIfNotPresent}},
	}
	for _, m := range mutate {
		m(&spec)
	}
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels("web")}, Spec: spec}
}

// deployment creates Deployment "web" and waits until its first rollout is complete
// (unless wait is false), so that each test starts from a healthy revision 1.
func deployment(t *testing.T, ns string, replicas int32, wait bool, tmpl corev1.PodTemplateSpec, mutate ...func(*appsv1.Deployment)) {
	t.Helper()
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels("web")}, Template: tmpl},
	}
	for _, m := range mutate {
		m(d)
	}
	ctx := ctxT(t)
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if wait {
		if out, err := tb.Kubectl(ctx, "-n", ns, "rollout", "status", "deployment/web", "--timeout=90s"); err != nil {
			t.Fatalf("initial rollout: %v\n%s", err, out)
		}
	}
}

func deployedImage(t *testing.T, ns string) string {
	t.Helper()
	return clitest.DeployedImage(t, tb.Client, ns, "web")
}

// readyProbe is a readiness probe that passes once the container has run for a second, as a
// web app's would once it listens: a container that crashes at start never becomes ready.
func readyProbe(s *corev1.PodSpec) {
	for i := range s.Containers {
		s.Containers[i].ReadinessProbe = &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
			InitialDelaySeconds: 1, PeriodSeconds: 1, TimeoutSeconds: 10, // runc exec of true can take seconds on a loaded node
		}
	}
}

func nsArg(ns string) string { return fmt.Sprintf("--namespace=%s", ns) }

var (
	buildOnce sync.Once
	glcdPath  string
	binDir    string
	buildErr  error
)

// buildGLCD builds the glcd binary once per test binary, as the Makefile does.
func buildGLCD(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "glcd-bin"); buildErr != nil {
			return
		}
		glcdPath, buildErr = testbed.BuildGLCD(context.Background(), binDir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return glcdPath
}

// patchDeployment changes deployment/web's template with a strategic merge patch, as a commit
// to the infra repo would, before the rollout under test.
func patchDeployment(t *testing.T, ns, patch string) {
	t.Helper()
	if out, err := tb.Kubectl(ctxT(t), "-n", ns, "patch", "deployment/web", "--type=strategic", "-p", patch); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}
