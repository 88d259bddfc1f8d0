package doctor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/rest"
)

// tls is check 4: a handshake with exactly the CA and client certificate glcd would use.
// A failure is told apart: unknown authority, the server's leaf given as the CA, hostname
// mismatch, expired or not yet valid. Skipping verification is never the fix.
func (d *run) tls(ctx context.Context, addr string) bool {
	var ok bool
	d.add(timed(func() Result {
		cfg := d.cfg
		if cfg.Insecure {
			ok = true
			return Result{Check: CheckTLS, Status: Warn, Evidence: "verification is switched off by --insecure-skip-tls-verify: anyone on the path can read the credentials; remove the flag and give the cluster's CA"}
		}
		if strings.HasPrefix(cfg.Host, "http://") {
			return Result{Check: CheckTLS, Status: Fail, Evidence: "the server URL is http://: credentials would travel in clear text",
				Fix: "use the API server's https:// URL"}
		}
		tcfg, err := rest.TLSConfigFor(cfg)
		if err != nil {
			return Result{Check: CheckTLS, Status: Fail, Evidence: fmt.Sprintf("TLS configuration: %v", err),
				Fix: "the CA (KUBE_CA_PEM, certificate-authority[-data]) and client certificate/key must be readable PEM"}
		}
		if tcfg == nil {
			tcfg = &tls.Config{}
		}
		given := givenCAs(cfg)
		dctx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
		defer cancel()
		t := time.Now()
		conn, err := (&tls.Dialer{NetDialer: &net.Dialer{}, Config: tcfg}).DialContext(dctx, "tcp", addr)
		if err == nil {
			st := conn.(*tls.Conn).ConnectionState()
			conn.Close()
			leaf := st.PeerCertificates[0]
			if i := sameAsLeaf(given, leaf); i >= 0 {
				// Go accepts a root that is the leaf itself; it breaks at the next renewal
				return Result{Check: CheckTLS, Status: Fail,
					Evidence: fmt.Sprintf("the CA given is the API server's own certificate (%s, CA:%v), not the CA that signed it (%s)", describe(leaf), leaf.IsCA, name(leaf.Issuer.String())),
					Details:  chainDetails(st.PeerCertificates, given),
					Fix:      caFix(leaf)}
			}
			ok = true
			return Result{Check: CheckTLS, Status: OK, Evidence: fmt.Sprintf("%s verified with %s (%s, %s; server certificate %s, valid until %s)",
				addr, caSource(cfg, d), tls.VersionName(st.Version), since(t), describe(leaf), leaf.NotAfter.UTC().Format(time.DateOnly))}
		}
		return d.tlsFailure(err, given)
	}))
	return ok
}

func (d *run) tlsFailure(err error, given []*x509.Certificate) Result {
	var cve *tls.CertificateVerificationError
	var chain []*x509.Certificate
	if errors.As(err, &cve) {
		chain = cve.UnverifiedCertificates
	}
	r := Result{Check: CheckTLS, Status: Fail, Details: chainDetails(chain, given)}
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &he):
		c := he.Certificate
		r.Evidence = fmt.Sprintf("the API server's certificate is not for %q: it names %s", he.Host, list(sans(c)))
		r.Fix = fmt.Sprintf("connect with a name the certificate lists (%s) in the server URL (KUBE_URL or the kubeconfig's server:), "+
			"or reissue the API server's certificate with %s among its SANs (kubeadm: apiServer.certSANs, then `kubeadm certs renew apiserver`)", list(sans(c)), he.Host)
	case errors.As(err, &inv) && (inv.Reason == x509.Expired):
		c := inv.Cert
		now := time.Now().UTC()
		if now.Before(c.NotBefore) {
			r.Evidence = fmt.Sprintf("certificate %s is not valid yet: valid from %s, now is %s", describe(c), c.NotBefore.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
			r.Fix = "the clock of the runner or of the API server is wrong: fix the time (NTP) on the wrong one"
		} else {
			r.Evidence = fmt.Sprintf("certificate %s expired on %s (valid %s to %s)", describe(c), c.NotAfter.UTC().Format(time.RFC3339),
				c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
			r.Fix = "renew the API server's certificate (kubeadm: `kubeadm certs renew apiserver`, then restart the API server)"
		}
	case errors.As(err, &ua) || errors.As(err, &cve):
		leaf := (*x509.Certificate)(nil)
		if len(chain) > 0 {
			leaf = chain[0]
		}
		r.Evidence = "certificate signed by unknown authority: " + unknownAuthority(leaf, given)
		r.Fix = caFix(leaf)
	default:
		r.Evidence = fmt.Sprintf("TLS handshake with %s: %v", d.cfg.Host, err)
		r.Fix = "the server URL must be the API server's https endpoint (not a proxy or another service on that port)"
	}
	return r
}

