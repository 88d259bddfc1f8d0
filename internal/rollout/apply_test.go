package rollout_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/rollout"
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
          readinessProbe: {exec: {command: ["true"]}, initialDelaySeconds: 1, periodSeconds: 1}
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
	var res rollout.ApplyResult
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
		if mf.Manager == rollout.FieldManager && mf.Operation == metav1.ManagedFieldsOperationApply {
			managed = true
		}
	}
	if !managed {
		t.Fatalf("deployment/web is not server-side applied by %s: %+v", rollout.FieldManager, d.ManagedFields)
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

func TestApplyRefusesBadFilesBeforeTouchingTheCluster(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nkind: ConfigMap\nmetadata: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := glcd(t, nil, "apply", "-f", bad)
	wantCode(t, code, 2, errOut)
	wantIn(t, errOut, "bad.yaml:2 lacks apiVersion, kind or metadata.name")
	if _, err := tb.Client.CoreV1().ConfigMaps("default").Get(ctxT(t), "ok", metav1.GetOptions{}); err == nil {
		t.Fatal("a refused file was partly applied")
	}
	_, errOut, code = glcd(t, nil, "apply", "-f", filepath.Join(dir, "missing.yaml"))
	wantCode(t, code, 2, errOut)
	wantIn(t, errOut, "missing.yaml: no such file or directory")
}
