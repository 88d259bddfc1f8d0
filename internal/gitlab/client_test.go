package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

const (
	triggerToken = "glptt-Trigger-0123456789abcdef"
	readToken    = "glpat-Reader-0123456789abcdef"
	apiToken     = "glpat-Writer-0123456789abcdef"
	jobToken     = "glcbt-64_Job-0123456789abcdef"
	project      = "group/app-infra"
)

var secrets = []string{triggerToken, readToken, apiToken, jobToken}

func double(t *testing.T) *gitlabapi.Server {
	t.Helper()
	s := gitlabapi.New()
	t.Cleanup(s.Close)
	setup(s)
	return s
}

func setup(s *gitlabapi.Server) {
	s.AddProject(gitlabapi.Project{ID: 42, Path: project, TriggerTokens: []string{triggerToken},
		Branches: map[string]string{"main": strings.Repeat("a", 40)}, Tags: map[string]string{"v1.0.0": strings.Repeat("b", 40)}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: readToken, Scopes: []string{"read_api"}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: apiToken, Scopes: []string{"api"}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.JobToken, Value: jobToken})
}

// recorder is an injectable Sleep and OnRetry that waits for nothing and remembers.
type recorder struct {
	mu      sync.Mutex
	waits   []time.Duration
	retries []Retry
	onSleep func()
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	hook := r.onSleep
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (r *recorder) retry(rt Retry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, rt)
}

func newClient(t *testing.T, apiURL string, token ci.Secret, rec *recorder, tweak ...func(*Options)) *Client {
	t.Helper()
	opts := Options{APIURL: apiURL, Token: token, MinWait: 10 * time.Millisecond, MaxWait: 80 * time.Millisecond,
		Sleep: rec.sleep, OnRetry: rec.retry, RequestTimeout: 5 * time.Second}
	for _, f := range tweak {
		f(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Fatalf("a token leaked into %q", text)
			}
		}
	}
}

