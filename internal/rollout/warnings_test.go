package rollout_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/testbed"
)

// The API server's warnings quote what glcd sent; they reach stderr only through the masker.
// The built binary runs as a subprocess and its raw stderr is checked: a secret that is also
// a container's name (PodSecurity's warnings quote container names) is shown as [MASKED].
func TestAPIWarningsPassTheMasker(t *testing.T) {
	ns := warnedNamespace(t)
	ctx := ctxT(t)
	secret := "leak-glpat-w4rn1ng"
	manifest := containerNamed(t, secret)
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

// Whatever produces the bearer token (a token file, an exec credential plugin), glcd masks it:
// the API server quotes it back here (as a container name in a PodSecurity warning), and the
// built binary's raw output must show [MASKED].
func TestTokensFromFilesAndPluginsAreMasked(t *testing.T) {
	ns := warnedNamespace(t)
	ctx := ctxT(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	plugin := filepath.Join(dir, "credential-plugin")
	if err := os.WriteFile(tokenFile, []byte(testbed.StaticToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\""+testbed.StaticToken+"\"}}'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	manifest := containerNamed(t, testbed.StaticToken)
	for name, user := range map[string]string{
		"tokenFile": "tokenFile: " + tokenFile,
		"exec":      "exec: {apiVersion: client.authentication.k8s.io/v1, command: " + plugin + ", interactiveMode: Never}",
	} {
		kc := filepath.Join(dir, name+".kubeconfig")
		if err := os.WriteFile(kc, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: tb, cluster: {server: %q, certificate-authority: %q}}]
users: [{name: u, user: {%s}}]
contexts: [{name: c, context: {cluster: tb, user: u}}]
current-context: c
`, tb.Config.Host, tb.Config.CAFile, user)), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, buildGLCD(t), "apply", "--dry-run=server", "--namespace", ns, "-f", manifest, "--debug")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + kc}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: glcd apply: %v\n%s", name, err, stderr.String())
		}
		raw := stdout.String() + stderr.String()
		if strings.Contains(raw, testbed.StaticToken) {
			t.Errorf("%s: the token reached the process's output:\n%s", name, raw)
		}
		if !strings.Contains(stderr.String(), `container "[MASKED]"`) {
			t.Errorf("%s: the API server's warning quoting the token is missing:\n%s", name, stderr.String())
		}
	}
}

// warnedNamespace is a namespace with PodSecurity's restricted level in warn mode: the API
// server's warnings then quote container names back.
func warnedNamespace(t *testing.T) string {
	t.Helper()
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
	return ns
}

// containerNamed writes a Deployment manifest whose container is named name.
func containerNamed(t *testing.T, name string) string {
	t.Helper()
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(manifest, []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: `+name+`, image: testbed.local/app:1}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	return manifest
}
