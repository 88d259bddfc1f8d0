// Package coordinator is a double of the part of GitLab's API a GitLab Runner talks to while
// it runs jobs (the "coordinator"), for running the real gitlab-runner against glcd's
// executor on the test bed: job request, trace updates, job updates, artifact upload and
// download, with GitLab's request and response shapes, status codes and headers
// (doc/api/... and the runner's network/gitlab.go). It hands out the jobs it is given, keeps
// what the runner sends back, and cancels a job on request (Job-Status: canceled).
package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Variable is a job variable as GitLab sends it.
type Variable struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Public bool   `json:"public"`
	Masked bool   `json:"masked,omitempty"`
	File   bool   `json:"file,omitempty"`
}

// Image is the job's image or one of its services.
type Image struct {
	Name  string `json:"name"`
	Alias string `json:"alias,omitempty"`
}

// Step is one of the job's scripts.
type Step struct {
	Name         string   `json:"name"`
	Script       []string `json:"script"`
	Timeout      int      `json:"timeout"`
	When         string   `json:"when"`
	AllowFailure bool     `json:"allow_failure"`
}

// Cache is one cache: entry.
type Cache struct {
	Key    string   `json:"key"`
	Paths  []string `json:"paths"`
	Policy string   `json:"policy"`
	When   string   `json:"when"`
}

// Artifact is one artifacts: entry.
type Artifact struct {
	Name           string   `json:"name"`
	Paths          []string `json:"paths"`
	When           string   `json:"when"`
	ArtifactType   string   `json:"artifact_type"`
	ArtifactFormat string   `json:"artifact_format"`
	ExpireIn       string   `json:"expire_in"`
}

// Job is a job as POST /api/v4/jobs/request returns it (the fields the runner reads).
type Job struct {
	ID            int64  `json:"id"`
	Token         string `json:"token"`
	AllowGitFetch bool   `json:"allow_git_fetch"`
	JobInfo       struct {
		Name        string `json:"name"`
		Stage       string `json:"stage"`
		ProjectID   int64  `json:"project_id"`
		ProjectName string `json:"project_name"`
	} `json:"job_info"`
	GitInfo struct {
		RepoURL   string   `json:"repo_url"`
		Ref       string   `json:"ref"`
		Sha       string   `json:"sha"`
		BeforeSha string   `json:"before_sha"`
		RefType   string   `json:"ref_type"`
		Refspecs  []string `json:"refspecs"`
		Depth     int      `json:"depth"`
	} `json:"git_info"`
	RunnerInfo struct {
		Timeout int `json:"timeout"`
	} `json:"runner_info"`
	Variables    []Variable `json:"variables"`
	Steps        []Step     `json:"steps"`
	Image        Image      `json:"image"`
	Services     []Image    `json:"services"`
	Artifacts    []Artifact `json:"artifacts"`
	Cache        []Cache    `json:"cache"`
	Credentials  []any      `json:"credentials"`
	Dependencies []any      `json:"dependencies"`
	Features     struct {
		TraceSections  bool     `json:"trace_sections"`
		FailureReasons []string `json:"failure_reasons"`
	} `json:"features"`
}

// Update is a PUT /api/v4/jobs/:id body.
type Update struct {
	Token         string `json:"token"`
	State         string `json:"state"`
	FailureReason string `json:"failure_reason,omitempty"`
	ExitCode      int    `json:"exit_code,omitempty"`
	Checksum      string `json:"checksum,omitempty"`
}

// State is what the runner has told the coordinator about one job.
type State struct {
	Trace     []byte
	Updates   []Update
	Artifacts map[string][]byte // file name -> content of each upload
	Canceled  bool
	// CanceledAt is when the coordinator first answered Job-Status: canceled.
	CanceledAt time.Time
	// Final is the last update with a final state (success or failed), FinalAt when it came.
	Final   *Update
	FinalAt time.Time
}

// Server is the coordinator double: an http.Handler for /api/v4.
type Server struct {
	// RunnerToken is the runner's authentication token it accepts.
	RunnerToken string

	mu    sync.Mutex
	queue []*Job
	jobs  map[int64]*job
}

type job struct {
	spec   *Job
	state  State
	cancel bool
	done   chan struct{}
}

// New returns a coordinator that accepts runnerToken.
func New(runnerToken string) *Server {
	return &Server{RunnerToken: runnerToken, jobs: map[int64]*job{}}
}

// Enqueue adds a job for the next request.
func (s *Server) Enqueue(j *Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, j)
	s.jobs[j.ID] = &job{spec: j, state: State{Artifacts: map[string][]byte{}}, done: make(chan struct{})}
}

// Cancel makes the next trace or update answer for the job say Job-Status: canceled, as
// GitLab does when someone cancels the job.
func (s *Server) Cancel(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[id]; j != nil {
		j.cancel = true
	}
}

// Wait returns the job's state once the runner has sent its final update.
func (s *Server) Wait(ctx context.Context, id int64) (State, error) {
	s.mu.Lock()
	j := s.jobs[id]
	s.mu.Unlock()
	if j == nil {
		return State{}, fmt.Errorf("coordinator: no job %d", id)
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		return s.State(id), fmt.Errorf("coordinator: job %d has no final state: %w", id, ctx.Err())
	}
	return s.State(id), nil
}

