package setup_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/setup"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// pullSecret makes a docker-registry Secret for the test bed's authenticated registry.
func pullSecret(t *testing.T, ns, name, password string) *corev1.Secret {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	auth := base64.StdEncoding.EncodeToString([]byte("testbed:" + password))
	s, err := tb.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name},
		Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths":{"localhost:5001":{"auth":%q}}}`, auth)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRobotAppliesOnceAndWorks applies the robot twice (the second run changes nothing and
// says so), then acts as it: glcd rollout succeeds and fails fast, and glcd doctor finds
// every permission of rollout granted. Its Role is exactly rollout's list, which
// internal/access's tests prove needed grant by grant.
func TestRobotAppliesOnceAndWorks(t *testing.T) {
	src := tb.Namespace(t)
	const password = "registry-pass-0123456789-never-shown"
	ps := pullSecret(t, src, "regcred", password)
	ns := src + "-robot"
	args := []string{"setup", "robot", "--namespace", ns, "--pull-secret", src + "/regcred", "--apply"}

	out, code := admin(t, args...)
	want := []string{
		"namespace/" + ns + " created",
		"secret/regcred in " + ns + " created",
		"serviceaccount/build-robot in " + ns + " created",
		"secret/build-robot-token in " + ns + " created",
		"role/build-robot in " + ns + " created",
		"rolebinding/build-robot in " + ns + " created",
		"6 of 6 objects created or changed",
	}
	for _, w := range want {
		if code != 0 || !strings.Contains(out, w) {
			t.Fatalf("first run: exit %d, want %q:\n%s", code, w, out)
		}
	}
	noLeak(t, out, password, base64.StdEncoding.EncodeToString(ps.Data[corev1.DockerConfigJsonKey]))

	out, code = admin(t, args...)
	if code != 0 || strings.Count(out, " unchanged\n") != 6 || !strings.Contains(out, "nothing changed") || strings.Contains(out, " created") {
		t.Fatalf("second run: exit %d, want 6 unchanged and nothing changed:\n%s", code, out)
	}
	out, code = admin(t, append(args, "-o", "json")...)
	var res struct {
		Objects []setup.Change `json:"objects"`
		Changed int            `json:"changed"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Changed != 0 || len(res.Objects) != 6 || res.Objects[2].Result != setup.Unchanged {
		t.Fatalf("third run, json: exit %d, %v:\n%s", code, err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	role, err := tb.Client.RbacV1().Roles(ns).Get(ctx, "build-robot", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(role.Rules, access.PolicyRules(access.For(access.Rollout))) {
		t.Fatalf("Role rules are not exactly rollout's list:\n%+v", role.Rules)
	}
	sa, err := tb.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "build-robot", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken ||
		len(sa.ImagePullSecrets) != 1 || sa.ImagePullSecrets[0].Name != "regcred" {
		t.Fatalf("ServiceAccount: automount %v, imagePullSecrets %v", sa.AutomountServiceAccountToken, sa.ImagePullSecrets)
	}
	copied, err := tb.Client.CoreV1().Secrets(ns).Get(ctx, "regcred", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if copied.Type != corev1.SecretTypeDockerConfigJson || !reflect.DeepEqual(copied.Data, ps.Data) {
		t.Fatalf("pull secret copy: type %s, data differs: %v", copied.Type, !reflect.DeepEqual(copied.Data, ps.Data))
	}
	tok, err := setup.WaitToken(ctx, tb.Client, ns, "build-robot-token")
	if err != nil {
		t.Fatal(err)
	}
	token := string(tok.Data[corev1.ServiceAccountTokenKey])
	noLeak(t, out, token)

	deployment(t, ns, "testbed.local/app:1")
	out, code = asRobot(t, ns, token, "rollout", "deployment/web", "--image", "testbed.local/app:2", "--timeout", "90s")
	if code != 0 || !strings.Contains(out, "deployment/web rolled out testbed.local/app:2") {
		t.Fatalf("rollout as the robot: exit %d:\n%s", code, out)
	}
	start := time.Now()
	out, code = asRobot(t, ns, token, "rollout", "deployment/web", "--image", "testbed.local/app:crash", "--fail-after", "1s", "--undo-on-failure", "--timeout", "90s")
	if code != 1 || !strings.Contains(out, "boom: cannot open database") || !strings.Contains(out, "undo: deployment/web rolled out") || strings.Contains(out, "forbidden") {
		t.Fatalf("failing rollout as the robot: exit %d, want 1 with the log line and the undo:\n%s", code, out)
	}
	t.Logf("failing rollout reported and undone in %v", time.Since(start).Round(time.Millisecond))
	noLeak(t, out, token)

	out, code = asRobot(t, ns, token, "doctor", "--for", "rollout", "--workload", "deployment/web")
	// a rollout of a Deployment needs its kind's permissions only: the robot's are a superset
	wantOK := fmt.Sprintf("rollout of deployment/web: all %d permissions granted in namespace %s", len(access.Grants(access.ForWorkload(access.Rollout, "deployments"))), ns)
	if code != 0 || strings.Contains(out, "✗") || !strings.Contains(out, wantOK) {
		t.Fatalf("doctor as the robot: exit %d, want no ✗ and %q:\n%s", code, wantOK, out)
	}
	noLeak(t, out, token)
}

func TestRobotPrintsExactlyTheChosenGrants(t *testing.T) {
	out, code := glcdRun(t, nil, "setup", "robot", "--namespace", "shop", "--for", "rollout,apply")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, w := range []string{"kind: Namespace", "automountServiceAccountToken: false", "type: kubernetes.io/service-account-token",
		"kind: Role\n", "kind: RoleBinding", "apply needs more than rollout", "TokenRequest", "GitLab agent"} {
		if !strings.Contains(out, w) {
			t.Errorf("want %q in:\n%s", w, out)
		}
	}
	rb := setup.Robot{Namespace: "shop", Name: "build-robot", For: []access.Command{access.Rollout, access.Apply}}
	if got, want := len(rb.Rules()), len(access.For(access.Apply)); got != want {
		t.Errorf("rollout+apply: %d rules, want apply's %d (apply includes rollout)", got, want)
	}

	out, code = glcdRun(t, nil, "setup", "robot", "--namespace", "Bad_NS", "--for", "rollout,deploy", "--pull-secret", "nope")
	for _, w := range []string{`--namespace "Bad_NS"`, `unknown command "deploy"`, `--pull-secret "nope"`} {
		if code != 2 || !strings.Contains(out, w) {
			t.Errorf("exit %d, want 2 and %q:\n%s", code, w, out)
		}
	}
}

// BenchmarkSetupRobotApply is `glcd setup robot --apply` as an admin runs it: the built binary
// creating a robot in a fresh namespace (ns/op), then the same command again, which changes
// nothing (again-ns/op).
func BenchmarkSetupRobotApply(b *testing.B) {
	var again time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		n++
		ns := fmt.Sprintf("bench-robot-%d-%d", time.Now().UnixNano()%100000, i)
		args := []string{"setup", "robot", "--namespace", ns, "--for", "rollout,apply", "--apply"}
		if out, code := admin(b, args...); code != 0 {
			b.Fatalf("exit %d:\n%s", code, out)
		}
		b.StopTimer()
		t := time.Now()
		if out, code := admin(b, args...); code != 0 || !strings.Contains(out, "nothing changed") {
			b.Fatalf("again: exit %d:\n%s", code, out)
		}
		again += time.Since(t)
		b.StartTimer()
	}
	b.ReportMetric(float64(again.Nanoseconds())/float64(n), "again-ns/op")
}

// TestApplyRobotApplies: a robot made --for apply applies a manifest (a ConfigMap and a
// Deployment) and rolls it out, as itself.
func TestApplyRobotApplies(t *testing.T) {
	ns := tb.Namespace(t) + "-apply"
	if out, code := admin(t, "setup", "robot", "--namespace", ns, "--for", "apply", "--apply"); code != 0 {
		t.Fatalf("setup robot: exit %d:\n%s", code, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := setup.WaitToken(ctx, tb.Client, ns, "build-robot-token")
	if err != nil {
		t.Fatal(err)
	}
	token := string(s.Data[corev1.ServiceAccountTokenKey])
	manifest := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(manifest, []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: web
          image: testbed.local/app:1
          readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1, timeoutSeconds: 10}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := asRobot(t, ns, token, "apply", "-f", manifest, "--timeout", "90s")
	noLeak(t, out, token)
	if code != 0 || strings.Contains(out, "forbidden") || !strings.Contains(out, "configmap/web-config created") {
		t.Fatalf("apply as the robot: exit %d:\n%s", code, out)
	}
	if _, err := tb.Client.CoreV1().ConfigMaps(ns).Get(ctx, "web-config", metav1.GetOptions{}); err != nil {
		t.Fatalf("the ConfigMap was not applied: %v", err)
	}
}

// TestPullSecretLetsTheRobotsPodsPull: the copied pull secret authenticates at the test bed's
// registry for pods of the robot's ServiceAccount (the registry then says "not found" for a
// missing image), where a pod of the namespace's default ServiceAccount gets 401.
func TestPullSecretLetsTheRobotsPodsPull(t *testing.T) {
	src := tb.Namespace(t)
	pullSecret(t, src, "regcred", testbed.RegistryPassword)
	ns := src + "-pull"
	out, code := admin(t, "setup", "robot", "--namespace", ns, "--pull-secret", src+"/regcred", "--apply")
	noLeak(t, out, testbed.RegistryPassword)
	if code != 0 {
		t.Fatalf("setup robot: exit %d:\n%s", code, out)
	}
	image := testbed.RegistryAuth + "/private/absent:1"
	for _, c := range []struct{ sa, want, not string }{
		{"build-robot", "not found", "401"},
		{"default", "401 Unauthorized", "not found"},
	} {
		msg := pullFailure(t, ns, c.sa, image)
		if !strings.Contains(msg, c.want) || strings.Contains(msg, c.not) {
			t.Errorf("pod of ServiceAccount %s: pull failure %q, want %q", c.sa, msg, c.want)
		}
	}
}

// pullFailure runs a pod of ServiceAccount sa with image and returns the kubelet's pull error.
func pullFailure(t *testing.T, ns, sa, image string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pods := tb.Client.CoreV1().Pods(ns)
	name := "pull-" + sa
	if sa == "default" {
		// the namespace's default ServiceAccount appears shortly after the namespace
		w, err := tb.Client.CoreV1().ServiceAccounts(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=default"})
		if err != nil {
			t.Fatal(err)
		}
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added {
				break
			}
		}
		w.Stop()
	}
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
		ServiceAccountName: sa, Containers: []corev1.Container{{Name: "c", Image: image}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if !ok || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			continue
		}
		if s := p.Status.ContainerStatuses[0].State.Waiting; s.Reason == "ErrImagePull" || s.Reason == "ImagePullBackOff" {
			return s.Message
		}
	}
	t.Fatalf("pod %s: no pull failure within a minute", name)
	return ""
}
