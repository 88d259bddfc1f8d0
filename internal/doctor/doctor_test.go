package doctor_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
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

	"gitlab.com/glcd/glcd/internal/access"
)

func TestAllGreenAsAdmin(t *testing.T) {
	ns := tb.Namespace(t)
	app(t, ns, ns)
	env := []string{"KUBECONFIG=" + tb.Kubeconfig, "PROJECT_NAME=" + ns, "POD_NAME=web", "IMAGE_NAME=testbed.local/app", "TARGET_IMAGE_VERSION=2"}
	out, code := doctor(t, env, goodPath(), "--for", "all")
	wantCode(t, code, 0)
	for _, l := range []string{"✓ environment:", "✓ kubeconfig:", "✓ network:", "✓ tls:", "✓ authentication:", "✓ namespace:", "✓ workload:", "✓ kubectl:"} {
		wantLine(t, out, l)
	}
	wantLine(t, out, "✓ authentication:", "admin", "system:masters")
	wantLine(t, out, "✓ authorization: rollout of deployment/"+ns+":", "all", "granted in namespace "+ns)
	wantLine(t, out, "✓ authorization: apply:")
	wantLine(t, out, "✓ authorization: executor:")
	wantLine(t, out, "✓ workload:", "deployment/"+ns, "container web (POD_NAME), image testbed.local/app:1")
	wantLine(t, out, "✓ kubectl:", "v1.37.2")
	if strings.Contains(out, "✗") {
		t.Error("a check failed")
	}

	js, code := doctor(t, env, goodPath(), "--for", "rollout", "--output", "json")
	wantCode(t, code, 0)
	var rep struct {
		Status string
		Checks []struct{ Check, Status string }
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("not one JSON object: %v", err)
	}
	if rep.Status != "ok" || len(rep.Checks) < 9 {
		t.Fatalf("json: %+v", rep)
	}
}

