// Package gitlabapi is a test double of the GitLab REST API endpoints glcd uses: the
// pipeline trigger, a single pipeline, a pipeline's jobs, getting and creating tags, and
// creating and updating project CI/CD variables.
// It answers with GitLab's documented JSON fields and status codes, follows a per-test
// script (the statuses a triggered pipeline goes through, its jobs, injected faults such
// as 429 with Retry-After, 5xx, dropped or hanging connections), and records every request
// as sent (method, escaped path, headers, body) so tests assert exactly what GitLab got.
//
// It listens on 127.0.0.1 only and needs no Kubernetes: it does not import internal/testbed.
package gitlabapi

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// TokenKind is how a token is sent: the header GitLab reads it from.
type TokenKind string

// The kinds of API tokens the double accepts.
const (
	PrivateToken TokenKind = "PRIVATE-TOKEN" // personal, project or group access token (also as Authorization: Bearer)
	JobToken     TokenKind = "JOB-TOKEN"     // CI_JOB_TOKEN; also accepted as the trigger's token (multi-project pipelines)
)

// Token is an API token the double accepts.
type Token struct {
	Kind  TokenKind
	Value string
	// Scopes of a PrivateToken: "api" (read and write) or "read_api" (read only). Empty means api.
	Scopes []string
	// Projects the token may see, by id; empty means all.
	Projects []int64
}

// Project is a project the double knows.
type Project struct {
	ID   int64
	Path string // path with namespace, such as "group/app-infra"
	// Branches maps branch names to commit SHAs; nil gives {"main": <a SHA>}.
	Branches map[string]string
	// Tags maps existing tag names to commit SHAs.
	Tags map[string]string
	// TriggerTokens are the project's pipeline trigger tokens.
	TriggerTokens []string
}

// Job is a job of a scripted pipeline.
type Job struct {
	Name          string
	Stage         string
	Status        string // created, pending, running, failed, success, canceled, skipped, waiting_for_resource, manual
	FailureReason string // for failed jobs, such as script_failure
	AllowFailure  bool
}

// Script is what the next triggered pipeline does.
type Script struct {
	// Statuses: the trigger answers with the first; each GET of the pipeline moves one step
	// further and the last one stays. Empty means created, pending, running, success.
	Statuses []string
	// Jobs of the pipeline, listed by the jobs endpoint.
	Jobs []Job
}

// Fault replaces the answers to matching requests.
type Fault struct {
	Method string // "" matches any method
	Path   string // suffix of the decoded path, such as "/trigger/pipeline"; "" matches any
	Times  int    // how many matching requests it answers; 0 means 1

	Status     int    // status to answer with
	RetryAfter string // Retry-After header value, if any
	Body       string // body; empty gives GitLab's usual body for Status

	// After handles the request first (a trigger creates its pipeline) and then answers with
	// the fault: what a proxy timing out in front of a GitLab that did the work looks like.
	After bool
	// Drop closes the connection without any answer.
	Drop bool
	// Hang holds the request without answering until the client goes away.
	Hang bool
}

// Request is one request as the double received it.
type Request struct {
	Method  string
	Path    string // decoded, such as /api/v4/projects/group/app/trigger/pipeline
	RawPath string // as sent, such as /api/v4/projects/group%2Fapp/trigger/pipeline
	Query   url.Values
	Header  http.Header
	Body    []byte
	// Form holds the parsed form fields of an urlencoded or multipart body.
	Form url.Values
}

// Server is the running double.
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:port); the API is at URL+"/api/v4".
	URL string

	srv  *httptest.Server
	done chan struct{}

	mu         sync.Mutex
	projects   []*project
	tokens     []Token
	scripts    []Script
	faults     []*Fault
	requests   []Request
	pipelines  []*pipeline
	nextID     int64
	nextJobID  int64
	closedOnce sync.Once
}

type project struct {
	Project
	nextIID int64
	tags    map[string]TagEntity
	vars    []VariableEntity
}

type pipeline struct {
	entity   Pipeline
	statuses []string
	step     int
	jobs     []JobEntity
	vars     map[string]string
}

// New starts a double on 127.0.0.1 at a free port.
func New() *Server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("gitlabapi: listen: %v", err))
	}
	return NewOn(l)
}

