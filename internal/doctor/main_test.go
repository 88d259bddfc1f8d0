package doctor_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/testbed"
)

var (
	tb   *testbed.Cluster
	glcd string // the built binary
)

func TestMain(m *testing.M) {
	if os.Getenv("GLCD_DOCTOR_TEST_PUSH") != "" {
		// re-executed inside the test bed's network namespace, where its registries listen
		os.Exit(pushImages())
	}
	os.Exit(testbed.MainWithGLCD(m, &tb, &glcd, testbed.ImportAppImages))
}

// Secrets every run carries in its environment; none may appear in the output.
const (
	jobToken = "glcbt-64_DoctorJobTokenNeverShown"
	gitToken = "glpat-DoctorGitTokenNeverShown"
)

// doctor runs the built binary with exactly env (plus the secrets above and a PATH holding
// only the given directories) and returns its raw stdout+stderr and exit code. It fails the
// test if any secret of env appears in the output.
func doctor(t *testing.T, env []string, path []string, args ...string) (string, int) {
	t.Helper()
	return doctorIn(t, nil, env, path, args...)
}

// doctorIn is doctor run through a command prefix (nsenter).
func doctorIn(t *testing.T, prefix, env []string, path []string, args ...string) (string, int) {
	t.Helper()
	if glcd == "" {
		t.Skip("runs the built glcd binary, which go test -short does not build (make test does)")
	}
	full := append([]string{"CI_JOB_TOKEN=" + jobToken, "GLCD_GIT_TOKEN=" + gitToken, "PATH=" + strings.Join(path, ":"), "HOME=" + t.TempDir()}, env...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	argv := append(append(slices.Clone(prefix), glcd, "doctor"), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = full
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	t.Logf("glcd doctor %s -> exit %d\n%s", strings.Join(args, " "), code, text)
	for _, kv := range full {
		k, v, _ := strings.Cut(kv, "=")
		if isSecretVar(k) && len(v) >= 8 && strings.Contains(text, v) {
			t.Errorf("the value of %s leaked into the output", k)
		}
	}
	return text, code
}

func isSecretVar(k string) bool {
	return strings.Contains(k, "TOKEN") || strings.Contains(k, "PASSWORD")
}

// noKubectl is a PATH without kubectl, so the kubectl check is only a warning.
func noKubectl(t *testing.T) []string { return []string{t.TempDir()} }

// goodPath holds the test bed's kubectl (the server's version).
func goodPath() []string { return []string{tb.BinDir} }

func wantCode(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("exit code %d, want %d", got, want)
	}
}

// wantLine asserts a line starting with mark and check ("✗ tls:") that contains every sub.
func wantLine(t *testing.T, out, prefix string, subs ...string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(l, s) {
				t.Errorf("line %q lacks %q", l, s)
			}
		}
		return
	}
	t.Errorf("no line starts with %q", prefix)
}

// wantFix asserts the fix under the line starting with prefix contains every sub.
func wantFix(t *testing.T, out, prefix string, subs ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		var fix strings.Builder
		for _, m := range lines[i+1:] {
			if !strings.HasPrefix(m, "    ") {
				break
			}
			if strings.HasPrefix(m, "    fix: ") || fix.Len() > 0 {
				fix.WriteString(strings.TrimSpace(strings.TrimPrefix(m, "    fix: ")) + " ")
			}
		}
		if fix.Len() == 0 {
			t.Errorf("no fix under %q", l)
		}
		for _, s := range subs {
			if !strings.Contains(fix.String(), s) {
				t.Errorf("fix under %q lacks %q: %s", l, s, fix.String())
			}
		}
		if strings.Contains(strings.ToLower(fix.String()), "insecure") || strings.Contains(strings.ToLower(fix.String()), "skip") {
			t.Errorf("a fix suggests skipping verification: %s", fix.String())
		}
		return
	}
	t.Errorf("no line starts with %q", prefix)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func pki(name string) string { return filepath.Join(tb.Dir, "pki", name) }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func apiURL() string { return "https://" + net.JoinHostPort(tb.NodeIP, "6443") }

// app creates deployment NAME in namespace ns with container web (not waited for).
func app(t *testing.T, ns, name string) { t.Helper(); appWith(t, ns, name, "testbed.local/app:1") }

