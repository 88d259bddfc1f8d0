package setup_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/setup"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

// robotToken applies a rollout robot in ns with the built glcd and returns its token.
func robotToken(t *testing.T, ns string) string {
	t.Helper()
	if out, code := admin(t, "setup", "robot", "--namespace", ns, "--apply"); code != 0 {
		t.Fatalf("setup robot: exit %d:\n%s", code, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := setup.WaitToken(ctx, tb.Client, ns, "build-robot-token")
	if err != nil {
		t.Fatal(err)
	}
	return string(s.Data[corev1.ServiceAccountTokenKey])
}

// otherCA writes a CA that signed nothing of the test bed's.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "not-the-cluster-ca"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "other-ca.crt")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestGitLabVarsWork writes the robot's values in both formats, and a job using exactly the
// written file rolls out; a wrong CA and a robot without its RoleBinding are refused with
// nothing written; the token never reaches the output unless --show-secrets.
func TestGitLabVarsWork(t *testing.T) {
	ns := tb.Namespace(t) + "-vars"
	token := robotToken(t, ns)
	deployment(t, ns, "testbed.local/app:1")
	dir := t.TempDir()
	n := len(access.Grants(access.For(access.Rollout)))

	envFile := filepath.Join(dir, "robot.env")
	out, code := admin(t, "setup", "gitlab-vars", "--namespace", ns, "--out", envFile, "--environment", "production")
	noLeak(t, out, token)
	for _, w := range []string{"verified as a job would connect", "tls: ", fmt.Sprintf("authorization: rollout of any workload (deployments, statefulsets, daemonsets): all %d permissions granted", n),
		"system:serviceaccount:" + ns + ":build-robot", "wrote " + envFile + " (mode 0600", "KUBE_TOKEN      type Variable, protected, masked", `environment scope "production"`, "GitLab agent"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Fatalf("exit %d, want %q:\n%s", code, w, out)
		}
	}
	if m := mode(t, envFile); m != 0o600 {
		t.Fatalf("mode %v", m)
	}
	// a job with exactly these lines (and nothing else) deploys
	out, code = glcdRunShell(t, "set -a; . "+envFile+"; set +a; exec "+glcd+" rollout deployment/web --image testbed.local/app:2 --timeout 90s")
	if code != 0 || !strings.Contains(out, "deployment/web rolled out testbed.local/app:2") {
		t.Fatalf("rollout with the env file: exit %d:\n%s", code, out)
	}

	kc := filepath.Join(dir, "robot.kubeconfig")
	out, code = admin(t, "setup", "gitlab-vars", "--namespace", ns, "--format", "kubeconfig", "--out", kc)
	noLeak(t, out, token)
	if code != 0 || !strings.Contains(out, "KUBECONFIG      type File, protected, not masked") || mode(t, kc) != 0o600 {
		t.Fatalf("kubeconfig: exit %d, mode %v:\n%s", code, mode(t, kc), out)
	}
	out, code = glcdRun(t, []string{"KUBECONFIG=" + kc}, "rollout", "deployment/web", "--image", "testbed.local/app:1", "--timeout", "90s")
	if code != 0 || !strings.Contains(out, "deployment/web rolled out testbed.local/app:1") {
		t.Fatalf("rollout with the kubeconfig: exit %d:\n%s", code, out)
	}

	// the wrong CA is refused, naming it; nothing is written
	wrong := filepath.Join(dir, "wrong.env")
	out, code = admin(t, "setup", "gitlab-vars", "--namespace", ns, "--out", wrong, "--ca-file", otherCA(t))
	noLeak(t, out, token)
	if code != 1 || !strings.Contains(out, "no CA given verifies") || !strings.Contains(out, "not-the-cluster-ca") && !strings.Contains(out, "unknown authority") {
		t.Fatalf("wrong CA: exit %d, want 1 naming it:\n%s", code, out)
	}
	if _, err := os.Stat(wrong); !os.IsNotExist(err) {
		t.Fatalf("values that do not work were written: %v", err)
	}

	// --show-secrets is the only way the token reaches the terminal (and proves the leak check can see it)
	out, code = admin(t, "setup", "gitlab-vars", "--namespace", ns, "--show-secrets")
	if code != 0 || !strings.Contains(out, "KUBE_TOKEN='"+token+"'") {
		t.Fatalf("--show-secrets: exit %d, no token line:\n%s", code, out)
	}

	// a robot that lost its RoleBinding: the doctor's permission checks fail, nothing is written
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tb.Client.RbacV1().RoleBindings(ns).Delete(ctx, "build-robot", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	unbound := filepath.Join(dir, "unbound.env")
	out, code = admin(t, "setup", "gitlab-vars", "--namespace", ns, "--out", unbound)
	noLeak(t, out, token)
	if code != 1 || !strings.Contains(out, "do not work, nothing was written") || !strings.Contains(out, fmt.Sprintf("%d of %d permissions denied", n, n)) {
		t.Fatalf("unbound robot: exit %d, want 1 with the denied permissions:\n%s", code, out)
	}
	if _, err := os.Stat(unbound); !os.IsNotExist(err) {
		t.Fatalf("values that do not work were written: %v", err)
	}
}

// TestGitLabVarsToGitLab sets the values as project variables through the GitLab double's
// documented endpoints: created the first time, updated (POST refused, then PUT) the second.
func TestGitLabVarsToGitLab(t *testing.T) {
	ns := tb.Namespace(t) + "-gl"
	token := robotToken(t, ns)
	gl := gitlabapi.New()
	t.Cleanup(gl.Close)
	const apiToken = "glpat-setup-api-0123456789abcdef"
	gl.AddProject(gitlabapi.Project{ID: 7, Path: "group/app-infra"})
	gl.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: apiToken, Scopes: []string{"api"}})
	env := []string{"KUBECONFIG=" + tb.Kubeconfig, "GLCD_GITLAB_TOKEN=" + apiToken, "CI_API_V4_URL=" + gl.APIURL()}
	args := []string{"setup", "gitlab-vars", "--namespace", ns, "--to-gitlab", "group/app-infra", "--environment", "production"}
	out, code := glcdRun(t, env, args...)
	noLeak(t, out, token, apiToken)
	if code != 0 || strings.Count(out, " created (scope production)") != 4 {
		t.Fatalf("exit %d, want 4 variables created:\n%s", code, out)
	}
	out, code = glcdRun(t, env, args...)
	noLeak(t, out, token, apiToken)
	if code != 0 || strings.Count(out, " updated (scope production)") != 4 {
		t.Fatalf("second run: exit %d, want 4 variables updated:\n%s", code, out)
	}
	vars := gl.ProjectVariables("group/app-infra")
	got := map[string]gitlabapi.VariableEntity{}
	for _, v := range vars {
		got[v.Key] = v
	}
	if len(got) != 4 || got["KUBE_TOKEN"].Value != token || !got["KUBE_TOKEN"].Masked || !got["KUBE_TOKEN"].Protected ||
		got["KUBE_TOKEN"].EnvironmentScope != "production" || !strings.HasSuffix(got["KUBE_URL"].Value, ":6443") ||
		!strings.HasPrefix(got["KUBE_CA_PEM"].Value, "-----BEGIN CERTIFICATE-----") || got["KUBE_CA_PEM"].Masked || got["KUBE_NAMESPACE"].Value != ns {
		t.Fatalf("variables in GitLab: %+v", vars)
	}
	// the kubeconfig form: one protected File variable, beside the others
	out, code = glcdRun(t, env, append(args, "--format", "kubeconfig")...)
	noLeak(t, out, token, apiToken)
	if code != 0 || !strings.Contains(out, "variable KUBECONFIG created (scope production)") {
		t.Fatalf("kubeconfig to GitLab: exit %d:\n%s", code, out)
	}
	var kc gitlabapi.VariableEntity
	for _, v := range gl.ProjectVariables("group/app-infra") {
		if v.Key == "KUBECONFIG" {
			kc = v
		}
	}
	if kc.VariableType != "file" || !kc.Protected || kc.Masked || !strings.Contains(kc.Value, "token: "+token) {
		t.Fatalf("KUBECONFIG variable: type %s, protected %v, masked %v", kc.VariableType, kc.Protected, kc.Masked)
	}
	// what GitLab got works: a job with exactly those variables passes the doctor
	out, code = glcdRun(t, []string{"KUBE_URL=" + got["KUBE_URL"].Value, "KUBE_CA_PEM=" + got["KUBE_CA_PEM"].Value,
		"KUBE_TOKEN=" + got["KUBE_TOKEN"].Value, "KUBE_NAMESPACE=" + ns}, "doctor", "--for", "rollout")
	if code != 0 || strings.Contains(out, "✗") {
		t.Fatalf("doctor with GitLab's variables: exit %d:\n%s", code, out)
	}
}

// glcdRunShell runs a POSIX shell script with only PATH and HOME set.
func glcdRunShell(t *testing.T, script string) (string, int) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	return runWith(t, sh, nil, "-c", script)
}
