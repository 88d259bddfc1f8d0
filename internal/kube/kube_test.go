package kube

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// shared starts the test bed only for the tests that need it: the kubeconfig parsing tests
// run without root and without a cluster.
var shared testbed.Shared

func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }

func notInCluster() (*rest.Config, error) { return nil, rest.ErrNotInCluster }

// agentKubeconfig is shaped like the KUBECONFIG GitLab writes for agent jobs: one context per
// agent, no current-context.
const agentKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: gitlab
  cluster: {server: "https://kas.example.com/k8s-proxy"}
users:
- name: agent:1
  user: {token: "ci:1:glcbt-AgentTok3n"}
- name: agent:2
  user: {token: "ci:2:glcbt-AgentTok3n"}
contexts:
- name: group/agents:prod
  context: {cluster: gitlab, user: "agent:1", namespace: prod-ns}
- name: group/agents:staging
  context: {cluster: gitlab, user: "agent:2"}
`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(kv ...string) *ci.Env { return ci.Load(ci.Environ(kv)) }

func TestAgentKubeconfigNeedsAContext(t *testing.T) {
	kc := writeFile(t, "kubeconfig", agentKubeconfig)
	_, err := Resolve(Options{InCluster: notInCluster}, env("KUBECONFIG="+kc))
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit %d: %v", exitcode.Of(err), err)
	}
	if !strings.Contains(err.Error(), "2 contexts and no current-context: set KUBE_CONTEXT (or --context) to one of: group/agents:prod, group/agents:staging") {
		t.Fatalf("error: %v", err)
	}
	_, err = Resolve(Options{InCluster: notInCluster}, env("KUBECONFIG="+kc, "KUBE_CONTEXT=group/agents:qa"))
	if err == nil || !strings.Contains(err.Error(), `context "group/agents:qa" is not in KUBECONFIG=`) || !strings.Contains(err.Error(), "group/agents:prod, group/agents:staging") {
		t.Fatalf("error: %v", err)
	}
}

func TestNamespaceOrder(t *testing.T) {
	kc := writeFile(t, "kubeconfig", agentKubeconfig)
	cases := []struct {
		opts      Options
		env       []string
		wantNS    string
		wantFrom  string
		wantToken string
	}{
		{Options{}, []string{"KUBE_CONTEXT=group/agents:prod"}, "prod-ns", "the context's namespace", "ci:1:glcbt-AgentTok3n"},
		{Options{}, []string{"KUBE_CONTEXT=group/agents:prod", "KUBE_NAMESPACE=from-env"}, "from-env", "KUBE_NAMESPACE", "ci:1:glcbt-AgentTok3n"},
		{Options{Namespace: "from-flag"}, []string{"KUBE_CONTEXT=group/agents:prod", "KUBE_NAMESPACE=from-env"}, "from-flag", "--namespace", "ci:1:glcbt-AgentTok3n"},
		{Options{Context: "group/agents:staging"}, []string{"KUBE_CONTEXT=group/agents:prod"}, "default", "default", "ci:2:glcbt-AgentTok3n"},
	}
	for i, c := range cases {
		c.opts.InCluster = notInCluster
		tgt, err := Resolve(c.opts, env(append(c.env, "KUBECONFIG="+kc)...))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if tgt.Namespace != c.wantNS || tgt.NamespaceSource != c.wantFrom || tgt.Config.BearerToken != c.wantToken {
			t.Errorf("case %d: namespace %q from %q, token %q", i, tgt.Namespace, tgt.NamespaceSource, tgt.Config.BearerToken)
		}
	}
}

func TestKubeconfigFlagWinsOverEnvironment(t *testing.T) {
	kc := writeFile(t, "kubeconfig", agentKubeconfig)
	tgt, err := Resolve(Options{Kubeconfig: kc, Context: "group/agents:prod", InCluster: notInCluster},
		env("KUBECONFIG=/nonexistent", "KUBE_URL=https://203.0.113.1:6443"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tgt.Source, "--kubeconfig=") || tgt.Config.Host != "https://kas.example.com/k8s-proxy" {
		t.Fatalf("source %q host %q", tgt.Source, tgt.Config.Host)
	}
	// not client-go's 5 requests a second: gc of a thousand pods would take minutes
	if tgt.Config.QPS != ClientQPS || tgt.Config.Burst != 2*ClientQPS {
		t.Errorf("QPS %v burst %d", tgt.Config.QPS, tgt.Config.Burst)
	}
}

func TestCertificateIntegrationListsWhatIsMissing(t *testing.T) {
	_, err := Resolve(Options{InCluster: notInCluster}, env("KUBE_URL=https://203.0.113.1:6443"))
	var ve *ci.VarsError
	if !errors.As(err, &ve) || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("want a VarsError with exit 2, got %v", err)
	}
	if len(ve.Problems) != 2 || ve.Problems[0].Name != "KUBE_CA_PEM" || ve.Problems[1].Name != "KUBE_TOKEN" {
		t.Fatalf("problems: %+v", ve.Problems)
	}
}

func TestNothingConfigured(t *testing.T) {
	_, err := Resolve(Options{InCluster: notInCluster}, env())
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "no Kubernetes cluster configured") ||
		!strings.Contains(err.Error(), "declare `environment:`") {
		t.Fatalf("got %v", err)
	}
	inCluster := func() (*rest.Config, error) { return &rest.Config{Host: "https://10.0.0.1:443"}, nil }
	tgt, err := Resolve(Options{InCluster: inCluster}, env())
	if err != nil || tgt.Source != "in-cluster service account" {
		t.Fatalf("in-cluster: %v %+v", err, tgt)
	}
}

func TestInsecureKubeconfigIsVerifiedAnyway(t *testing.T) {
	kc := writeFile(t, "kubeconfig", strings.Replace(agentKubeconfig, `server: "https://kas.example.com/k8s-proxy"`,
		`server: "https://kas.example.com/k8s-proxy", insecure-skip-tls-verify: true`, 1))
	var warn bytes.Buffer
	tgt, err := Resolve(Options{Context: "group/agents:prod", Warn: &warn, InCluster: notInCluster}, env("KUBECONFIG="+kc))
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Config.Insecure || !strings.Contains(warn.String(), "glcd verifies anyway") {
		t.Fatalf("insecure %v, warning %q", tgt.Config.Insecure, warn.String())
	}
}

// setupServiceAccount creates a service account allowed to list pods in ns and returns a token
// for it, as the certificate-based integration hands a job KUBE_TOKEN.
func setupServiceAccount(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns string) string {
	t.Helper()
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "deployer-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: ns}},
	}
	if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "deployer", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

func TestCertificateIntegrationAgainstTheTestBed(t *testing.T) {
	tb := shared.Get(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := tb.Namespace(t)
	token := setupServiceAccount(t, ctx, tb.Client, ns)
	caPEM, err := os.ReadFile(filepath.Join(tb.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	url := tb.Config.Host
	e := env("KUBE_URL="+url, "KUBE_TOKEN="+token, "KUBE_CA_PEM="+string(caPEM), "KUBE_NAMESPACE="+ns)
	tgt, err := Resolve(Options{InCluster: notInCluster}, e)
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Namespace != ns {
		t.Fatalf("namespace %q", tgt.Namespace)
	}
	cs := kubernetes.NewForConfigOrDie(tgt.Config)
	if _, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("listing pods as the service account: %v", err)
	}
	// RBAC is real: the view role does not reach other namespaces
	if _, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("listing pods in default: %v, want forbidden", err)
	}

	// KUBE_CA_PEM_FILE works the same
	caFile := writeFile(t, "ca.pem", string(caPEM))
	tgt, err = Resolve(Options{InCluster: notInCluster}, env("KUBE_URL="+url, "KUBE_TOKEN="+token, "KUBE_CA_PEM_FILE="+caFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kubernetes.NewForConfigOrDie(tgt.Config).CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}

	// the wrong CA is refused: TLS is verified
	otherCA := generateCA(t)
	tgt, err = Resolve(Options{InCluster: notInCluster}, env("KUBE_URL="+url, "KUBE_TOKEN="+token, "KUBE_CA_PEM="+otherCA))
	if err != nil {
		t.Fatal(err)
	}
	_, err = kubernetes.NewForConfigOrDie(tgt.Config).CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Fatalf("wrong CA: %v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("the token reached an error message")
	}

	// ...unless the user says so explicitly, and then glcd warns
	var warn bytes.Buffer
	tgt, err = Resolve(Options{InsecureSkipTLSVerify: true, Warn: &warn, InCluster: notInCluster},
		env("KUBE_URL="+url, "KUBE_TOKEN="+token, "KUBE_CA_PEM="+otherCA))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kubernetes.NewForConfigOrDie(tgt.Config).CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("insecure: %v", err)
	}
	if !strings.Contains(warn.String(), "WARNING: --insecure-skip-tls-verify") {
		t.Fatalf("no warning: %q", warn.String())
	}
}

func TestTestBedKubeconfig(t *testing.T) {
	tb := shared.Get(t)
	tgt, err := Resolve(Options{InCluster: notInCluster}, env("KUBECONFIG="+tb.Kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Context != "testbed" || tgt.Namespace != "default" {
		t.Fatalf("context %q namespace %q", tgt.Context, tgt.Namespace)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kubernetes.NewForConfigOrDie(tgt.Config).CoreV1().Nodes().Get(ctx, testbed.NodeName, metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
}

// One namespace rule for every source: --namespace, KUBE_NAMESPACE, PROJECT_NAME, the
// context's or the pod's own, default.
func TestNamespacePrecedence(t *testing.T) {
	inCluster := func() (*rest.Config, error) { return &rest.Config{Host: "https://10.0.0.1:443"}, nil }
	podNS := func() (string, error) { return "acme", nil }
	kc := writeFile(t, "kubeconfig", agentKubeconfig)
	cases := []struct {
		opts           Options
		env            []string
		wantNS, wantBy string
	}{
		{Options{InCluster: inCluster, InClusterNamespace: podNS}, nil, "acme", "the pod's namespace"},
		{Options{InCluster: inCluster, InClusterNamespace: podNS, ProjectNamespace: "jobboard"}, nil, "jobboard", "PROJECT_NAME"},
		{Options{InCluster: inCluster, InClusterNamespace: podNS, ProjectNamespace: "jobboard"}, []string{"KUBE_NAMESPACE=ops"}, "ops", "KUBE_NAMESPACE"},
		{Options{InCluster: inCluster, InClusterNamespace: podNS, Namespace: "cli", ProjectNamespace: "jobboard"}, []string{"KUBE_NAMESPACE=ops"}, "cli", "--namespace"},
		{Options{InCluster: inCluster, InClusterNamespace: func() (string, error) { return "", os.ErrNotExist }}, nil, "default", "default"},
		{Options{InCluster: notInCluster, ProjectNamespace: "jobboard"}, []string{"KUBECONFIG=" + kc, "KUBE_CONTEXT=group/agents:prod"}, "jobboard", "PROJECT_NAME"},
		{Options{InCluster: notInCluster}, []string{"KUBECONFIG=" + kc, "KUBE_CONTEXT=group/agents:prod"}, "prod-ns", "the context's namespace"},
	}
	for i, c := range cases {
		tgt, err := Resolve(c.opts, env(c.env...))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if tgt.Namespace != c.wantNS || tgt.NamespaceSource != c.wantBy {
			t.Errorf("case %d: namespace %q from %q, want %q from %q", i, tgt.Namespace, tgt.NamespaceSource, c.wantNS, c.wantBy)
		}
	}
}
