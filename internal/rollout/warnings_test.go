package rollout_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The API server's warnings quote what glcd sent; they reach stderr only through the masker.
// The built binary runs as a subprocess and its raw stderr is checked: a secret that is also
// a container's name (PodSecurity's warnings quote container names) is shown as [MASKED].
func TestAPIWarningsPassTheMasker(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	n, err := tb.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Labels["pod-security.kubernetes.io/warn"] = "restricted"
	if _, err := tb.Client.CoreV1().Namespaces().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	secret := "leak-glpat-w4rn1ng"
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(manifest, []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: `+secret+`, image: testbed.local/app:1}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, buildGLCD(t), "apply", "--dry-run=server", "--namespace", ns, "-f", manifest)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + tb.Kubeconfig, "GLCD_GITLAB_TOKEN=" + secret}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("glcd apply: %v\n%s", err, stderr.String())
	}
	raw := stdout.String() + stderr.String()
	if strings.Contains(raw, secret) {
		t.Fatalf("the secret reached the process's output:\n%s", raw)
	}
	if !strings.Contains(stderr.String(), `would violate PodSecurity "restricted:latest"`) || !strings.Contains(stderr.String(), `container "[MASKED]"`) {
		t.Errorf("the API server's warning is not shown, masked:\n%s", stderr.String())
	}
}
