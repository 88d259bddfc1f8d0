package setup

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/doctor"
	"gitlab.com/glcd/glcd/internal/kube"
)

// Formats of the values file.
const (
	FormatEnv        = "env"        // KUBE_URL, KUBE_CA_PEM, KUBE_TOKEN, KUBE_NAMESPACE lines
	FormatKubeconfig = "kubeconfig" // one kubeconfig file
)

// Values are what a GitLab job needs to act as the robot.
type Values struct {
	Server    string // API server URL with its port
	CAPEM     []byte // the CA that signed the API server's serving certificate
	CASource  string // where that CA was found
	CASubject string
	Token     ci.Secret
	Namespace string
	Robot     string
	For       []access.Command // the commands the robot was made for
}

// CACandidate is a CA bundle that may have signed the API server's certificate.
type CACandidate struct {
	Source string // for messages: "the token Secret's ca.crt"
	PEM    []byte
}

// ValuesOptions say whose values to read.
type ValuesOptions struct {
	Namespace, Name string
	// Server is the API URL jobs use ("": the caller's own, from its kubeconfig).
	Server string
	// CAs are candidate CAs, tried in order after the token Secret's ca.crt (before it, and
	// alone, when OnlyCAs): the first that verifies the API server's certificate is used;
	// none verifying is an error.
	CAs     []CACandidate
	OnlyCAs bool
	// For overrides the commands the robot is checked for ("": its ServiceAccount's annotation).
	For []access.Command
}

// ReadValues reads the robot's token, picks the CA that actually signed the API server's serving
// certificate (a real TLS handshake) and returns the values. It does not yet prove them: see Verify.
func ReadValues(ctx context.Context, cs kubernetes.Interface, o ValuesOptions) (*Values, error) {
	sa, err := cs.CoreV1().ServiceAccounts(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("ServiceAccount %s in %s: %w (create it with glcd setup robot --apply)", o.Name, o.Namespace, err)
	}
	v := &Values{Namespace: o.Namespace, Robot: o.Name, For: o.For}
	if len(v.For) == 0 {
		v.For, err = doctor.ParseFor([]string{sa.Annotations[AnnotationFor]})
		if err != nil || len(v.For) == 0 {
			v.For = []access.Command{access.Rollout}
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sec, err := WaitToken(wctx, cs, o.Namespace, Robot{Name: o.Name}.TokenSecret())
	if err != nil {
		return nil, err
	}
	v.Token = ci.NewSecret(string(sec.Data[corev1.ServiceAccountTokenKey]))
	if v.Server, err = ServerURL(o.Server); err != nil {
		return nil, err
	}
	cands := slices.Clone(o.CAs)
	if !o.OnlyCAs {
		cands = append([]CACandidate{{Source: "the token Secret's ca.crt", PEM: sec.Data["ca.crt"]}}, cands...)
	}
	ca, err := SigningCA(ctx, v.Server, cands)
	if err != nil {
		return nil, err
	}
	v.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
	v.CASource, v.CASubject = ca.source, ca.cert.Subject.String()
	return v, nil
}

// ServerURL checks an API server URL and writes its port out (https://host → https://host:443):
// GitLab's KUBE_URL without its port cost the write-up hours.
func ServerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("API server URL %q: want https://HOST:PORT", s)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "443")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u.String(), nil
}

type signingCA struct {
	cert   *x509.Certificate
	source string
}