func TestNoClusterVariablesSaysTheJobHasNoEnvironment(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	env := []string{"GITLAB_CI=true", "CI_SERVER_URL=https://gitlab.example.com", "PROJECT_NAME=web",
		"INFRA_PIPELINE_TRIGGER_URL=https://gitlab.example.com/api/v4/projects/7/trigger/pipeline?token=glptt-TriggerTokenInTheURL"}
	out, code := doctor(t, env, noKubectl(t), "--for", "rollout,trigger")
	wantCode(t, code, 1)
	if strings.Contains(out, "glptt-TriggerTokenInTheURL") {
		t.Error("the trigger URL's token leaked")
	}
	wantLine(t, out, "- kubeconfig, network, tls", "skipped")
	wantLine(t, out, "✗ environment:", "no cluster configuration", "not set: KUBECONFIG")
	wantFix(t, out, "✗ environment:", "no `environment:`", "environment: {name: production}")

	// with an environment, the cause is elsewhere: no cluster or agent for it
	out, code = doctor(t, append(env, "CI_ENVIRONMENT_NAME=production"), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantFix(t, out, "✗ environment:", `environment "production"`, "ci_access")
}

func TestURLWithoutPortGetsThePortHint(t *testing.T) {
	ns := tb.Namespace(t)
	tok := robot(t, ns, "deployer", access.For(access.Rollout))
	env := append(kubeEnv("https://"+tb.NodeIP, tok, readFile(t, pki("ca.crt"))), "KUBE_NAMESPACE="+ns)
	start := time.Now()
	out, code := doctor(t, env, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ network:", "TCP "+tb.NodeIP+":443")
	wantFix(t, out, "✗ network:", "has no port", "answers on :6443", "KUBE_URL=https://"+tb.NodeIP+":6443")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("an unreachable port cost %s", d)
	}
}

func TestCAThatDidNotSignTheServer(t *testing.T) {
	tb.Need(t)
	ca, _, _ := certPair(t, caTemplate("some-other-cluster-ca"), nil, nil)
	out, code := doctor(t, kubeEnv(apiURL(), "not-reached-token-123", string(ca)), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ tls:", "unknown authority", `"CN=some-other-cluster-ca"`, "did not sign", `issued by "CN=glcd-testbed-ca"`)
	wantFix(t, out, "✗ tls:", `"CN=glcd-testbed-ca"`, "KUBE_CA_PEM", "/etc/kubernetes/pki/ca.crt")
	if !strings.Contains(out, "server chain[0]: \"CN=kube-apiserver\"") {
		t.Error("the server's chain is not shown")
	}
}

func TestServerLeafGivenAsCA(t *testing.T) {
	tb.Need(t)
	out, code := doctor(t, kubeEnv(apiURL(), "not-reached-token-123", readFile(t, pki("apiserver.crt"))), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ tls:", "API server's own certificate", "CA:false", `"CN=glcd-testbed-ca"`)
	wantFix(t, out, "✗ tls:", `"CN=glcd-testbed-ca"`)

	// another leaf (a client certificate) pasted as the CA: not a CA at all
	out, code = doctor(t, kubeEnv(apiURL(), "not-reached-token-123", readFile(t, pki("admin.crt"))), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ tls:", "unknown authority", "not a CA at all", `"CN=admin,O=system:masters"`)
	wantFix(t, out, "✗ tls:", `"CN=glcd-testbed-ca"`)
}

func TestServerCertificateForAnotherHostName(t *testing.T) {
	tb.Need(t)
	addr := forward(t, "127.0.0.2:0")
	out, code := doctor(t, kubeEnv("https://"+addr, "not-reached-token-123", readFile(t, pki("ca.crt"))), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✓ network:", "TCP "+addr+" connected")
	wantLine(t, out, "✗ tls:", `not for "127.0.0.2"`, "kubernetes.default", tb.NodeIP)
	wantFix(t, out, "✗ tls:", "a name the certificate lists", "certSANs")
}

func TestExpiredClientCertificate(t *testing.T) {
	tb.Need(t)
	ca, caKey := testbedCA(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "deployer", Organization: []string{"system:masters"}},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	crt, key, _ := certPair(t, tmpl, ca, caKey)
	dir := t.TempDir()
	kc := writeKubeconfig(t, "tb", "tb")
	// swap the admin's pair for the expired one
	b := strings.ReplaceAll(readFile(t, kc), pki("admin.crt"), filepath.Join(dir, "c.crt"))
	b = strings.ReplaceAll(b, pki("admin.key"), filepath.Join(dir, "c.key"))
	for p, data := range map[string]string{filepath.Join(dir, "c.crt"): string(crt), filepath.Join(dir, "c.key"): string(key), kc: b} {
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, code := doctor(t, []string{"KUBECONFIG=" + kc}, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✓ tls:")
	wantLine(t, out, "✗ authentication:", "401 Unauthorized", `client certificate "CN=deployer,O=system:masters" expired on`)
	wantFix(t, out, "✗ authentication:", "new client certificate")
}

func TestTokenTheAPIServerRejects(t *testing.T) {
	ns := tb.Namespace(t)
	ca := readFile(t, pki("ca.crt"))
	out, code := doctor(t, kubeEnv(apiURL(), "unknown-token-0123456789", ca), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ authentication:", "401 Unauthorized", "does not know the token")
	wantFix(t, out, "✗ authentication:", "KUBE_TOKEN")

	// a real token whose ServiceAccount is gone
	tok := robot(t, ns, "gone", nil)
	if err := tb.Client.CoreV1().ServiceAccounts(ns).Delete(ctxT(t), "gone", deleteNow()); err != nil {
		t.Fatal(err)
	}
	out, code = doctor(t, kubeEnv(apiURL(), tok, ca), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ authentication:", "does not accept the token of system:serviceaccount:"+ns+":gone")
}

func TestServiceAccountWithoutRBAC(t *testing.T) {
	ns := tb.Namespace(t)
	tok := robot(t, ns, "norights", nil)
	out, code := doctor(t, append(kubeEnv(apiURL(), tok, readFile(t, pki("ca.crt"))), "KUBE_NAMESPACE="+ns), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✓ authentication:", "system:serviceaccount:"+ns+":norights")
	grants := access.Grants(access.For(access.Rollout))
	wantLine(t, out, "✗ authorization: rollout of any workload (deployments, statefulsets, daemonsets):", "denied in namespace "+ns)
	for _, g := range grants {
		if !strings.Contains(out, g.String()) {
			t.Errorf("denied permission %q not listed", g)
		}
	}
	wantFix(t, out, "✗ authorization: rollout of any workload", "Role in namespace "+ns, "bound to system:serviceaccount:"+ns+":norights",
		"deployments.apps: get, list, watch, patch", "pods/log: get", "events: list")
}

func TestRolloutRobotPassesForRolloutNotForApply(t *testing.T) {
	ns := tb.Namespace(t)
	app(t, ns, "web")
	tok := robot(t, ns, "deployer", access.For(access.Rollout))
	env := append(kubeEnv(apiURL(), tok, readFile(t, pki("ca.crt"))), "KUBE_NAMESPACE="+ns, "POD_NAME=web")
	out, code := doctor(t, env, goodPath(), "--for", "rollout", "--workload", "deployment/web")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ authorization: rollout of deployment/web:", "all", "granted")
	wantLine(t, out, "✓ workload:", "deployment/web", "container web")
	if strings.Contains(out, "✗") {
		t.Error("a check failed for --for rollout")
	}

	out, code = doctor(t, env, goodPath(), "--for", "apply", "--workload", "deployment/web")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ authorization: apply:", "denied in namespace "+ns)
	for _, want := range []string{"create configmaps", "patch services", "create deployments.apps"} {
		if !strings.Contains(out, want) {
			t.Errorf("denied %q not listed", want)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "    denied: ") {
			for _, g := range access.Grants(access.For(access.Rollout)) {
				if strings.Contains(l+",", " "+g.String()+",") {
					t.Errorf("%s, which the robot has, is listed as denied", g)
				}
			}
		}
	}
}

func TestTwoAgentContextsAndNoneSelected(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	kc := writeKubeconfig(t, "", "group/agents:production", "group/agents:staging")
	out, code := doctor(t, []string{"KUBECONFIG=" + kc}, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ kubeconfig:", "2 contexts and no current-context")
	wantFix(t, out, "✗ kubeconfig:", "KUBE_CONTEXT", "group/agents:production, group/agents:staging")

	out, code = doctor(t, []string{"KUBECONFIG=" + kc, "KUBE_CONTEXT=group/agents:review"}, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ kubeconfig:", `context "group/agents:review" is not in`)
	wantFix(t, out, "✗ kubeconfig:", "group/agents:production, group/agents:staging", "ci_access")

	out, code = doctor(t, []string{"KUBECONFIG=" + kc, "KUBE_CONTEXT=group/agents:staging", "KUBE_NAMESPACE=default"}, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ kubeconfig:", "context group/agents:staging", "chosen by KUBE_CONTEXT")
}

func TestMissingNamespace(t *testing.T) {
	tb.Need(t)
	out, code := doctor(t, []string{"KUBECONFIG=" + tb.Kubeconfig, "KUBE_NAMESPACE=no-such-namespace"}, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ namespace:", "no-such-namespace (from KUBE_NAMESPACE) does not exist")
	wantFix(t, out, "✗ namespace:", "create namespace no-such-namespace")
}

// A workload whose pods fail now is a warning naming why, as a failing rollout would: the
// next deploy starts from a broken revision. The robot of glcd rollout may list the pods.
func TestWorkloadWhosePodsCrashIsAWarning(t *testing.T) {
	ns := tb.Namespace(t)
	appWith(t, ns, ns, "testbed.local/app:crash")
	ctx := ctxT(t)
	w, err := tb.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + ns})
	if err != nil {
		t.Fatal(err)
	}
	crashed := false
	for ev := range w.ResultChan() { // until the container has crashed once
		// from the first restart on, the container has crashed: it is terminated, waiting or
		// running again, and doctor sees the crash in each
		if p, ok := ev.Object.(*corev1.Pod); ok && len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].RestartCount > 0 {
			crashed = true
			break
		}
	}
	w.Stop()
	if !crashed {
		t.Fatal("the app's pod never crashed")
	}
	tok := robot(t, ns, "deployer", access.For(access.Rollout))
	ca := readFile(t, pki("ca.crt"))
	out, code := doctor(t, append(kubeEnv(apiURL(), tok, ca), "KUBE_NAMESPACE="+ns, "PROJECT_NAME="+ns, "POD_NAME=web"), goodPath(), "--for", "rollout")
	wantCode(t, code, 0)
	wantLine(t, out, "! workload:", "has container web (POD_NAME)", "its 1 pods show 1 problems now")
	if !strings.Contains(out, "container web: CrashLoopBackOff (exit code 3") {
		t.Errorf("the warning does not name the crash:\n%s", out)
	}
}

func TestWorkloadWithoutTheNamedContainer(t *testing.T) {
	ns := tb.Namespace(t)
	app(t, ns, ns)
	out, code := doctor(t, []string{"KUBECONFIG=" + tb.Kubeconfig, "PROJECT_NAME=" + ns, "POD_NAME=api"}, noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ workload:", `no container "api" (POD_NAME)`, "web=testbed.local/app:1")
	wantFix(t, out, "✗ workload:", "set POD_NAME", "web")

	out, code = doctor(t, []string{"KUBECONFIG=" + tb.Kubeconfig, "PROJECT_NAME=" + ns, "POD_NAME=web"}, noKubectl(t), "--for", "rollout", "--workload", "deployment/absent")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ workload:", "deployment/absent not found in namespace "+ns, "there: "+ns)

	// for apply alone, a workload not there yet is what the first apply creates
	out, code = doctor(t, []string{"KUBECONFIG=" + tb.Kubeconfig, "PROJECT_NAME=" + ns, "POD_NAME=web"}, noKubectl(t), "--for", "apply", "--workload", "deployment/absent")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ workload:", "deployment/absent is not in namespace "+ns+" yet: glcd apply creates it")
}

func TestKubectlThatPrintsNothing(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, code := doctor(t, []string{"KUBECONFIG=" + tb.Kubeconfig}, []string{dir, "/usr/bin", "/bin"}, "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ kubectl:", filepath.Join(dir, "kubectl"), "exited 0 and printed nothing")
	wantFix(t, out, "✗ kubectl:", "not a working kubectl", "curl -fsSLo")
}

func TestBadInput(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	out, code := doctor(t, nil, noKubectl(t), "--for", "deploy")
	wantCode(t, code, 2)
	if !strings.Contains(out, `unknown command "deploy"`) {
		t.Error("the bad --for value is not named")
	}
}

// BenchmarkDoctorAll is the whole doctor run as a job runs it: the built binary, every check
// against the test bed as its admin, all commands' access reviews (make bench reports it).
func BenchmarkDoctorAll(b *testing.B) {
	ns := "bench-doctor"
	if err := tb.CreateNamespace(context.Background(), ns); err != nil {
		b.Fatal(err)
	}
	env := []string{"KUBECONFIG=" + tb.Kubeconfig, "KUBE_NAMESPACE=" + ns, "PATH=" + tb.BinDir, "HOME=" + b.TempDir()}
	for b.Loop() {
		cmd := exec.Command(glcd, "doctor", "--for", "all")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}

func TestExpiredServerCertificate(t *testing.T) {
	tb.Need(t)
	caPEM, _, caKey := certPair(t, caTemplate("expired-test-ca"), nil, nil)
	cb, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "old-apiserver"},
		NotBefore: time.Now().Add(-400 * 24 * time.Hour), NotAfter: time.Now().Add(-35 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	crt, key, _ := certPair(t, leaf, ca, caKey)
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() { // a TLS server that completes handshakes (the client rejects the certificate)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	out, code := doctor(t, kubeEnv("https://"+l.Addr().String(), "not-reached-token-123", string(caPEM)), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ tls:", `"CN=old-apiserver"`, "expired on "+leaf.NotAfter.UTC().Format(time.RFC3339)[:10])
	wantFix(t, out, "✗ tls:", "renew the API server's certificate")
}

func TestKubectlVersionSkew(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), []byte("#!/bin/sh\necho '{\"clientVersion\":{\"gitVersion\":\"v1.30.4\"}}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, code := doctor(t, []string{"KUBECONFIG=" + tb.Kubeconfig, "KUBE_NAMESPACE=default"}, []string{dir}, "--for", "rollout")
	wantCode(t, code, 0)
	wantLine(t, out, "! kubectl:", "v1.30.4 against server v1.37.2: 7 minor versions apart", "use kubectl v1.37")
}

func TestHostNameResolvedAndUnreachableHostIsQuick(t *testing.T) {
	ns := tb.Namespace(t)
	tok := robot(t, ns, "deployer", access.For(access.Rollout))
	ca := readFile(t, pki("ca.crt"))
	// the API server by a name (its certificate lists localhost), through a forwarder on loopback
	addr := forward(t, "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(addr)
	out, code := doctor(t, append(kubeEnv("https://localhost:"+port, tok, ca), "KUBE_NAMESPACE="+ns), noKubectl(t), "--for", "rollout")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ network:", "DNS localhost -> ", "127.0.0.1", "TCP localhost:"+port+" connected")
	wantLine(t, out, "✓ tls:", "localhost:"+port+" verified with KUBE_CA_PEM")

	// an address in the test bed's subnet where nothing lives: each step is bounded
	ip := net.ParseIP(tb.NodeIP).To4()
	ip[3] = 77
	start := time.Now()
	out, code = doctor(t, kubeEnv("https://"+ip.String()+":6443", tok, ca), noKubectl(t), "--for", "rollout", "--step-timeout", "1s")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ network: TCP "+ip.String()+":6443")
	wantFix(t, out, "✗ network:", "nothing answers at "+ip.String()+":6443")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an unreachable API server cost %s with --step-timeout 1s", d)
	}
}

// A Role written by hand with exactly what a Deployment's rollout needs (no StatefulSet,
// DaemonSet or ControllerRevision verb) passes doctor --for rollout for that Deployment, and
// is enough for glcd rollout itself; one verb less is named.
func TestExactlyEnoughRoleForADeploymentRollout(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	if err := tb.ImportBusyboxImages(ctx, map[string][]string{
		"testbed.local/doctor-web:1": {"sleep", "3600"}, "testbed.local/doctor-web:2": {"sleep", "3600"}}); err != nil {
		t.Fatal(err)
	}
	one, zero := int32(1), int64(0)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{Name: "web", Image: "testbed.local/doctor-web:1", ImagePullPolicy: corev1.PullNever}}}}}}
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	exactly := []access.Rule{
		{Group: "apps", Resource: "deployments", Verbs: []string{"get", "list", "watch", "patch"}},
		{Group: "apps", Resource: "replicasets", Verbs: []string{"list", "watch"}},
		{Resource: "pods", Verbs: []string{"list", "watch"}},
		{Resource: "pods", Subresource: "log", Verbs: []string{"get"}},
		{Resource: "events", Verbs: []string{"list"}},
	}
	tok := robot(t, ns, "deployer", exactly)
	env := append(kubeEnv(apiURL(), tok, readFile(t, pki("ca.crt"))), "KUBE_NAMESPACE="+ns, "POD_NAME=web")
	out, code := doctor(t, env, goodPath(), "--for", "rollout", "--workload", "deployment/web")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ authorization: rollout of deployment/web:", "all 10 permissions granted")

	// the same Role is enough for the rollout itself
	cmd := exec.CommandContext(ctx, glcd, "rollout", "deployment/web", "--image", "testbed.local/doctor-web:2", "--timeout", "2m")
	cmd.Env = append([]string{"HOME=" + t.TempDir()}, env...)
	rout, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("glcd rollout with exactly that Role: %v\n%s", err, rout)
	}

	// one verb less: named, with the rule to add
	tok = robot(t, ns, "short", exactly[1:])
	env = append(kubeEnv(apiURL(), tok, readFile(t, pki("ca.crt"))), "KUBE_NAMESPACE="+ns, "POD_NAME=web")
	out, code = doctor(t, env, goodPath(), "--for", "rollout", "--workload", "deployment/web")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ authorization: rollout of deployment/web:", "4 of 10 permissions denied")
	wantFix(t, out, "✗ authorization: rollout of deployment/web:", "deployments.apps: get, list, watch, patch")
	if strings.Contains(out, "statefulsets") || strings.Contains(out, "controllerrevisions") {
		t.Errorf("a Deployment's rollout asked for StatefulSet or ControllerRevision verbs:\n%s", out)
	}
}