func TestTriggerSendsWhatGitLabExpects(t *testing.T) {
	s := double(t)
	c := newClient(t, s.APIURL(), ci.NewSecret(readToken), &recorder{})
	p, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken),
		Variables: map[string]string{"TARGET_IMAGE_VERSION": "1.4.0", "PROJECT_NAME": "jobboard", "NOTE": "a b&c=d"}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.RawPath != "/api/v4/projects/group%2Fapp-infra/trigger/pipeline" {
		t.Fatalf("sent %s %s", r.Method, r.RawPath)
	}
	want := `{"ref":"main","token":"` + triggerToken + `","variables":{"NOTE":"a b\u0026c=d","PROJECT_NAME":"jobboard","TARGET_IMAGE_VERSION":"1.4.0"}}`
	if string(r.Body) != want {
		t.Fatalf("body\n%s\nwant\n%s", r.Body, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	for _, h := range []string{"Private-Token", "Job-Token", "Authorization"} {
		if r.Header.Get(h) != "" {
			t.Fatalf("the trigger call sent a %s header: its token travels in the body only", h)
		}
	}
	if p.ID != 1000 || p.IID != 1 || p.ProjectID != 42 || p.Status != "created" || p.Ref != "main" || p.Source != "trigger" ||
		p.WebURL != s.URL+"/group/app-infra/-/pipelines/1000" || p.SHA != strings.Repeat("a", 40) {
		t.Fatalf("pipeline %+v", p)
	}
	if got := s.Variables(1000); got["NOTE"] != "a b&c=d" || got["TARGET_IMAGE_VERSION"] != "1.4.0" || len(got) != 3 {
		t.Fatalf("GitLab got the variables %v", got)
	}

	// A numeric project id is sent as it is.
	if _, err := c.Trigger(context.Background(), TriggerOptions{Project: "42", Ref: "v1.0.0", Token: ci.NewSecret(triggerToken)}); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests()[1]; r.RawPath != "/api/v4/projects/42/trigger/pipeline" || string(r.Body) != `{"ref":"v1.0.0","token":"`+triggerToken+`"}` {
		t.Fatalf("sent %s %s", r.RawPath, r.Body)
	}
}

func TestFollowAPipelineAndListItsFailedJobs(t *testing.T) {
	s := double(t)
	s.Script(gitlabapi.Script{Statuses: []string{"created", "running", "failed"}, Jobs: []gitlabapi.Job{
		{Name: "build", Stage: "build", Status: "success"},
		{Name: "rollout", Stage: "deploy", Status: "failed", FailureReason: "script_failure"},
		{Name: "smoke", Stage: "verify", Status: "failed", FailureReason: "job_execution_timeout", AllowFailure: true},
	}})
	c := newClient(t, s.APIURL(), ci.NewSecret(readToken), &recorder{})
	ctx := context.Background()
	p, err := c.Trigger(ctx, TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for range 3 {
		got, err := c.Pipeline(ctx, project, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, got.Status)
	}
	if strings.Join(statuses, ",") != "running,failed,failed" {
		t.Fatalf("statuses %v", statuses)
	}
	jobs, err := c.FailedJobs(ctx, project, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Name != "smoke" || !jobs[0].AllowFailure || jobs[1].Name != "rollout" ||
		jobs[1].Stage != "deploy" || jobs[1].FailureReason != "script_failure" || !strings.HasSuffix(jobs[1].WebURL, "/group/app-infra/-/jobs/5001") {
		t.Fatalf("failed jobs %+v", jobs)
	}
	last := s.Requests()[len(s.Requests())-1]
	if last.RawPath != "/api/v4/projects/group%2Fapp-infra/pipelines/1000/jobs" || last.Query.Get("scope[]") != "failed" ||
		last.Header.Get("Private-Token") != readToken {
		t.Fatalf("jobs request %s ? %v, header %v", last.RawPath, last.Query, last.Header)
	}
}

func TestJobTokenReadsWithTheJobTokenHeader(t *testing.T) {
	s := double(t)
	c := newClient(t, s.APIURL(), ci.Secret{}, &recorder{}, func(o *Options) { o.JobToken = ci.NewSecret(jobToken) })
	p, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(jobToken)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "pipeline" {
		t.Fatalf("a CI_JOB_TOKEN trigger makes a multi-project pipeline, got source %q", p.Source)
	}
	if _, err := c.Pipeline(context.Background(), project, p.ID); err != nil {
		t.Fatal(err)
	}
	if h := s.Requests()[1].Header; h.Get("Job-Token") != jobToken || h.Get("Private-Token") != "" {
		t.Fatalf("headers %v", h)
	}
}

// The retry rules, each proved by what the double received.
func TestRetryRules(t *testing.T) {
	trigger := func(c *Client) error {
		_, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)})
		return err
	}
	read := func(c *Client) error {
		_, err := c.Pipeline(context.Background(), project, 1000)
		return err
	}
	for _, tc := range []struct {
		name      string
		faults    []gitlabapi.Fault
		call      func(*Client) error
		method    string
		requests  int   // how many requests of the method reached the double
		pipelines int   // how many pipelines exist in the end
		code      int   // exit code of the error; 0: success
		waits     []int // the waits before the retries, in units of MinWait (10ms)
	}{
		{"read: 502, 503, 504 are retried with exponential backoff",
			[]gitlabapi.Fault{{Method: "GET", Status: 502}, {Method: "GET", Status: 503}, {Method: "GET", Status: 504}},
			read, "GET", 4, 1, 0, []int{1, 2, 4}},
		{"read: backoff stops growing at MaxWait",
			[]gitlabapi.Fault{{Method: "GET", Status: 503, Times: 5}},
			read, "GET", 6, 1, 0, []int{1, 2, 4, 8, 8}},
		{"read: after the last retry the answer is the error",
			[]gitlabapi.Fault{{Method: "GET", Status: 503, Times: 6}},
			read, "GET", 6, 1, exitcode.Failed, []int{1, 2, 4, 8, 8}},
		{"read: 500 is not retried", []gitlabapi.Fault{{Method: "GET", Status: 500}},
			read, "GET", 1, 1, exitcode.Failed, nil},
		{"read: a dropped connection is retried", []gitlabapi.Fault{{Method: "GET", Drop: true}},
			read, "GET", 2, 1, 0, []int{1}},
		{"trigger: 502 after GitLab created the pipeline is not retried",
			[]gitlabapi.Fault{{Method: "POST", Status: 502, After: true}},
			trigger, "POST", 1, 2, exitcode.Failed, nil},
		{"trigger: 503 and 504 are not retried either",
			[]gitlabapi.Fault{{Method: "POST", Status: 503}, {Method: "POST", Status: 504}},
			trigger, "POST", 1, 1, exitcode.Failed, nil},
		{"trigger: 429 is retried (rejected before it is processed)",
			[]gitlabapi.Fault{{Method: "POST", Status: 429}},
			trigger, "POST", 2, 2, 0, []int{1}},
		{"trigger: a connection dropped after sending is not retried",
			[]gitlabapi.Fault{{Method: "POST", Drop: true, After: true}},
			trigger, "POST", 1, 2, exitcode.Failed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := double(t)
			rec := &recorder{}
			// A fresh connection per request: net/http itself resends an idempotent request
			// whose reused connection was closed, which would hide the client's own rules.
			c := newClient(t, s.APIURL(), ci.NewSecret(readToken), rec, func(o *Options) {
				o.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			})
			if _, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)}); err != nil {
				t.Fatal(err) // pipeline 1000, for the reads
			}
			for _, f := range tc.faults {
				s.Inject(f)
			}
			before := s.Count(tc.method, "")
			err := tc.call(c)
			if got := exitcode.Of(err); got != tc.code {
				t.Fatalf("exit code %d, want %d (err %v)", got, tc.code, err)
			}
			if got := s.Count(tc.method, "") - before; got != tc.requests {
				t.Fatalf("%d %s requests, want %d", got, tc.method, tc.requests)
			}
			if got := len(s.Pipelines()); got != tc.pipelines {
				t.Fatalf("%d pipelines, want %d", got, tc.pipelines)
			}
			var want []time.Duration
			for _, w := range tc.waits {
				want = append(want, time.Duration(w)*10*time.Millisecond)
			}
			if !equal(rec.waits, want) {
				t.Fatalf("waits %v, want %v", rec.waits, want)
			}
			if len(rec.retries) != len(tc.waits) {
				t.Fatalf("OnRetry told of %d retries, want %d", len(rec.retries), len(tc.waits))
			}
			if err != nil {
				noSecrets(t, err.Error())
			}
		})
	}
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryAfterIsHonoured(t *testing.T) {
	s := double(t)
	rec := &recorder{}
	c := newClient(t, s.APIURL(), ci.NewSecret(readToken), rec)
	s.Inject(gitlabapi.Fault{Method: "POST", Status: 429, RetryAfter: "7"})
	s.Inject(gitlabapi.Fault{Method: "GET", Status: 503, RetryAfter: "3"})
	s.Inject(gitlabapi.Fault{Method: "GET", Status: 429, RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)})
	p, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pipeline(context.Background(), project, p.ID); err != nil {
		t.Fatal(err)
	}
	if len(rec.waits) != 3 || rec.waits[0] != 7*time.Second || rec.waits[1] != 3*time.Second ||
		rec.waits[2] < 59*time.Minute || rec.waits[2] > time.Hour {
		t.Fatalf("waits %v, want 7s, 3s and about an hour", rec.waits)
	}
	if got := rec.retries[0].String(); got != "POST /projects/group%2Fapp-infra/trigger/pipeline: 429 Too Many Requests; retry 1 of 5 in 7s" {
		t.Fatalf("retry reads %q", got)
	}
	if len(s.Pipelines()) != 1 {
		t.Fatalf("%d pipelines", len(s.Pipelines()))
	}
}