// State is a copy of the job's state now.
func (s *Server) State(id int64) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[id]
	if j == nil {
		return State{}
	}
	st := j.state
	st.Trace = bytes.Clone(st.Trace)
	return st
}

// ServeHTTP answers the runner's API calls.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/api/v4/")
	switch {
	case r.Method == http.MethodPost && p == "jobs/request":
		s.request(w, r)
	case strings.HasPrefix(p, "jobs/"):
		parts := strings.Split(strings.TrimPrefix(p, "jobs/"), "/")
		id, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
			return
		}
		switch {
		case len(parts) == 1 && r.Method == http.MethodPut:
			s.update(w, r, id)
		case len(parts) == 2 && parts[1] == "trace" && r.Method == http.MethodPatch:
			s.trace(w, r, id)
		case len(parts) == 2 && parts[1] == "artifacts" && r.Method == http.MethodPost:
			s.upload(w, r, id)
		case len(parts) == 2 && parts[1] == "artifacts" && r.Method == http.MethodGet:
			s.download(w, r, id)
		default:
			http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
		}
	default:
		http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
	}
}

// request is POST /api/v4/jobs/request: 201 with the next job, 204 when there is none, 403
// for a wrong runner token.
func (s *Server) request(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		http.Error(w, `{"message":"400 Bad request"}`, http.StatusBadRequest)
		return
	}
	if body.Token != s.RunnerToken {
		http.Error(w, `{"message":"403 Forbidden"}`, http.StatusForbidden)
		return
	}
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	j := s.queue[0]
	s.queue = s.queue[1:]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(j)
}

// job returns the job id if the request carries its token (JOB-TOKEN header or, for job
// updates, the body's token), writing GitLab's 403 or 404 otherwise.
func (s *Server) job(w http.ResponseWriter, id int64, token string) *job {
	s.mu.Lock()
	j := s.jobs[id]
	s.mu.Unlock()
	switch {
	case j == nil:
		http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
		return nil
	case token != j.spec.Token:
		http.Error(w, `{"message":"403 Forbidden"}`, http.StatusForbidden)
		return nil
	}
	return j
}

// status writes the Job-Status header: running, or canceled once Cancel was called.
func (s *Server) status(w http.ResponseWriter, j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := "running"
	if j.cancel {
		st = "canceled"
		if !j.state.Canceled {
			j.state.Canceled, j.state.CanceledAt = true, time.Now()
		}
	}
	w.Header().Set("Job-Status", st)
}

// trace is PATCH /api/v4/jobs/:id/trace with Content-Range start-end (inclusive): 202, or
// 416 with the Range GitLab has when start does not follow on.
func (s *Server) trace(w http.ResponseWriter, r *http.Request, id int64) {
	j := s.job(w, id, r.Header.Get("JOB-TOKEN"))
	if j == nil {
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		http.Error(w, `{"message":"400 Bad request"}`, http.StatusBadRequest)
		return
	}
	start, _, _ := strings.Cut(r.Header.Get("Content-Range"), "-")
	from, err := strconv.Atoi(start)
	s.mu.Lock()
	have := len(j.state.Trace)
	if err != nil || from != have {
		s.mu.Unlock()
		w.Header().Set("Range", fmt.Sprintf("0-%d", have))
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	j.state.Trace = append(j.state.Trace, b...)
	s.mu.Unlock()
	s.status(w, j)
	w.Header().Set("X-GitLab-Trace-Update-Interval", "1")
	w.Header().Set("Range", fmt.Sprintf("0-%d", have+len(b)))
	w.WriteHeader(http.StatusAccepted)
}

// update is PUT /api/v4/jobs/:id: the job's state, 200.
func (s *Server) update(w http.ResponseWriter, r *http.Request, id int64) {
	var u Update
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil {
		http.Error(w, `{"message":"400 Bad request"}`, http.StatusBadRequest)
		return
	}
	j := s.job(w, id, u.Token)
	if j == nil {
		return
	}
	s.mu.Lock()
	j.state.Updates = append(j.state.Updates, u)
	final := u.State == "success" || u.State == "failed"
	if final && j.state.Final == nil {
		uu := u
		j.state.Final, j.state.FinalAt = &uu, time.Now()
		close(j.done)
	}
	s.mu.Unlock()
	s.status(w, j)
	w.WriteHeader(http.StatusOK)
}

// upload is POST /api/v4/jobs/:id/artifacts, multipart with the archive in "file": 201.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, id int64) {
	j := s.job(w, id, r.Header.Get("JOB-TOKEN"))
	if j == nil {
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, `{"message":"400 Bad request"}`, http.StatusBadRequest)
		return
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			http.Error(w, `{"message":"400 Bad request"}`, http.StatusBadRequest)
			return
		}
		if part.FormName() != "file" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 64<<20))
		if err != nil {
			http.Error(w, `{"message":"400 Bad request"}`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		j.state.Artifacts[part.FileName()] = b
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte("{}"))
}

// download is GET /api/v4/jobs/:id/artifacts: the job's first archive, 404 without one.
func (s *Server) download(w http.ResponseWriter, r *http.Request, id int64) {
	j := s.job(w, id, r.Header.Get("JOB-TOKEN"))
	if j == nil {
		return
	}
	s.mu.Lock()
	var body []byte
	for _, b := range j.state.Artifacts {
		body = b
		break
	}
	s.mu.Unlock()
	if body == nil {
		http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	_, _ = w.Write(body)
}