// unknownAuthority says how the CA given relates to the chain the server presented.
func unknownAuthority(leaf *x509.Certificate, given []*x509.Certificate) string {
	if len(given) == 0 {
		return "no CA was given, so the system's trust store was used, and it does not know the cluster's CA"
	}
	var parts []string
	for _, g := range given {
		switch {
		case leaf != nil && bytes.Equal(g.Raw, leaf.Raw):
			parts = append(parts, fmt.Sprintf("the CA given is the API server's own certificate (%s, CA:false), not its issuer", describe(g)))
		case !g.IsCA:
			parts = append(parts, fmt.Sprintf("the PEM given is not a CA at all (%s, CA:FALSE): a leaf certificate pasted by mistake", describe(g)))
		case leaf != nil && g.Subject.String() == leaf.Issuer.String():
			parts = append(parts, fmt.Sprintf("the CA given (%s) has the right name but another key: the cluster's CA was regenerated, or it is another cluster's", describe(g)))
		default:
			parts = append(parts, fmt.Sprintf("the CA given (%s) did not sign the server's certificate", describe(g)))
		}
	}
	if leaf != nil {
		parts = append(parts, fmt.Sprintf("the server's certificate %s was issued by %s", describe(leaf), name(leaf.Issuer.String())))
	}
	return strings.Join(parts, "; ")
}

func caFix(leaf *x509.Certificate) string {
	issuer := "the cluster's CA"
	if leaf != nil {
		issuer = fmt.Sprintf("the CA certificate named %s", name(leaf.Issuer.String()))
	}
	return fmt.Sprintf("give %s, the one that signed the API server's certificate, as KUBE_CA_PEM (or the kubeconfig's certificate-authority-data): "+
		"on a kubeadm control plane it is /etc/kubernetes/pki/ca.crt; from a working kubeconfig: "+
		"kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d", issuer)
}

func chainDetails(chain, given []*x509.Certificate) []string {
	var out []string
	for i, c := range chain {
		out = append(out, fmt.Sprintf("server chain[%d]: %s, issuer %s, CA:%v, %s to %s", i, name(c.Subject.String()), name(c.Issuer.String()), c.IsCA,
			c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly)))
	}
	for i, c := range given {
		out = append(out, fmt.Sprintf("CA given[%d]: %s, issuer %s, CA:%v, %s to %s", i, name(c.Subject.String()), name(c.Issuer.String()), c.IsCA,
			c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly)))
	}
	return out
}

func sameAsLeaf(given []*x509.Certificate, leaf *x509.Certificate) int {
	for i, g := range given {
		if bytes.Equal(g.Raw, leaf.Raw) && !g.IsCA {
			return i
		}
	}
	return -1
}

func givenCAs(cfg *rest.Config) []*x509.Certificate {
	data := cfg.CAData
	if len(data) == 0 && cfg.CAFile != "" {
		data, _ = os.ReadFile(cfg.CAFile)
	}
	return parsePEMCerts(data)
}