func TestTriggerIsRetriedWhenTheConnectionIsRefused(t *testing.T) {
	// Take a free port, then free it: nothing listens there until the first retry's wait,
	// during which the double starts on it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var s *gitlabapi.Server
	rec := &recorder{}
	rec.onSleep = func() {
		if s != nil {
			return
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen again on %s: %v", addr, err)
			return
		}
		s = gitlabapi.NewOn(l)
		setup(s)
	}
	t.Cleanup(func() {
		if s != nil {
			s.Close()
		}
	})
	c := newClient(t, "http://"+addr+"/api/v4", ci.Secret{}, rec)
	p, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)})
	if err != nil {
		t.Fatal(err)
	}
	if s == nil || p.ID != 1000 || len(s.Pipelines()) != 1 || s.Count("POST", "/trigger/pipeline") != 1 {
		t.Fatalf("pipeline %+v", p)
	}
	if len(rec.retries) != 1 || rec.retries[0].Status != 0 || !strings.Contains(rec.retries[0].Err.Error(), "connection refused") {
		t.Fatalf("retries %+v", rec.retries)
	}
}

func TestTriggerIsNotRetriedAfterATimeoutOnceSent(t *testing.T) {
	s := double(t)
	rec := &recorder{}
	c := newClient(t, s.APIURL(), ci.Secret{}, rec, func(o *Options) { o.RequestTimeout = 100 * time.Millisecond })
	s.Inject(gitlabapi.Fault{Method: "POST", Hang: true})
	_, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)})
	var ne net.Error
	if exitcode.Of(err) != exitcode.Failed || !errors.As(err, &ne) || !ne.Timeout() ||
		!strings.Contains(err.Error(), "GitLab may have done it anyway") {
		t.Fatalf("err %v", err)
	}
	if n := s.Count("POST", "/trigger/pipeline"); n != 1 || len(rec.retries) != 0 {
		t.Fatalf("%d POSTs, %d retries: a trigger that may have arrived must not be sent again", n, len(rec.retries))
	}
	noSecrets(t, err.Error())
}

