// Package gitserver is a real git server for tests: bare repositories served by
// `git http-backend` through net/http/cgi (smart HTTP, protocol v0 and v2), behind HTTP basic
// authentication that accepts only the tokens it is given, answering 401 like GitLab to
// anything else, 403 to a push with a read-only token and 404 for an unknown repository. It
// serves plain HTTP or TLS (httptest's certificate; CAFile hands its CA to git through
// GIT_SSL_CAINFO). Refusals are real git hooks in the bare repository.
//
// It listens on 127.0.0.1, or on Options.Addr (the test bed's host address, so pods can clone),
// and needs no Kubernetes: it does not import internal/testbed.
package gitserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Token is a credential the server accepts, as HTTP basic auth: any user name (or only User,
// when set) with Value as the password.
type Token struct {
	User     string // "" accepts any user name, as GitLab does for personal and project tokens
	Value    string
	ReadOnly bool // may fetch, not push (GitLab's 403 "You are not allowed to push code")
}

// Options configure a Server.
type Options struct {
	TLS    bool
	Tokens []Token
	// Addr is the IP address to listen on instead of 127.0.0.1; with TLS the certificate
	// names it too.
	Addr string
	// API, when set, answers every request under /api/ (GitLab serves its API and its
	// repositories on one host): a test's double of the endpoints it needs.
	API http.Handler
}

// Request is one HTTP request as the server answered it.
type Request struct {
	Method  string
	Path    string // URL path, such as /group/infra.git/info/refs
	Service string // git-upload-pack or git-receive-pack
	User    string // the basic-auth user name sent, if any
	Authed  bool   // the credentials were accepted
	// Protocol is the Git-Protocol header ("version=2"), passed on to http-backend.
	Protocol string
	Status   int
}

// Server is a running git server.
type Server struct {
	// URL is the base URL, such as https://127.0.0.1:41234; a repository "group/infra.git"
	// is at URL+"/group/infra.git".
	URL string
	// Root holds the bare repositories.
	Root string
	// CAFile is the PEM file of the TLS certificate to trust (GIT_SSL_CAINFO); "" without TLS.
	CAFile string

	srv     *httptest.Server
	backend string
	tmp     string
	api     http.Handler

	mu       sync.Mutex
	tokens   []Token
	requests []Request
	stderr   bytes.Buffer
}

// New starts a server on 127.0.0.1.
func New(opts Options) (*Server, error) {
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("gitserver: git --exec-path: %w", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		return nil, fmt.Errorf("gitserver: %w", err)
	}
	tmp, err := os.MkdirTemp("", "glcd-gitserver-")
	if err != nil {
		return nil, fmt.Errorf("gitserver: %w", err)
	}
	s := &Server{Root: filepath.Join(tmp, "repos"), backend: backend, tmp: tmp, tokens: slices.Clone(opts.Tokens), api: opts.API}
	for _, d := range []string{s.Root, filepath.Join(tmp, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("gitserver: %w", err)
		}
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opts.Addr != "" {
		if err := s.listenOn(opts.Addr, opts.TLS); err != nil {
			s.Close()
			return nil, err
		}
	}
	if opts.TLS {
		s.srv.StartTLS()
		s.CAFile = filepath.Join(tmp, "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
		if err := os.WriteFile(s.CAFile, pemBytes, 0o644); err != nil {
			s.Close()
			return nil, fmt.Errorf("gitserver: %w", err)
		}
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL
	return s, nil
}

// listenOn moves the server to addr and, for TLS, gives it a self-signed certificate for
// addr and 127.0.0.1 (httptest's own names only 127.0.0.1 and example.com).
func (s *Server) listenOn(addr string, withTLS bool) error {
	ip := net.ParseIP(addr)
	if ip == nil {
		return fmt.Errorf("gitserver: Addr %q is not an IP address", addr)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return fmt.Errorf("gitserver: %w", err)
	}
	s.srv.Listener.Close()
	s.srv.Listener = l
	if !withTLS {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("gitserver: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "glcd test git server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{ip, net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("gitserver: %w", err)
	}
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return nil
}

// Close stops the server and removes its repositories.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
	os.RemoveAll(s.tmp)
}

// Location is the repository's address the way the old PROJECT_INFRA_REPO_LOCATION wrote
// it: host:port/path without scheme and without .git.
func (s *Server) Location(repo string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s.URL, "https://"), "http://")+"/"+repo, ".git")
}

// RepoURL is the repository's URL, without credentials.
func (s *Server) RepoURL(repo string) string { return s.URL + "/" + repo }

// Dir is the bare repository's directory.
func (s *Server) Dir(repo string) string { return filepath.Join(s.Root, filepath.FromSlash(repo)) }

// CreateRepo makes an empty bare repository repo (such as "group/infra.git") whose default
// branch is branch.
func (s *Server) CreateRepo(repo, branch string) error {
	if !strings.HasSuffix(repo, ".git") || strings.Contains(repo, "..") {
		return fmt.Errorf("gitserver: repository %q: want a relative path ending in .git", repo)
	}
	dir := s.Dir(repo)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	cmd := exec.Command("git", "init", "--quiet", "--bare", "--initial-branch="+branch, dir)
	cmd.Env = s.gitEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gitserver: git init: %v\n%s", err, out)
	}
	return nil
}

// Refuse installs an update hook in repo that declines every update of a ref starting with
// prefix, printing message, as a protected branch or tag rule would. An atomic push that
// contains such an update then changes nothing.
func (s *Server) Refuse(repo, prefix, message string) error {
	hook := "#!/bin/sh\ncase \"$1\" in\n" + shellQuote(prefix) + "*) echo " + shellQuote(message) + " >&2; exit 1;;\nesac\nexit 0\n"
	return os.WriteFile(filepath.Join(s.Dir(repo), "hooks", "update"), []byte(hook), 0o755)
}

// Allow removes the hook Refuse installed.
func (s *Server) Allow(repo string) error {
	err := os.Remove(filepath.Join(s.Dir(repo), "hooks", "update"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// BackendStderr returns what git http-backend and the hooks wrote to stderr.
func (s *Server) BackendStderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

func (s *Server) gitEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(s.tmp, "home"), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C"}
}

type lockedWriter struct{ s *Server }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.stderr.Write(p)
}

// AddToken makes the server accept one more credential (a new job's token, say).
func (s *Server) AddToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = append(s.tokens, t)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.api != nil && strings.HasPrefix(r.URL.Path, "/api/") {
		s.api.ServeHTTP(w, r)
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Service: r.URL.Query().Get("service"), Protocol: r.Header.Get("Git-Protocol")}
	if rec.Service == "" {
		rec.Service = path.Base(r.URL.Path)
	}
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()
	user, pass, hasAuth := r.BasicAuth()
	rec.User = user
	var tok *Token
	s.mu.Lock()
	for i := range s.tokens {
		t := s.tokens[i]
		if hasAuth && pass == t.Value && (t.User == "" || t.User == user) {
			tok = &t
			break
		}
	}
	s.mu.Unlock()
	if tok == nil {
		// GitLab's answer to missing or wrong credentials on a private project.
		w.Header().Set("WWW-Authenticate", `Basic realm="GitLab"`)
		rec.Status = http.StatusUnauthorized
		http.Error(w, "HTTP Basic: Access denied. If a password was provided for Git authentication, "+
			"the password was incorrect or you're required to use a token instead of a password.", http.StatusUnauthorized)
		return
	}
	rec.Authed = true
	if !s.exists(r.URL.Path) {
		rec.Status = http.StatusNotFound
		http.Error(w, "The project you were looking for could not be found or you don't have permission to view it.", http.StatusNotFound)
		return
	}
	if rec.Service == "git-receive-pack" && tok.ReadOnly {
		rec.Status = http.StatusForbidden
		http.Error(w, "You are not allowed to push code to this project.", http.StatusForbidden)
		return
	}
	env := append(s.gitEnv(), "GIT_PROJECT_ROOT="+s.Root, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER="+user)
	if p := r.Header.Get("Git-Protocol"); p != "" {
		env = append(env, "GIT_PROTOCOL="+p)
	}
	h := &cgi.Handler{Path: s.backend, Root: "/", Env: env, Stderr: lockedWriter{s}}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(sw, r)
	rec.Status = sw.status
}

// exists reports whether a request path is for a bare repository the server has.
func (s *Server) exists(p string) bool {
	i := strings.Index(p, ".git/")
	if i < 0 {
		return false
	}
	repo := strings.TrimPrefix(p[:i+len(".git")], "/")
	if strings.Contains(repo, "..") {
		return false
	}
	fi, err := os.Stat(filepath.Join(s.Dir(repo), "HEAD"))
	return err == nil && !fi.IsDir()
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