func parsePEMCerts(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

func caSource(cfg *rest.Config, d *run) string {
	switch {
	case d.opts.Env.Kube.CAPEM != "" && d.target.Source == "KUBE_URL="+d.opts.Env.Kube.URL:
		return "KUBE_CA_PEM"
	case d.opts.Env.Kube.CAPEMFile != "" && d.target.Source == "KUBE_URL="+d.opts.Env.Kube.URL:
		return "KUBE_CA_PEM_FILE"
	case len(cfg.CAData) > 0:
		return "the kubeconfig's CA"
	case cfg.CAFile != "":
		return "CA file " + cfg.CAFile
	}
	return "the system's trust store"
}

func sans(c *x509.Certificate) []string {
	out := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// describe names a certificate by its subject and SANs, shortly.
func describe(c *x509.Certificate) string {
	s := name(c.Subject.String())
	if n := sans(c); len(n) > 0 {
		if len(n) > 4 {
			n = append(n[:4], "…")
		}
		s += " [" + strings.Join(n, " ") + "]"
	}
	return s
}

func name(dn string) string {
	if dn == "" {
		return "(empty name)"
	}
	return `"` + dn + `"`
}

// credentialKind says how the config authenticates.
func credentialKind(cfg *rest.Config) string {
	switch {
	case cfg.BearerToken != "" || cfg.BearerTokenFile != "":
		if c, ok := jwtClaims(bearer(cfg)); ok && c.Sub != "" {
			return "token of " + c.Sub
		}
		return "token"
	case len(cfg.CertData) > 0 || cfg.CertFile != "":
		if c := clientCert(cfg); c != nil {
			return fmt.Sprintf("client certificate %s", name(c.Subject.String()))
		}
		return "client certificate"
	case cfg.ExecProvider != nil:
		return "exec plugin " + cfg.ExecProvider.Command
	case cfg.AuthProvider != nil:
		return "auth provider " + cfg.AuthProvider.Name
	case cfg.Username != "":
		return "basic auth"
	}
	return "no credentials"
}

func bearer(cfg *rest.Config) string {
	if cfg.BearerToken != "" {
		return cfg.BearerToken
	}
	b, _ := os.ReadFile(cfg.BearerTokenFile)
	return strings.TrimSpace(string(b))
}

func clientCert(cfg *rest.Config) *x509.Certificate {
	data := cfg.CertData
	if len(data) == 0 && cfg.CertFile != "" {
		data, _ = os.ReadFile(cfg.CertFile)
	}
	if cs := parsePEMCerts(data); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

type claims struct {
	Sub string `json:"sub"`
	Iss string `json:"iss"`
	Exp int64  `json:"exp"`
}

// jwtClaims reads (without verifying: only the API server can) a JWT's claims.
func jwtClaims(tok string) (claims, bool) {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, false
	}
	return c, true
}

// unauthorizedReason explains a 401 from what the client holds.
func unauthorizedReason(cfg *rest.Config, now time.Time) (why, fix string) {
	switch {
	case cfg.BearerToken != "" || cfg.BearerTokenFile != "":
		c, isJWT := jwtClaims(bearer(cfg))
		if isJWT && c.Exp > 0 && now.Unix() >= c.Exp {
			return fmt.Sprintf("the token (service account %s) expired at %s", c.Sub, time.Unix(c.Exp, 0).UTC().Format(time.RFC3339)),
				"make a new token (kubectl create token SA --duration=…, or a kubernetes.io/service-account-token Secret) and update KUBE_TOKEN or the kubeconfig's user"
		}
		if isJWT {
			return fmt.Sprintf("the API server does not accept the token of %s (issuer %s): its ServiceAccount or Secret was deleted, it was revoked, or it belongs to another cluster", c.Sub, c.Iss),
				"make a new token for an existing ServiceAccount of this cluster and update KUBE_TOKEN or the kubeconfig's user"
		}
		return "the API server does not know the token (not a service account JWT: a static or revoked token, or another cluster's)",
			"use a token this cluster issued (a ServiceAccount's) in KUBE_TOKEN or the kubeconfig's user"
	case len(cfg.CertData) > 0 || cfg.CertFile != "":
		c := clientCert(cfg)
		if c == nil {
			return "the client certificate does not parse", "give a PEM client certificate and key"
		}
		if now.After(c.NotAfter) {
			return fmt.Sprintf("the client certificate %s expired on %s", name(c.Subject.String()), c.NotAfter.UTC().Format(time.RFC3339)),
				"issue a new client certificate (kubeadm: `kubeadm kubeconfig user`, or a CertificateSigningRequest) or switch to a ServiceAccount token"
		}
		if now.Before(c.NotBefore) {
			return fmt.Sprintf("the client certificate %s is valid only from %s", name(c.Subject.String()), c.NotBefore.UTC().Format(time.RFC3339)),
				"fix the clock of the runner or of the API server"
		}
		return fmt.Sprintf("the API server does not accept the client certificate %s issued by %s: it is not signed by the cluster's client CA", name(c.Subject.String()), name(c.Issuer.String())),
			"use a client certificate signed by this cluster's CA, or a ServiceAccount token"
	}
	return "the credentials were refused", "give the job a valid token or client certificate"
}