// NewOn starts a double on l, for tests that need the address before the server exists.
func NewOn(l net.Listener) *Server {
	s := &Server{done: make(chan struct{}), nextID: 1000, nextJobID: 5000}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// APIURL is the v4 API base URL, what GitLab puts in CI_API_V4_URL.
func (s *Server) APIURL() string { return s.URL + "/api/v4" }

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.closedOnce.Do(func() { close(s.done) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// AddProject registers a project.
func (s *Server) AddProject(p Project) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Branches == nil {
		p.Branches = map[string]string{"main": fakeSHA(fmt.Sprint(p.ID, "main"))}
	}
	pr := &project{Project: p, nextIID: 1, tags: map[string]TagEntity{}}
	for name, sha := range p.Tags {
		pr.tags[name] = s.tagEntity(pr, name, sha, "")
	}
	s.projects = append(s.projects, pr)
}

// AddToken registers an API token.
func (s *Server) AddToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = append(s.tokens, t)
}

// Script queues what the next triggered pipeline does; each trigger takes one script.
func (s *Server) Script(sc Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, sc)
}

// Inject queues a fault. Faults are tried in the order injected.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many requests had the method and a decoded path ending in suffix.
func (s *Server) Count(method, suffix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// Pipelines returns the pipelines created so far, oldest first, as GitLab would show them now.
func (s *Server) Pipelines() []Pipeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pipeline
	for _, p := range s.pipelines {
		out = append(out, p.entity)
	}
	return out
}

// Variables returns the variables a pipeline was triggered with.
func (s *Server) Variables(pipelineID int64) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pipelines {
		if p.entity.ID == pipelineID {
			return maps.Clone(p.vars)
		}
	}
	return nil
}

// Tag returns a tag of a project (by path), if it exists.
func (s *Server) Tag(projectPath, name string) (TagEntity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.projects {
		if p.Path == projectPath {
			t, ok := p.tags[name]
			return t, ok
		}
	}
	return TagEntity{}, false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := Request{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body,
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		if strings.HasPrefix(ct, "multipart/") {
			_ = r.ParseMultipartForm(1 << 20)
		} else {
			_ = r.ParseForm()
		}
		rec.Form = r.PostForm
		r.Body = io.NopCloser(bytes.NewReader(body))
	}

	s.mu.Lock()
	s.requests = append(s.requests, rec)
	f := s.takeFault(r.Method, r.URL.Path)
	s.mu.Unlock()

	if f != nil && !f.After {
		s.answerFault(w, r, f)
		return
	}
	if f != nil { // handle for real, then replace the answer
		s.route(httptest.NewRecorder(), r, body)
		s.answerFault(w, r, f)
		return
	}
	s.route(w, r, body)
}

func (s *Server) takeFault(method, path string) *Fault {
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && strings.HasSuffix(path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return f
		}
	}
	return nil
}

func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body, ctype := f.Body, "application/json"
	if body == "" {
		body, ctype = defaultBody(f.Status)
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(f.Status)
	io.WriteString(w, body)
}

// defaultBody is what GitLab (or the proxies in front of it) answer with for a status.
func defaultBody(status int) (string, string) {
	switch status {
	case http.StatusTooManyRequests:
		return "Retry later\n", "text/plain" // Rack::Attack's throttle response
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return fmt.Sprintf("<!DOCTYPE html>\n<html><head><title>GitLab is not responding (%d)</title></head>"+
			"<body><h1>%d</h1><p>Whoops, GitLab is taking too much time to respond.</p></body></html>\n", status, status), "text/html; charset=utf-8"
	}
	return fmt.Sprintf(`{"message":"%d %s"}`, status, http.StatusText(status)), "application/json"
}

// fakeSHA makes a stable 40-hex commit id from a seed.
func fakeSHA(seed string) string {
	var h uint64 = 14695981039346656037
	out := make([]byte, 0, 40)
	for len(out) < 40 {
		for _, c := range []byte(seed) {
			h ^= uint64(c)
			h *= 1099511628211
		}
		out = fmt.Appendf(out, "%016x", h)
	}
	return string(out[:40])
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