// SigningCA does a TLS handshake with server and returns the certificate, among the
// candidates, at the root of the chain that verifies the served certificate for server's
// host name. None verifying is an error naming what the server presented and what was tried.
func SigningCA(ctx context.Context, server string, cands []CACandidate) (*signingCA, error) {
	u, _ := url.Parse(server)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// verification happens below, against each candidate in turn
	conn, err := (&tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}).DialContext(dctx, "tcp", u.Host) //nolint:gosec
	if err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w", u.Host, err)
	}
	chain := conn.(*tls.Conn).ConnectionState().PeerCertificates
	conn.Close()
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	var tried []string
	for _, cand := range cands {
		pool := x509.NewCertPool()
		n := 0
		for rest := cand.PEM; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if c, err := x509.ParseCertificate(b.Bytes); err == nil && b.Type == "CERTIFICATE" {
				pool.AddCert(c)
				n++
			}
		}
		if n == 0 {
			tried = append(tried, cand.Source+": no certificate in it")
			continue
		}
		chains, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, DNSName: u.Hostname()})
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", cand.Source, err))
			continue
		}
		root := chains[0][len(chains[0])-1]
		if root.Equal(leaf) {
			tried = append(tried, cand.Source+": it is the server's own certificate, not the CA that signed it")
			continue
		}
		return &signingCA{cert: root, source: cand.Source}, nil
	}
	return nil, fmt.Errorf("no CA given verifies %s's certificate (%s, issued by %s):\n  %s\npass --ca-file with the CA that signed it (on kubeadm clusters /etc/kubernetes/pki/ca.crt)",
		u.Host, leaf.Subject, leaf.Issuer, strings.Join(tried, "\n  "))
}

// Lines are the values as GitLab's certificate-integration variables.
func (v *Values) Lines() [][2]string {
	return [][2]string{{"KUBE_URL", v.Server}, {"KUBE_CA_PEM", string(v.CAPEM)}, {"KUBE_TOKEN", v.Token.Reveal()}, {"KUBE_NAMESPACE", v.Namespace}}
}

// Render returns the file's content in format.
func (v *Values) Render(format string) ([]byte, error) {
	switch format {
	case FormatEnv:
		var b bytes.Buffer
		for _, kv := range v.Lines() {
			// single-quoted: a POSIX shell reads the multi-line PEM back with `set -a; . FILE`
			fmt.Fprintf(&b, "%s='%s'\n", kv[0], strings.TrimSuffix(kv[1], "\n"))
		}
		return b.Bytes(), nil
	case FormatKubeconfig:
		name := v.Robot + "@" + v.Namespace
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: v.Server, CertificateAuthorityData: v.CAPEM}
		cfg.AuthInfos[v.Robot] = &clientcmdapi.AuthInfo{Token: v.Token.Reveal()}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: v.Robot, Namespace: v.Namespace}
		cfg.CurrentContext = name
		return clientcmd.Write(*cfg)
	}
	return nil, fmt.Errorf("format %q: want env or kubeconfig", format)
}

// clusterChecks are the doctor's checks a job's connection depends on.
var clusterChecks = []string{doctor.CheckEnvironment, doctor.CheckKubeconfig, doctor.CheckNetwork, doctor.CheckTLS,
	doctor.CheckAuthentication, doctor.CheckAuthorization}