func TestUnknownHostIsNotRetried(t *testing.T) {
	rec := &recorder{}
	c := newClient(t, "http://gitlab.invalid/api/v4", ci.Secret{}, rec)
	_, err := c.Trigger(context.Background(), TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(triggerToken)})
	if err == nil || len(rec.retries) != 0 || exitcode.Of(err) != exitcode.Failed {
		t.Fatalf("err %v, retries %v", err, rec.retries)
	}
}

func TestDeadlineIsATimeout(t *testing.T) {
	s := double(t)
	s.Inject(gitlabapi.Fault{Method: "GET", Hang: true})
	c := newClient(t, s.APIURL(), ci.NewSecret(readToken), &recorder{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Pipeline(ctx, project, 1)
	if exitcode.Of(err) != exitcode.Timeout {
		t.Fatalf("exit %d, err %v", exitcode.Of(err), err)
	}
}

func TestErrorsSayWhatIsWrongAndHideTokens(t *testing.T) {
	s := double(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
		code int
		want []string
	}{
		{"bad trigger token", func() error {
			c := newClient(t, s.APIURL(), ci.Secret{}, &recorder{})
			_, err := c.Trigger(ctx, TriggerOptions{Project: project, Ref: "main", Token: ci.NewSecret(apiToken)})
			return err
		}, exitcode.Usage, []string{"POST /projects/group%2Fapp-infra/trigger/pipeline: GitLab answered 404 Not Found: 404 Not Found",
			"the token is wrong, revoked or another project's trigger token", "INFRA_PIPELINE_TOKEN"}},
		{"bad ref", func() error {
			c := newClient(t, s.APIURL(), ci.Secret{}, &recorder{})
			_, err := c.Trigger(ctx, TriggerOptions{Project: project, Ref: "nope", Token: ci.NewSecret(triggerToken)})
			return err
		}, exitcode.Usage, []string{"trigger a pipeline of group/app-infra at nope", "GitLab answered 400 Bad Request: Reference not found", "check --ref"}},
		{"variables that are not strings never leave glcd, but GitLab's own check reads well", func() error {
			c := newClient(t, s.APIURL(), ci.Secret{}, &recorder{})
			_, err := c.Trigger(ctx, TriggerOptions{Project: project, Token: ci.NewSecret(triggerToken)})
			return err
		}, exitcode.Usage, []string{"400 Bad Request: ref is empty"}},
		{"bad read token", func() error {
			c := newClient(t, s.APIURL(), ci.NewSecret("glpat-Wrong-"+readToken), &recorder{})
			_, err := c.Pipeline(ctx, project, 1000)
			return err
		}, exitcode.Usage, []string{"GitLab answered 401 Unauthorized: 401 Unauthorized", "GitLab refused GLCD_GITLAB_TOKEN"}},
		{"project not visible", func() error {
			c := newClient(t, s.APIURL(), ci.NewSecret(readToken), &recorder{})
			_, err := c.Pipeline(ctx, "group/other", 1000)
			return err
		}, exitcode.Usage, []string{"404 Not Found: 404 Project Not Found", "cannot see it"}},
		{"a job token that cannot see the project", func() error {
			s.AddToken(gitlabapi.Token{Kind: gitlabapi.JobToken, Value: "glcbt-Elsewhere-0123456789", Projects: []int64{99}})
			c := newClient(t, s.APIURL(), ci.Secret{}, &recorder{}, func(o *Options) { o.JobToken = ci.NewSecret("glcbt-Elsewhere-0123456789") })
			_, err := c.Pipeline(ctx, project, 1000)
			if err != nil && strings.Contains(err.Error(), "glcbt-Elsewhere-0123456789") {
				t.Error("the job token leaked")
			}
			return err
		}, exitcode.Usage, []string{"404 Project Not Found", "a job token cannot read another project's pipelines; set GLCD_GITLAB_TOKEN"}},
		{"read_api cannot create tags", func() error {
			c := newClient(t, s.APIURL(), ci.NewSecret(readToken), &recorder{})
			_, err := c.CreateTag(ctx, project, "v2.0.0", "main", "")
			return err
		}, exitcode.Usage, []string{"403 Forbidden: insufficient_scope; The request requires higher privileges", "creating tags needs api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if exitcode.Of(err) != tc.code {
				t.Fatalf("exit %d, want %d: %v", exitcode.Of(err), tc.code, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			noSecrets(t, err.Error())
			if strings.Contains(err.Error(), "glpat-Wrong-") {
				t.Fatalf("the wrong token leaked: %v", err)
			}
		})
	}
}

func TestTags(t *testing.T) {
	s := double(t)
	ctx := context.Background()
	c := newClient(t, s.APIURL(), ci.NewSecret(apiToken), &recorder{})
	tag, found, err := c.Tag(ctx, project, "v1.0.0")
	if err != nil || !found || tag.Name != "v1.0.0" || tag.Commit != strings.Repeat("b", 40) {
		t.Fatalf("tag %+v %v %v", tag, found, err)
	}
	if tag, found, err := c.Tag(ctx, project, "v9.9.9"); err != nil || found || tag != nil {
		t.Fatalf("a missing tag: %+v %v %v", tag, found, err)
	}
	if _, _, err := c.Tag(ctx, "group/none", "v1.0.0"); !errors.Is(err, ErrNotFound) || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("a missing project must be an error, got %v", err)
	}
	created, err := c.CreateTag(ctx, project, "v1.4.0", "main", "Release 1.4.0")
	if err != nil || created.Name != "v1.4.0" || created.Commit != strings.Repeat("a", 40) || created.Message != "Release 1.4.0" {
		t.Fatalf("created %+v, %v", created, err)
	}
	r := s.Requests()[len(s.Requests())-1]
	if r.RawPath != "/api/v4/projects/group%2Fapp-infra/repository/tags" || string(r.Body) != `{"tag_name":"v1.4.0","ref":"main","message":"Release 1.4.0"}` ||
		r.Header.Get("Private-Token") != apiToken {
		t.Fatalf("sent %s %s", r.RawPath, r.Body)
	}
	if _, err := c.CreateTag(ctx, project, "v1.4.0", "main", ""); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "Tag v1.4.0 already exists") {
		t.Fatalf("creating it again: %v", err)
	}
	s.Inject(gitlabapi.Fault{Method: "POST", Status: 502, After: true})
	before := s.Count("POST", "/repository/tags")
	if _, err := c.CreateTag(ctx, project, "v1.5.0", "main", ""); exitcode.Of(err) != exitcode.Failed {
		t.Fatalf("502: %v", err)
	}
	if s.Count("POST", "/repository/tags")-before != 1 {
		t.Fatal("a tag creation answered 502 was sent again")
	}
	if _, ok := s.Tag(project, "v1.5.0"); !ok {
		t.Fatal("the double should have created the tag before answering 502")
	}
	if r := s.Requests()[len(s.Requests())-1]; r.RawPath != "/api/v4/projects/group%2Fapp-infra/repository/tags" {
		t.Fatal(r.RawPath)
	}
	// An encoded tag name.
	if _, found, err := c.Tag(ctx, project, "release/1"); err != nil || found {
		t.Fatalf("%v %v", found, err)
	}
	if r := s.Requests()[len(s.Requests())-1]; r.RawPath != "/api/v4/projects/group%2Fapp-infra/repository/tags/release%2F1" {
		t.Fatal(r.RawPath)
	}
}

// client-go's own retry policy, with its backoff set to zero, against a GitLab whose proxy
// answers 502 after the pipeline was created: it sends the trigger again. This is why every
// call here brings its own CheckRetry.
func TestClientGoDefaultPolicyWouldTriggerTwice(t *testing.T) {
	s := double(t)
	s.Inject(gitlabapi.Fault{Method: "POST", Status: 502, After: true})
	api, err := gl.NewClient("", gl.WithBaseURL(s.APIURL()), gl.WithCustomRetryMax(1),
		gl.WithCustomBackoff(func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }))
	if err != nil {
		t.Fatal(err)
	}
	ref, token := "main", triggerToken
	if _, _, err := api.PipelineTriggers.RunPipelineTrigger(project, &gl.RunPipelineTriggerOptions{Ref: &ref, Token: &token}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Pipelines()); n != 2 {
		t.Fatalf("client-go's default policy started %d pipelines; if it no longer retries a POST on 5xx, this test and the comment in New can go", n)
	}
}

// An answer of GitLab's API larger than MaxAnswerSize fails the call, naming the limit: glcd
// does not read a broken or hostile server's endless answer into memory.
func TestOversizedAnswerFailsTheCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 1000, "status": "running", "web_url": "`)
		chunk := strings.Repeat("x", 1<<20)
		for range MaxAnswerSize>>20 + 1 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return // the client stopped reading
			}
		}
		fmt.Fprint(w, `"}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL+"/api/v4", ci.NewSecret(readToken), &recorder{})
	_, err := c.Pipeline(context.Background(), project, 1000)
	if err == nil || !strings.Contains(err.Error(), "is larger than 16 MiB") || !strings.Contains(err.Error(), "/pipelines/1000") {
		t.Fatalf("Pipeline: %v; want an error naming the 16 MiB limit", err)
	}
}
