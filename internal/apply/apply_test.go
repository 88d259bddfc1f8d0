package apply_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"gitlab.com/glcd/glcd/internal/apply"
	"gitlab.com/glcd/glcd/internal/rollout"
	"gitlab.com/glcd/glcd/internal/testbed"
)

const stack = `# the infra repo's kubernetes/jobboard.yaml: workloads first on purpose, the namespace last
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: NS
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: web
          image: testbed.local/app:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: NS
spec:
  replicas: 1
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: worker
          image: WORKER_IMAGE
          readinessProbe: {exec: {command: ["true"]}, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 10}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: NS
data:
  LOG_LEVEL: info
---
apiVersion: v1
kind: Namespace
metadata:
  name: NS
`

func writeStack(t *testing.T, ns, workerImage, logLevel string) string {
	t.Helper()
	s := strings.ReplaceAll(stack, "NS", ns)
	s = strings.ReplaceAll(s, "WORKER_IMAGE", workerImage)
	s = strings.ReplaceAll(s, "LOG_LEVEL: info", "LOG_LEVEL: "+logLevel)
	dir := t.TempDir()
	p := filepath.Join(dir, "jobboard.yaml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyMultiDocumentStack(t *testing.T) {
	tb.Need(t)
	ns := "apply-stack"
	t.Cleanup(func() { _ = tb.Client.CoreV1().Namespaces().Delete(ctxT(t), ns, metav1.DeleteOptions{}) })
	file := writeStack(t, ns, "testbed.local/app:1", "info")

	out, errOut, code := glcd(t, nil, "apply", "-f", file, "-o", "json")
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "namespace/"+ns+" created", ns+" configmap/settings created", ns+" deployment/web created",
		ns+" deployment/worker created", "applied 4 objects: 4 created, 0 configured, 0 unchanged",
		"deployment/web rolled out", "deployment/worker rolled out")
	if strings.Index(errOut, "namespace/"+ns+" created") > strings.Index(errOut, "deployment/web created") {
		t.Error("the namespace must be applied before the workloads in it")
	}
	var res apply.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != rollout.StatusSuccess || len(res.Rollouts) != 2 || len(res.Objects) != 4 {
		t.Fatalf("result %+v", res)
	}
	d, err := tb.Client.AppsV1().Deployments(ns).Get(ctxT(t), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	managed := false
	for _, mf := range d.ManagedFields {
		if mf.Manager == apply.FieldManager && mf.Operation == metav1.ManagedFieldsOperationApply {
			managed = true
		}
	}
	if !managed {
		t.Fatalf("deployment/web is not server-side applied by %s: %+v", apply.FieldManager, d.ManagedFields)
	}

	// the same file again changes nothing
	_, errOut, code = glcd(t, nil, "apply", "-f", file)
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "applied 4 objects: 0 created, 0 configured, 4 unchanged")

	// a server dry run of a change shows it and changes nothing
	changed := writeStack(t, ns, "testbed.local/app:1", "debug")
	_, errOut, code = glcd(t, nil, "apply", "-f", changed, "--dry-run=server")
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, ns+" configmap/settings configured (server dry run)", "-  LOG_LEVEL: info", "+  LOG_LEVEL: debug",
		"1 configured, 3 unchanged (server dry run: nothing changed)")
	cm, err := tb.Client.CoreV1().ConfigMaps(ns).Get(ctxT(t), "settings", metav1.GetOptions{})
	if err != nil || cm.Data["LOG_LEVEL"] != "info" {
		t.Fatalf("a dry run changed the ConfigMap: %v %v", err, cm.Data)
	}

	// a broken workload in the stack fails the apply with its reason
	broken := writeStack(t, ns, "testbed.local/app:crash", "info")
	_, errOut, code = glcd(t, nil, "apply", "-f", broken)
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, ns+" deployment/worker configured", "deployment/worker FAILED", "CrashLoopBackOff (exit code 3", "apply: a rollout failed")
}

// glcd apply --dry-run=server shows that a Secret's value changes, never the value (as
// kubectl diff): the built binary's raw output (text and JSON) holds neither the old nor the
// new value, in clear or in base64, nor the last-applied annotation that carries them.
func TestApplyDryRunNeverShowsSecretValues(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	old, next := "old-s3cret-db-pass", "new-s3cret-db-pass"
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Annotations: map[string]string{
		"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"v1","kind":"Secret","stringData":{"password":"` + old + `"}}`}},
		Data: map[string][]byte{"password": []byte(old), "user": []byte("jobboard")}}
	if _, err := tb.Client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "db.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: "+next+", user: jobboard}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json"} {
		cmd := exec.CommandContext(ctx, testbed.GLCD(t), "apply", "--dry-run=server", "--namespace", ns, "-f", manifest, "-o", format)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + tb.Kubeconfig}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("glcd apply: %v\n%s", err, stderr.String())
		}
		raw := stdout.String() + stderr.String()
		for _, v := range []string{old, next, base64.StdEncoding.EncodeToString([]byte(old)), base64.StdEncoding.EncodeToString([]byte(next))} {
			if strings.Contains(raw, v) {
				t.Errorf("%s: the output holds %q:\n%s", format, v, raw)
			}
		}
		for _, want := range []string{"*** (before)", "*** (after)", "configured"} {
			if !strings.Contains(raw, want) {
				t.Errorf("%s: the output lacks %q:\n%s", format, want, raw)
			}
		}
	}
}

// glcd apply does not silently take fields another field manager owns (an autoscaler's
// replicas): the conflict is exit 1 naming the field and its manager; --force-conflicts takes it.
func TestApplyNamesConflictsInsteadOfTakingFields(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	write := func(replicas int) {
		if err := os.WriteFile(manifest, []byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: testbed.local/app:1}]}
`, replicas)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(1)
	_, errOut, code := glcd(t, nil, "apply", "-f", manifest, nsArg(ns), "--wait=false")
	wantCode(t, code, 0, errOut)
	// what glcd rollout set (the image) is glcd's own: apply takes it back without a conflict
	_, errOut, code = glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns))
	wantCode(t, code, 0, errOut)
	_, errOut, code = glcd(t, nil, "apply", "-f", manifest, nsArg(ns), "--wait=false")
	wantCode(t, code, 0, errOut)
	if got := deployedImage(t, ns); got != "testbed.local/app:1" {
		t.Fatalf("apply after rollout: image %s, want the manifest's testbed.local/app:1", got)
	}
	// an autoscaler takes over replicas with an apply of its own
	scale := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}`)
	if _, err := tb.Client.AppsV1().Deployments(ns).Patch(ctx, "web", types.ApplyPatchType, scale, metav1.PatchOptions{FieldManager: "autoscaler", Force: ptrTrue()}); err != nil {
		t.Fatal(err)
	}
	write(2)
	_, errOut, code = glcd(t, nil, "apply", "-f", manifest, nsArg(ns), "--wait=false")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, ".spec.replicas", `"autoscaler"`, "--force-conflicts")
	if d, err := tb.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 3 {
		t.Fatalf("the autoscaler's replicas were changed: %v %v", d.Spec.Replicas, err)
	}
	_, errOut, code = glcd(t, nil, "apply", "-f", manifest, nsArg(ns), "--wait=false", "--force-conflicts")
	wantCode(t, code, 0, errOut)
	if d, err := tb.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("--force-conflicts did not take replicas: %v %v", d.Spec.Replicas, err)
	}
}

func ptrTrue() *bool { t := true; return &t }
