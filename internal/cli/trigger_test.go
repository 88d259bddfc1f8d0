package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
)

const (
	trigToken  = "glptt-Cli-Trigger-0123456789ab"
	apiToken   = "glpat-Cli-Reader-0123456789abc"
	ciJobToken = "glcbt-Cli-Job-0123456789abcdef"
)

// gitlabDouble starts the GitLab API double with the infra project and returns it with the
// environment of an app repo's deploy job pointed at it.
func gitlabDouble(t *testing.T, scripts ...gitlabapi.Script) (*gitlabapi.Server, []string) {
	t.Helper()
	s := gitlabapi.New()
	t.Cleanup(s.Close)
	s.AddProject(gitlabapi.Project{ID: 42, Path: "group/app-infra", TriggerTokens: []string{trigToken}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: apiToken, Scopes: []string{"read_api"}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.JobToken, Value: ciJobToken})
	for _, sc := range scripts {
		s.Script(sc)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte("DEPLOY_VERSION := 1.4.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	environ := []string{
		"CI_API_V4_URL=" + s.APIURL(), "CI_SERVER_URL=" + s.URL, "CI_PROJECT_DIR=" + dir, "CI_JOB_TOKEN=" + ciJobToken,
		"INFRA_PIPELINE_TOKEN=" + trigToken, "GLCD_GITLAB_TOKEN=" + apiToken,
		"PROJECT_NAME=jobboard", "POD_NAME=web", "IMAGE_NAME=registry.example.com/group/jobboard",
	}
	return s, environ
}

// fast are the flags that keep waits short in tests.
var fast = []string{"--poll-interval", "1ms", "--retry-wait", "1ms"}

func runTrigger(t *testing.T, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, code = runGLCD(t, environ, append(append([]string{"trigger"}, fast...), args...)...)
	for _, secret := range []string{trigToken, apiToken, ciJobToken, "glptt-Wrong-Token-abcdef"} {
		if strings.Contains(stdout+stderr, secret) {
			t.Fatalf("a token leaked:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
	}
	return stdout, stderr, code
}

func TestTriggerWaitsToSuccessWithJSONAndDotenv(t *testing.T) {
	s, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"created", "pending", "running", "success"}})
	dotenv := filepath.Join(t.TempDir(), "deploy.env")
	out, errOut, code := runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--var", "EXTRA=a,b", "--wait",
		"--output", "json", "--dotenv", dotenv)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	posts := s.Requests()
	r := posts[0]
	want := `{"ref":"main","token":"` + trigToken + `","variables":{"EXTRA":"a,b","IMAGE_NAME":"registry.example.com/group/jobboard",` +
		`"POD_NAME":"web","PROJECT_NAME":"jobboard","TARGET_IMAGE_VERSION":"1.4.0"}}`
	if r.Method != "POST" || r.RawPath != "/api/v4/projects/group%2Fapp-infra/trigger/pipeline" || string(r.Body) != want {
		t.Fatalf("sent %s %s\n%s\nwant\n%s", r.Method, r.RawPath, r.Body, want)
	}
	if r.Header.Get("User-Agent") != "glcd/1.2.3" {
		t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
	}
	for _, g := range posts[1:] {
		if g.Method != "GET" || g.Header.Get("Private-Token") != apiToken {
			t.Fatalf("read %s %s with %v", g.Method, g.RawPath, g.Header)
		}
	}
	var res struct {
		Project   string `json:"project"`
		Outcome   string `json:"outcome"`
		Waited    bool   `json:"waited"`
		Variables []struct{ Key, Value, From string }
		Pipeline  struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			WebURL string `json:"web_url"`
		} `json:"pipeline"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	url := s.URL + "/group/app-infra/-/pipelines/1000"
	if res.Outcome != "success" || !res.Waited || res.Pipeline.ID != 1000 || res.Pipeline.Status != "success" || res.Pipeline.WebURL != url ||
		res.Project != "group/app-infra" || len(res.Variables) != 5 {
		t.Fatalf("result %+v", res)
	}
	for _, s := range []string{"Pipeline 1000 created (created): " + url, "TARGET_IMAGE_VERSION=1.4.0", "(Makefile:1)",
		"Pipeline 1000: running", "Pipeline 1000 succeeded after"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	b, err := os.ReadFile(dotenv)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "GLCD_PIPELINE_ID=1000\nGLCD_PIPELINE_URL="+url+"\nGLCD_PIPELINE_STATUS=success\n" {
		t.Fatalf("dotenv:\n%s", b)
	}
}

func TestTriggerFailureListsTheFailedJobs(t *testing.T) {
	s, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"pending", "running", "failed"}, Jobs: []gitlabapi.Job{
		{Name: "rollout", Stage: "deploy", Status: "failed", FailureReason: "script_failure"}}})
	_, errOut, code := runTrigger(t, environ, "--project", "42", "--ref", "main", "--wait")
	if code != exitcode.Failed {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"Failed jobs:", "deploy  rollout  script_failure  " + s.URL + "/group/app-infra/-/jobs/5000",
		"glcd: downstream pipeline 1000 failed after"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if s.Requests()[0].RawPath != "/api/v4/projects/42/trigger/pipeline" {
		t.Fatal(s.Requests()[0].RawPath)
	}
}

func TestTriggerRetriesA429AndNeverRepeatsA502(t *testing.T) {
	s, environ := gitlabDouble(t)
	s.Inject(gitlabapi.Fault{Method: "POST", Status: 429, RetryAfter: "0"})
	_, errOut, code := runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main")
	if code != 0 || s.Count("POST", "/trigger/pipeline") != 2 || len(s.Pipelines()) != 1 {
		t.Fatalf("429: exit %d, %d POSTs\n%s", code, s.Count("POST", "/trigger/pipeline"), errOut)
	}
	if !strings.Contains(errOut, "retrying: POST /projects/group%2Fapp-infra/trigger/pipeline: 429 Too Many Requests; retry 1 of 5 in 0s") {
		t.Fatalf("stderr:\n%s", errOut)
	}

	s.Inject(gitlabapi.Fault{Method: "POST", Status: 502, After: true})
	_, errOut, code = runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--wait")
	if code != exitcode.Failed || s.Count("POST", "/trigger/pipeline") != 3 {
		t.Fatalf("502: exit %d, %d POSTs in all\n%s", code, s.Count("POST", "/trigger/pipeline"), errOut)
	}
	if !strings.Contains(errOut, "GitLab answered 502 Bad Gateway (GitLab may have done it anyway, so glcd did not send it again") ||
		strings.Contains(errOut, "<html>") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}

func TestTriggerTimesOut(t *testing.T) {
	// the pipeline never ends; the limit must cover the trigger call itself on a loaded machine
	// (with 100 ms it ran out before GitLab's answer under load): the status reads prove the
	// wait is what the limit ended
	s, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"created", "running"}})
	dotenv := filepath.Join(t.TempDir(), "out.env")
	_, errOut, code := runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--wait", "--timeout", "2s", "--poll-interval", "50ms", "--dotenv", dotenv)
	if code != exitcode.Timeout || !strings.Contains(errOut, "glcd: timed out after 2s (--timeout): pipeline 1000 is still running") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if n := s.Count("GET", "/pipelines/1000"); n < 2 {
		t.Errorf("the pipeline's status was read %d times while waiting", n)
	}
	if b, err := os.ReadFile(dotenv); err != nil || !strings.Contains(string(b), "GLCD_PIPELINE_STATUS=running\n") {
		t.Fatalf("dotenv %q %v", b, err)
	}
}

func TestTriggerBadTokensExit2AndStayHidden(t *testing.T) {
	s, environ := gitlabDouble(t)
	// A wrong trigger token, given as a flag: GitLab answers 404.
	_, errOut, code := runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--token", "glptt-Wrong-Token-abcdef")
	if code != exitcode.Usage || !strings.Contains(errOut, "GitLab answered 404 Not Found") || !strings.Contains(errOut, "INFRA_PIPELINE_TOKEN (--token)") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	// A wrong read token: the trigger works, following it is refused with 401.
	for i, kv := range environ {
		if strings.HasPrefix(kv, "GLCD_GITLAB_TOKEN=") {
			environ[i] = "GLCD_GITLAB_TOKEN=glptt-Wrong-Token-abcdef"
		}
	}
	_, errOut, code = runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--wait")
	if code != exitcode.Usage || !strings.Contains(errOut, "GitLab answered 401 Unauthorized") || !strings.Contains(errOut, "GitLab refused GLCD_GITLAB_TOKEN") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if len(s.Pipelines()) != 1 {
		t.Fatalf("%d pipelines", len(s.Pipelines()))
	}
}

func TestTriggerManual(t *testing.T) {
	_, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"created", "manual"}}, gitlabapi.Script{Statuses: []string{"created", "manual"}})
	_, errOut, code := runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--wait")
	if code != exitcode.Failed || !strings.Contains(errOut, "is waiting for a person to run a manual job") || !strings.Contains(errOut, "--allow-manual") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	_, errOut, code = runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--wait", "--allow-manual")
	if code != 0 {
		t.Fatalf("--allow-manual: exit %d\n%s", code, errOut)
	}
}

func TestTriggerTakesTheOldTriggerURL(t *testing.T) {
	s, environ := gitlabDouble(t)
	environ = append(environ, "INFRA_PIPELINE_TRIGGER_URL="+s.APIURL()+"/projects/42/ref/main/trigger/pipeline",
		"CI_API_V4_URL=http://127.0.0.1:1/api/v4", "TARGET_IMAGE_VERSION=2.0.0")
	_, errOut, code := runTrigger(t, environ)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	r := s.Requests()[0]
	if r.RawPath != "/api/v4/projects/42/trigger/pipeline" || !strings.Contains(string(r.Body), `"ref":"main"`) ||
		!strings.Contains(string(r.Body), `"TARGET_IMAGE_VERSION":"2.0.0"`) {
		t.Fatalf("sent %s %s", r.RawPath, r.Body)
	}
}

func TestTriggerListsEveryMissingSetting(t *testing.T) {
	_, errOut, code := runTrigger(t, []string{"CI_PROJECT_DIR=" + t.TempDir()}, "--wait", "--var", "nokey")
	if code != exitcode.Usage {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"6 environment variables are missing or invalid", "GLCD_TRIGGER_PROJECT (--project) is not set",
		"GLCD_TRIGGER_REF (--ref) is not set", "CI_API_V4_URL is not set", "INFRA_PIPELINE_TOKEN (--token) is not set",
		"GLCD_GITLAB_TOKEN is not set", "--var (no =) is not KEY=value"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, code = runTrigger(t, nil, "--project", "1", "--poll-interval", "0s")
	if code != exitcode.Usage || !strings.Contains(errOut, "--poll-interval 0s (GLCD_POLL_INTERVAL): want a positive duration") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	_, errOut, code = runTrigger(t, nil, "extra-arg")
	if code != exitcode.Usage || !strings.Contains(errOut, "trigger takes no arguments") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

func TestHelpShowsTrigger(t *testing.T) {
	out, _, code := runGLCD(t, nil, "--help")
	if code != 0 || !regexp.MustCompile(`trigger\s+start the downstream \(infra\) pipeline`).MatchString(out) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, _, code = runGLCD(t, nil, "trigger", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"--project", "--ref", "--var", "--pass-env", "--wait", "--timeout", "--allow-manual", "--token", "--gitlab-url",
		"--poll-interval", "--dotenv", "$GLCD_TRIGGER_TOKEN, $INFRA_PIPELINE_TOKEN", "$GLCD_WAIT", "$GLCD_GITLAB_URL"} {
		if !strings.Contains(out, s) {
			t.Errorf("trigger --help lacks %s", s)
		}
	}
}

func TestTriggerVarsFromTheEnvironmentKeepCommas(t *testing.T) {
	s, environ := gitlabDouble(t)
	_, errOut, code := runTrigger(t, append(environ, "GLCD_TRIGGER_VARS=LIST=a,b\nOTHER=c"), "--project", "group/app-infra", "--ref", "main")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if got := s.Variables(1000); got["LIST"] != "a,b" || got["OTHER"] != "c" {
		t.Fatalf("variables %v", got)
	}
}

// A variable whose name says it holds a credential is passed on but never shown (text or
// JSON), and --pass-env refuses to copy one into another pipeline.
func TestTriggerHidesCredentialLikeVariables(t *testing.T) {
	s, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"success"}})
	const value = "s3cr3t-db-pass-value"
	out, errOut, code := runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--var", "DB_PASSWORD="+value, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if strings.Contains(out+errOut, value) || !strings.Contains(errOut, "DB_PASSWORD=[MASKED]") || !strings.Contains(out, `"key":"DB_PASSWORD","value":"[MASKED]"`) {
		t.Errorf("the credential-like variable is shown:\nstdout %s\nstderr %s", out, errOut)
	}
	if body := string(s.Requests()[0].Body); !strings.Contains(body, `"DB_PASSWORD":"`+value+`"`) {
		t.Errorf("the variable was not passed on: %s", body)
	}
	for _, name := range []string{"DEPLOY_TOKEN", "SSH_PRIVATE_KEY", "AWS_SECRET_ACCESS_KEY", "CI_REGISTRY_PASSWORD"} {
		_, errOut, code = runTrigger(t, append(environ, name+"=x-"+value), "--project", "group/app-infra", "--ref", "main", "--pass-env", name)
		if code != 2 || !strings.Contains(errOut, "--pass-env "+name+" names a credential") || strings.Contains(errOut, value) {
			t.Errorf("--pass-env %s: exit %d\n%s", name, code, errOut)
		}
	}
}

// --token works but warns: a flag is visible in the process list; the variable does not warn.
func TestTriggerTokenFlagWarns(t *testing.T) {
	_, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"success"}})
	var noToken []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "INFRA_PIPELINE_TOKEN=") {
			noToken = append(noToken, kv)
		}
	}
	_, errOut, code := runTrigger(t, noToken, "--project", "group/app-infra", "--ref", "main", "--token", trigToken)
	if code != 0 || !strings.Contains(errOut, "warning: --token puts the trigger token on the command line") {
		t.Errorf("exit %d, want a warning:\n%s", code, errOut)
	}
	_, errOut, code = runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main")
	if code != 0 || strings.Contains(errOut, "warning: --token") {
		t.Errorf("exit %d, no warning wanted with INFRA_PIPELINE_TOKEN:\n%s", code, errOut)
	}
}

// The deploy variables trigger passes on are checked here, all at once, whatever their source.
func TestTriggerChecksWhatItPasses(t *testing.T) {
	_, environ := gitlabDouble(t)
	_, errOut, code := runTrigger(t, append(environ, "PROJECT_NAME=Job_Board", "TARGET_IMAGE_VERSION=-1.4"), "--project", "group/app-infra", "--ref", "main")
	if code != 2 || !strings.Contains(errOut, `PROJECT_NAME="Job_Board"`) || !strings.Contains(errOut, `TARGET_IMAGE_VERSION="-1.4"`) {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
	_, errOut, code = runTrigger(t, environ, "--project", "group/app-infra", "--ref", "main", "--var", "TARGET_IMAGE_VERSION=1.4/beta")
	if code != 2 || !strings.Contains(errOut, `TARGET_IMAGE_VERSION="1.4/beta" (from --var) is not a valid image tag`) {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
	_, errOut, code = runGLCD(t, []string{"KUBE_NAMESPACE=Prod"}, "apply", "-f", "x.yaml")
	if code != 2 || !strings.Contains(errOut, `KUBE_NAMESPACE="Prod"`) {
		t.Errorf("apply: exit %d:\n%s", code, errOut)
	}
}

// cancelOn is a stderr that cancels its context, as SIGTERM would, when a line holding want
// has been written: the test's signal arrives at a known point without any sleep.
type cancelOn struct {
	buf    bytes.Buffer // not embedded: its WriteString would bypass Write
	want   string
	cancel context.CancelCauseFunc
}

func (w *cancelOn) Write(p []byte) (int, error) {
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.cancel(errors.New("terminated signal received"))
	}
	return n, err
}

// A cancelled wait (GitLab cancelling the job sends SIGTERM) is not a timeout: its own exit
// code (130) and a message naming the signal and what was still going on.
func TestCancelledIsNotATimeout(t *testing.T) {
	_, environ := gitlabDouble(t, gitlabapi.Script{Statuses: []string{"created", "running"}})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	errw := &cancelOn{want: "Pipeline 1000: running", cancel: cancel}
	var out bytes.Buffer
	code := Run(ctx, append([]string{"glcd", "trigger"}, append(fast, "--project", "group/app-infra", "--ref", "main", "--wait", "--timeout", "10m")...),
		environ, Streams{In: strings.NewReader(""), Out: &out, Err: errw}, info)
	msg := errw.buf.String()
	if code != exitcode.Cancelled || !strings.Contains(msg, "glcd: cancelled (terminated signal received): pipeline 1000 is still running") ||
		strings.Contains(msg, "timed out") {
		t.Fatalf("exit %d, want %d, cancelled naming the signal:\n%s", code, exitcode.Cancelled, msg)
	}
}