// Verify connects with exactly the rendered file's values as a job would (TLS verified with the
// CA, the token, the doctor's permission checks of the robot's commands) and returns the
// evidence, or an error saying what does not work.
func (v *Values) Verify(ctx context.Context, format string, content []byte, dir string, masker *ci.Masker) ([]string, error) {
	var env []string
	opts := kube.Options{UserAgent: "glcd-setup"}
	switch format {
	case FormatEnv:
		for _, kv := range v.Lines() {
			env = append(env, kv[0]+"="+kv[1])
		}
	case FormatKubeconfig:
		f, err := os.CreateTemp(dir, ".glcd-verify-*")
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		defer os.Remove(f.Name())
		if _, err := f.Write(content); err != nil {
			f.Close()
			return nil, fmt.Errorf("verify: %w", err)
		}
		f.Close()
		opts.Kubeconfig = f.Name()
	}
	var cmds []access.Command
	for _, c := range v.For {
		if len(access.For(c)) > 0 {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		cmds = []access.Command{access.Rollout} // writeback-only robots: the connection still has to work
	}
	rep := doctor.Run(ctx, doctor.Options{Env: ci.Load(ci.Environ(env)), Kube: opts, For: cmds, Masker: masker, Environ: env,
		StepTimeout: 5 * time.Second, Exec: noExec{}})
	var ok, bad []string
	for _, r := range rep.Results {
		if !slices.Contains(clusterChecks, r.Check) {
			continue
		}
		switch r.Status {
		case doctor.OK:
			ok = append(ok, r.Check+": "+r.Evidence)
		case doctor.Fail:
			s := r.Check + ": " + r.Evidence
			if len(r.Details) > 0 {
				s += " (" + strings.Join(r.Details, "; ") + ")"
			}
			if r.Fix != "" {
				s += "\n    fix: " + r.Fix
			}
			bad = append(bad, s)
		}
	}
	if len(bad) > 0 {
		return nil, errors.New("these values do not work, nothing was written:\n  " + strings.Join(bad, "\n  "))
	}
	if !slices.ContainsFunc(ok, func(s string) bool { return strings.HasPrefix(s, doctor.CheckAuthorization) }) {
		return nil, errors.New("these values were not proven (the doctor checked no permission), nothing was written")
	}
	return ok, nil
}

// noExec is the doctor's kubectl lookup for Verify: a job's kubectl is not this machine's.
type noExec struct{}

func (noExec) LookPath(string) (string, error) { return "", errors.New("not checked") }
func (noExec) Run(context.Context, []string, string, ...string) ([]byte, []byte, error) {
	return nil, nil, errors.New("not checked")
}

// WriteFile writes content to path with mode 0600, replacing it atomically.
func WriteFile(path string, content []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".glcd-vars-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := io.Copy(f, bytes.NewReader(content)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Setting is where one value goes in GitLab: a project CI/CD variable and its options.
type Setting struct {
	Key       string
	Value     ci.Secret
	File      bool
	Protected bool
	Masked    bool
	Note      string
}

// Settings are the project CI/CD variables the values become, in format.
func (v *Values) Settings(format string, content []byte) []Setting {
	if format == FormatKubeconfig {
		return []Setting{{Key: "KUBECONFIG", Value: ci.NewSecret(string(content)), File: true, Protected: true,
			Note: "type File (the job gets its path); a multi-line file cannot be masked, so never print it in a job"}}
	}
	return []Setting{
		{Key: "KUBE_URL", Value: ci.NewSecret(v.Server), Protected: true, Note: "not secret"},
		{Key: "KUBE_CA_PEM", Value: ci.NewSecret(string(v.CAPEM)), Protected: true, Note: "not secret; a PEM cannot be masked (several lines)"},
		{Key: "KUBE_TOKEN", Value: v.Token, Protected: true, Masked: true, Note: "the secret: masked (and hidden, where GitLab offers it)"},
		{Key: "KUBE_NAMESPACE", Value: ci.NewSecret(v.Namespace), Protected: true, Note: "not secret"},
	}
}

// WriteGuide says which GitLab setting each value goes to, and the better routes.
func WriteGuide(w io.Writer, settings []Setting, scope string) {
	fmt.Fprintf(w, "in GitLab: the infra project's Settings > CI/CD > Variables, environment scope %q (the deploy job's environment:):\n", scope)
	for _, s := range settings {
		typ := "Variable"
		if s.File {
			typ = "File"
		}
		var opts []string
		if s.Protected {
			opts = append(opts, "protected")
		}
		if s.Masked {
			opts = append(opts, "masked")
		} else {
			opts = append(opts, "not masked")
		}
		fmt.Fprintf(w, "  %-15s type %s, %s: %s\n", s.Key, typ, strings.Join(opts, ", "), s.Note)
	}
	fmt.Fprintln(w, "protected: only pipelines of protected branches and tags get them, so protect the infra repo's main branch.")
	fmt.Fprintln(w, "the better route, where the cluster can run it: the GitLab agent for Kubernetes (the job gets a KUBECONFIG context path/to/agent-project:agent-name; no token is stored in GitLab)")
}
