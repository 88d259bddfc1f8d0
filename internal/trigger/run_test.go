package trigger

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/clock"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

const (
	triggerToken = "glptt-Run-0123456789abcdef"
	readToken    = "glpat-Run-0123456789abcdef"
)

type fixture struct {
	s      *gitlabapi.Server
	api    *gitlab.Client
	plan   *Plan
	out    bytes.Buffer
	sleeps int
}

func newFixture(t *testing.T, scripts ...gitlabapi.Script) *fixture {
	t.Helper()
	f := &fixture{s: gitlabapi.New()}
	t.Cleanup(f.s.Close)
	f.s.AddProject(gitlabapi.Project{ID: 7, Path: "group/app-infra", TriggerTokens: []string{triggerToken}})
	f.s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: readToken})
	for _, sc := range scripts {
		f.s.Script(sc)
	}
	var err error
	f.api, err = gitlab.New(gitlab.Options{APIURL: f.s.APIURL(), Token: ci.NewSecret(readToken), Retries: 2,
		MinWait: time.Millisecond, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	f.plan = &Plan{APIURL: f.s.APIURL(), Project: "group/app-infra", Ref: "main", Token: ci.NewSecret(triggerToken), TokenFrom: "INFRA_PIPELINE_TOKEN",
		Variables: []Variable{{"TARGET_IMAGE_VERSION", "1.4.0", "Makefile:3"}, {"PROJECT_NAME", "jobboard", "environment"}}}
	return f
}

func (f *fixture) run(opts Options) (*Result, error) {
	opts.Progress = &f.out
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, d time.Duration) error {
			f.sleeps++
			return ctx.Err()
		}
	}
	return Run(context.Background(), f.api, f.plan, opts)
}

func contains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q:\n%s", w, text)
		}
	}
}