// appWith is app with the given image.
func appWith(t *testing.T, ns, name, image string) {
	t.Helper()
	one := int32(1)
	zero := int64(0)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{Name: "web", Image: image}}}}},
	}
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctxT(t), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// robot creates ServiceAccount name in ns with a Role made of rules (none: no Role) and
// returns a token for it.
func robot(t *testing.T, ns, name string, rules []access.Rule) string {
	t.Helper()
	ctx := ctxT(t)
	c := tb.Client
	if _, err := c.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(rules) > 0 {
		if _, err := c.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: access.PolicyRules(rules)}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := c.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authnv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

// kubeEnv is GitLab's certificate-based integration pointing at the test bed.
func kubeEnv(url, token, caPEM string) []string {
	return []string{"KUBE_URL=" + url, "KUBE_TOKEN=" + token, "KUBE_CA_PEM=" + caPEM}
}

// certPair makes a key and a certificate signed by parent (self-signed when parent is nil).
func certPair(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) ([]byte, []byte, *ecdsa.PrivateKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, k
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), k
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true}
}

// testbedCA loads the test bed's CA certificate and key.
func testbedCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	cb, _ := pem.Decode([]byte(readFile(t, pki("ca.crt"))))
	kb, _ := pem.Decode([]byte(readFile(t, pki("ca.key"))))
	c, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

// writeKubeconfig writes a kubeconfig for the test bed with the given contexts (all pointing
// at the test bed as admin) and current context.
func writeKubeconfig(t *testing.T, current string, contexts ...string) string {
	t.Helper()
	tb.Need(t)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["tb"] = &clientcmdapi.Cluster{Server: apiURL(), CertificateAuthority: pki("ca.crt")}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificate: pki("admin.crt"), ClientKey: pki("admin.key")}
	for _, c := range contexts {
		cfg.Contexts[c] = &clientcmdapi.Context{Cluster: "tb", AuthInfo: "admin"}
	}
	cfg.CurrentContext = current
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// forward listens on addr and copies each connection to and from the API server: the same
// server reached by an address its certificate does not name.
func forward(t *testing.T, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", net.JoinHostPort(tb.NodeIP, "6443"))
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{}, 2)
				go func() { io.Copy(u, c); done <- struct{}{} }()
				go func() { io.Copy(c, u); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return l.Addr().String()
}

func deleteNow() metav1.DeleteOptions {
	zero := int64(0)
	return metav1.DeleteOptions{GracePeriodSeconds: &zero}
}

// Test images in the test bed's registries: one with an ENTRYPOINT (as bitnami/kubectl has),
// one without (as the glcd image), one behind the registry's authentication.
var testImages = []struct {
	ref        string
	entrypoint []string
	auth       bool
}{
	{testbed.Registry + "/tools/kubectl:1", []string{"kubectl"}, false},
	{testbed.Registry + "/glcd/kubectl:1", nil, false},
	{testbed.RegistryAuth + "/private/app:1", nil, true},
}

func pushImages() int {
	for _, ti := range testImages {
		img, err := mutate.Config(empty.Image, v1Config(ti.entrypoint))
		if err == nil {
			var ref ggcrname.Reference
			if ref, err = ggcrname.ParseReference(ti.ref); err == nil {
				auth := authn.Anonymous
				if ti.auth {
					auth = authn.FromConfig(authn.AuthConfig{Username: testbed.RegistryUser, Password: testbed.RegistryPassword})
				}
				err = remote.Write(ref, img, remote.WithAuth(auth))
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "push %s: %v\n", ti.ref, err)
			return 1
		}
	}
	return 0
}

// inNetns returns the command prefix that runs a program inside the test bed's network namespace.
func inNetns(t *testing.T) []string {
	t.Helper()
	p, err := exec.LookPath("nsenter")
	if err != nil {
		t.Fatal(err)
	}
	return []string{p, "--net=" + tb.NetnsPath()}
}

// pushTestImages pushes testImages once, from inside the namespace.
func pushTestImages(t *testing.T) {
	t.Helper()
	pushOnce.Do(func() {
		self, err := os.Executable()
		if err != nil {
			pushErr = err
			return
		}
		cmd := exec.Command(inNetns(t)[0], inNetns(t)[1], self)
		cmd.Env = append(os.Environ(), "GLCD_DOCTOR_TEST_PUSH=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			pushErr = fmt.Errorf("push: %v\n%s", err, out)
		}
	})
	if pushErr != nil {
		t.Fatal(pushErr)
	}
}

var (
	pushOnce sync.Once
	pushErr  error
)

func v1Config(entrypoint []string) v1.Config {
	return v1.Config{Entrypoint: entrypoint, Cmd: []string{"sh"}}
}
