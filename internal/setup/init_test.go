package setup_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/setup"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// The scaffolded infra repo works as a first deploy does: glcd init infra writes the manifest
// and pipeline, the robot created for the pipeline's commands passes glcd doctor (the
// pipeline linted too), applies the manifest (the readiness probe really answered), rolls out
// the next release, and writeback finds the manifest's image.
func TestInitInfraDeploysAsTheRobot(t *testing.T) {
	ns := tb.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	importWeb(t)

	dir := filepath.Join(t.TempDir(), ns+"-infra")
	out, code := glcdRun(t, nil, "init", "infra", dir, "--image", "testbed.local/initapp:1.0.0")
	if code != 0 || !strings.Contains(out, "wrote kubernetes/"+ns+".yaml") {
		t.Fatalf("init infra: exit %d:\n%s", code, out)
	}
	out, code = admin(t, "setup", "robot", "--namespace", ns, "--for", "rollout,writeback,apply", "--apply")
	if code != 0 {
		t.Fatalf("setup robot: exit %d:\n%s", code, out)
	}
	tok, err := setup.WaitToken(ctx, tb.Client, ns, "build-robot-token")
	if err != nil {
		t.Fatal(err)
	}
	token := string(tok.Data[corev1.ServiceAccountTokenKey])

	// the apply job (PROJECT_NAME is the pipeline's variable): glcd doctor --for apply (the
	// Deployment is not there yet), then apply
	out, code = glcdRun(t, append(robotEnv(t, ns, token), "PROJECT_NAME="+ns), "doctor", "--for", "apply", "--ci-file", filepath.Join(dir, ".gitlab-ci.yml"))
	// the pipeline includes glcd's deploy and apply components: the binary reads its own copy
	if code != 0 || strings.Contains(out, "✗") || !strings.Contains(out, "2 components resolved); nothing wrong found") || !strings.Contains(out, "not in namespace "+ns+" yet") {
		t.Fatalf("doctor --for apply as the robot: exit %d:\n%s", code, out)
	}
	out, code = asRobot(t, ns, token, "apply", "-f", filepath.Join(dir, "kubernetes"), "--timeout", "2m")
	if code != 0 {
		t.Fatalf("apply of the scaffolded manifest as the robot: exit %d:\n%s", code, out)
	}
	d, err := tb.Client.AppsV1().Deployments(ns).Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status.ReadyReplicas != 2 || d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Fatalf("after apply: %d ready replicas (want 2), probe %+v", d.Status.ReadyReplicas, d.Spec.Template.Spec.Containers[0].ReadinessProbe)
	}
	if _, err := tb.Client.CoreV1().Services(ns).Get(ctx, ns, metav1.GetOptions{}); err != nil {
		t.Fatalf("the Service: %v", err)
	}

	// the deploy job: the app's trigger passes the old scripts' contract
	deploy := []string{"PROJECT_NAME=" + ns, "POD_NAME=" + ns + "-web", "IMAGE_NAME=testbed.local/initapp", "TARGET_IMAGE_VERSION=1.1.0", "CI_ENVIRONMENT_NAME=production"}
	out, code = glcdRun(t, append(robotEnv(t, ns, token), deploy...), "rollout", "--undo-on-failure", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("rollout as the robot: exit %d:\n%s", code, out)
	}
	if d, err = tb.Client.AppsV1().Deployments(ns).Get(ctx, ns, metav1.GetOptions{}); err != nil || d.Spec.Template.Spec.Containers[0].Image != "testbed.local/initapp:1.1.0" || d.Status.ReadyReplicas != 2 {
		t.Fatalf("after rollout: %v, image %s, %d ready", err, d.Spec.Template.Spec.Containers[0].Image, d.Status.ReadyReplicas)
	}

	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, b)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-qm", "scaffold")
	out, code = glcdRun(t, append(deploy, "CI_PROJECT_DIR="+dir), "writeback", "--dry-run")
	if code != 0 || !strings.Contains(out, "-          image: testbed.local/initapp:1.0.0") || !strings.Contains(out, "+          image: testbed.local/initapp:1.1.0") {
		t.Fatalf("writeback --dry-run on the scaffold: exit %d:\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "kubernetes", ns+".yaml")); err != nil || !strings.Contains(string(b), "image: testbed.local/initapp:1.0.0\n") {
		t.Fatalf("dry run changed the manifest: %v", err)
	}
	noLeak(t, out, token)
}

// importWeb imports testbed.local/initapp:1.0.0 and :1.1.0: an app serving the scaffold's
// readiness probe, /healthz on :8080, as Dockerfile.builder's app does.
func importWeb(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tb.ImportBusyboxImages(ctx, map[string][]string{"testbed.local/initapp:1.0.0": testbed.WebApp("1.0.0"), "testbed.local/initapp:1.1.0": testbed.WebApp("1.1.0")}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkFirstDeployFromScaffold: from an empty infra repo to the first deploy rolled out as
// a least-privilege robot, by the built binary: glcd init infra, setup robot --apply, setup
// gitlab-vars (proven values in a file), then as the robot doctor --for apply and apply (2
// replicas ready). The write-up spent a day on these steps.
func BenchmarkFirstDeployFromScaffold(b *testing.B) {
	importWeb(b)
	steps := map[string]time.Duration{}
	n := 0
	for i := 0; b.Loop(); i++ {
		n++
		ns := fmt.Sprintf("bench-first-%d-%d", time.Now().UnixNano()%100000, i)
		dir := filepath.Join(b.TempDir(), ns+"-infra")
		step := func(name string, env []string, args ...string) {
			start := time.Now()
			if out, code := glcdRun(b, env, args...); code != 0 {
				b.Fatalf("%s: exit %d:\n%s", name, code, out)
			}
			steps[name] += time.Since(start)
		}
		admin := []string{"KUBECONFIG=" + tb.Kubeconfig}
		step("init-ns", nil, "init", "infra", dir, "--image", "testbed.local/initapp:1.0.0")
		step("robot-ns", admin, "setup", "robot", "--namespace", ns, "--for", "rollout,writeback,apply", "--apply")
		vars := filepath.Join(dir, "robot.env")
		step("vars-ns", admin, "setup", "gitlab-vars", "--namespace", ns, "--out", vars)
		env := append(sourceEnv(b, vars), "PROJECT_NAME="+ns)
		step("doctor-ns", env, "doctor", "--for", "apply", "--ci-file", filepath.Join(dir, ".gitlab-ci.yml"))
		step("apply-ns", env, "apply", "-f", filepath.Join(dir, "kubernetes"), "--timeout", "2m")
		b.StopTimer()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = tb.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		cancel()
		b.StartTimer()
	}
	for name, d := range steps {
		b.ReportMetric(float64(d.Nanoseconds())/float64(n), name+"/op")
	}
}

// sourceEnv reads the KEY=value lines of a file setup gitlab-vars wrote (values may span
// lines: KUBE_CA_PEM is written quoted).
func sourceEnv(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command("bash", "-c", `set -a; . "$1"; env -0`, "bash", path).Output()
	if err != nil {
		t.Fatalf("source %s: %v", path, err)
	}
	var env []string
	for _, kv := range strings.Split(string(out), "\x00") {
		if strings.HasPrefix(kv, "KUBE_") {
			env = append(env, kv)
		}
	}
	return env
}