func TestRunWithoutWaitReturnsAtOnce(t *testing.T) {
	f := newFixture(t)
	res, err := f.run(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Triggered || res.Waited || res.Pipeline.ID != 1000 || res.Pipeline.Status != "created" || len(f.s.Requests()) != 1 {
		t.Fatalf("result %+v after %d requests", res, len(f.s.Requests()))
	}
	contains(t, f.out.String(), "Triggering a pipeline of group/app-infra at main (token from INFRA_PIPELINE_TOKEN) with:",
		"  TARGET_IMAGE_VERSION=1.4.0  (Makefile:3)", "Pipeline 1000 created (created): "+f.s.URL+"/group/app-infra/-/pipelines/1000")
	if got := f.s.Variables(1000); got["TARGET_IMAGE_VERSION"] != "1.4.0" || got["PROJECT_NAME"] != "jobboard" {
		t.Fatalf("variables %v", got)
	}
	if d := res.Dotenv(); len(d) != 3 || d[0] != [2]string{"GLCD_PIPELINE_ID", "1000"} || d[2] != [2]string{"GLCD_PIPELINE_STATUS", "created"} {
		t.Fatalf("dotenv %v", d)
	}
}

func TestRunWaitsToSuccess(t *testing.T) {
	f := newFixture(t, gitlabapi.Script{Statuses: []string{"created", "pending", "pending", "running", "success"}})
	res, err := f.run(Options{Wait: true, PollInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Succeeded || !res.Waited || res.Pipeline.Status != "success" || res.FailedJobs != nil {
		t.Fatalf("result %+v", res)
	}
	if n := f.s.Count("GET", "/pipelines/1000"); n != 4 || f.sleeps != 4 {
		t.Fatalf("%d reads and %d sleeps, want 4 each", n, f.sleeps)
	}
	out := f.out.String()
	contains(t, out, "Pipeline 1000: pending\nPipeline 1000: running\nPipeline 1000: success\nPipeline 1000 succeeded after")
	if strings.Count(out, ": pending") != 1 {
		t.Fatalf("a status is printed when it changes, not at every read:\n%s", out)
	}
	if f.s.Count("GET", "/jobs") != 0 {
		t.Fatal("jobs listed for a pipeline that succeeded")
	}
}

func TestRunWaitsToFailureAndListsTheFailedJobs(t *testing.T) {
	f := newFixture(t, gitlabapi.Script{Statuses: []string{"pending", "running", "failed"}, Jobs: []gitlabapi.Job{
		{Name: "plan", Stage: "build", Status: "success"},
		{Name: "rollout", Stage: "deploy", Status: "failed", FailureReason: "script_failure"},
		{Name: "notify", Stage: ".post", Status: "failed", FailureReason: "runner_system_failure", AllowFailure: true},
	}})
	res, err := f.run(Options{Wait: true})
	if exitcode.Of(err) != exitcode.Failed {
		t.Fatalf("exit %d: %v", exitcode.Of(err), err)
	}
	contains(t, err.Error(), "downstream pipeline 1000 failed after", f.s.URL+"/group/app-infra/-/pipelines/1000")
	if res.Outcome != Failed || len(res.FailedJobs) != 2 || res.FailedJobs[1].Name != "rollout" {
		t.Fatalf("result %+v", res)
	}
	contains(t, f.out.String(), "Failed jobs:\n  STAGE   JOB      REASON                                   URL\n",
		"  .post   notify   runner_system_failure (allowed to fail)  "+f.s.URL+"/group/app-infra/-/jobs/5002\n",
		"  deploy  rollout  script_failure                           "+f.s.URL+"/group/app-infra/-/jobs/5001\n")
}

func TestRunEndsOnCanceledSkippedAndManual(t *testing.T) {
	for _, tc := range []struct {
		status      string
		allowManual bool
		code        int
		say         string
	}{
		{"canceled", false, exitcode.Failed, "downstream pipeline 1000 was canceled"},
		{"skipped", false, exitcode.Failed, "downstream pipeline 1000 was skipped"},
		{"manual", false, exitcode.Failed, "pipeline 1000 is waiting for a person to run a manual job"},
		{"manual", true, exitcode.OK, ""},
	} {
		t.Run(tc.status, func(t *testing.T) {
			f := newFixture(t, gitlabapi.Script{Statuses: []string{"created", "running", tc.status}})
			res, err := f.run(Options{Wait: true, AllowManual: tc.allowManual})
			if exitcode.Of(err) != tc.code {
				t.Fatalf("exit %d, want %d: %v", exitcode.Of(err), tc.code, err)
			}
			if tc.say != "" {
				contains(t, err.Error(), tc.say)
			}
			if res.Outcome != tc.status || res.Pipeline.Status != tc.status {
				t.Fatalf("result %+v", res)
			}
			if tc.allowManual {
				contains(t, f.out.String(), "waiting for a person to run a manual job (accepted by --allow-manual)")
			}
		})
	}
}

func TestRunTimesOut(t *testing.T) {
	f := newFixture(t, gitlabapi.Script{Statuses: []string{"created", "running"}})
	res, err := f.run(Options{Wait: true, Timeout: 50 * time.Millisecond, PollInterval: time.Millisecond, Sleep: clock.Sleep})
	if exitcode.Of(err) != exitcode.Timeout {
		t.Fatalf("exit %d, want 3: %v", exitcode.Of(err), err)
	}
	contains(t, err.Error(), "timed out after 50ms (--timeout): pipeline 1000 is still running")
	if res == nil || res.Outcome != TimedOut || res.Pipeline.Status != "running" {
		t.Fatalf("result %+v", res)
	}
	if d := res.Dotenv(); d[2][1] != "running" {
		t.Fatalf("dotenv %v", d)
	}
}

func TestRunKeepsFollowingThroughAnOutage(t *testing.T) {
	f := newFixture(t, gitlabapi.Script{Statuses: []string{"created", "running", "success"}})
	// Four 503s: the first read fails after its two retries, the next read gets the fourth
	// 503 and then succeeds on its retry.
	f.s.Inject(gitlabapi.Fault{Method: "GET", Status: 503, Times: 4})
	res, err := f.run(Options{Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Succeeded {
		t.Fatalf("result %+v", res)
	}
	contains(t, f.out.String(), "warning: get pipeline 1000 of group/app-infra: GET /projects/group%2Fapp-infra/pipelines/1000: GitLab answered 503 Service Unavailable")
}

func TestRunStopsOnARefusedRead(t *testing.T) {
	f := newFixture(t)
	f.api, _ = gitlab.New(gitlab.Options{APIURL: f.s.APIURL(), Token: ci.NewSecret("glpat-wrong-token")})
	res, err := f.run(Options{Wait: true})
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit %d, want 2: %v", exitcode.Of(err), err)
	}
	contains(t, err.Error(), "401 Unauthorized", "GitLab refused GLCD_GITLAB_TOKEN")
	if strings.Contains(err.Error()+f.out.String(), "glpat-wrong-token") {
		t.Fatal("the token leaked")
	}
	if res == nil || res.Pipeline.ID != 1000 {
		t.Fatalf("the result must still name the pipeline: %+v", res)
	}
}

func TestRunReportsATriggerThatFailed(t *testing.T) {
	f := newFixture(t)
	f.s.Inject(gitlabapi.Fault{Method: "POST", Status: 502, After: true})
	res, err := f.run(Options{Wait: true})
	if exitcode.Of(err) != exitcode.Failed || res != nil {
		t.Fatalf("exit %d, result %+v: %v", exitcode.Of(err), res, err)
	}
	contains(t, err.Error(), "GitLab answered 502 Bad Gateway (GitLab may have done it anyway, so glcd did not send it again")
	if f.s.Count("POST", "/trigger/pipeline") != 1 {
		t.Fatal("the trigger was sent twice")
	}
}
