//go:build realrunner

// The executor under the real GitLab Runner (make test-real-runner): `gitlab-runner run-single
// --executor custom` with glcd's hooks, against a coordinator double (internal/testbed/coordinator)
// served with the jobs' git repository over HTTPS on the test bed. GLCD_GITLAB_RUNNER and
// GLCD_GITLAB_RUNNER_HELPER name the runner and helper binaries (built from GitLab Runner's
// source); the helper goes into an image laid out as GitLab's helper image. With
// GLCD_RECORD_RUNNER=1 the tests also record what the runner hands each stage into
// testdata/runner-17.9.3, which the stand-in runner replays in CI.
package executor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/coordinator"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

const (
	realHelperImage = "testbed.local/gitlab-runner-helper:17.9.3"
	runnerToken     = "glrt-glcd-realrunner-test"
	realRunnerVer   = "17.9.3"
)

// realBed is one test's runner, coordinator, git server and executor settings.
type realBed struct {
	bin        string // gitlab-runner
	ns         string
	git        *gitserver.Server
	coord      *coordinator.Server
	settings   string
	kubeconfig string
	sha        string
	record     string // folder the recorder writes to, "" when not recording
	hook       string // the program the runner calls for each stage: glcd, or the recorder
	jobs       int    // jobs checked so far, to name their recordings
	// kubernetes, when set, are the flags that make the runner use GitLab's own Kubernetes
	// executor instead of glcd's custom executor (the anchor of the bench)
	kubernetes []string
	// noRecord: jobs the stand-in cannot replay (the runner cancels them), not recorded
	noRecord bool
}

var realJobID atomic.Int64

func init() { realJobID.Store(time.Now().Unix()%100000*10 + 700000) }

func newRealBed(t testing.TB, extraSettings ...string) *realBed {
	t.Helper()
	bin, helper := os.Getenv("GLCD_GITLAB_RUNNER"), os.Getenv("GLCD_GITLAB_RUNNER_HELPER")
	if bin == "" || helper == "" {
		t.Fatal("GLCD_GITLAB_RUNNER and GLCD_GITLAB_RUNNER_HELPER must name the runner and helper binaries (make test-real-runner)")
	}
	ns := namespace(t)
	ctx := ctxFor(t, 5*time.Minute)
	realHelperOnce(t, helper)
	b := &realBed{bin: bin, ns: ns, coord: coordinator.New(runnerToken), hook: glcdBin}
	b.git = gitserver.Start(t, gitserver.Options{TLS: true, Addr: tb.HostIP, API: b.coord})
	b.sha = b.git.Seed(t, "group/app.git", "main", gitserver.Commit{Files: map[string]string{"README.md": "hello from the repo\n"}, Message: "init"})
	b.settings = filepath.Join(t.TempDir(), "executor.yaml")
	yaml := fmt.Sprintf("namespace: %s\nimage: %s\nhelperImage: %s\nserviceAccount: ci-job\npodStartTimeout: 60s\n", ns, testbed.BusyboxImage, realHelperImage) +
		strings.Join(extraSettings, "\n") + "\n"
	must(t, os.WriteFile(b.settings, []byte(yaml), 0o644))
	b.kubeconfig = driverKubeconfig(t, ns)
	if os.Getenv("GLCD_RECORD_RUNNER") != "" {
		b.record = t.TempDir()
		b.hook = filepath.Join(t.TempDir(), "record.sh")
		must(t, os.WriteFile(b.hook, []byte(recorder(glcdBin)), 0o755))
	}
	_ = ctx
	return b
}

var realHelperImported atomic.Bool

func realHelperOnce(t testing.TB, helper string) {
	t.Helper()
	if realHelperImported.Load() {
		return
	}
	must(t, tb.ImportRunnerHelperImage(ctxFor(t, 5*time.Minute), realHelperImage, helper))
	realHelperImported.Store(true)
}

// recorder is a hook that keeps what the runner hands each call (argv, the environment in
// order, the response file, the stage script, the exit code), then runs glcd.
func recorder(glcd string) string {
	return `#!/bin/sh
n=$(ls "$GLCD_RECORD_DIR" | wc -l)
d="$GLCD_RECORD_DIR/$(printf %02d "$n")-$2"
mkdir -p "$d"
printf '%s\n' "$@" > "$d/argv"
cat /proc/$$/environ > "$d/environ"
[ -n "$JOB_RESPONSE_FILE" ] && cp "$JOB_RESPONSE_FILE" "$d/response.json"
if [ "$2" = run ]; then eval "script=\${$(($# - 1))}"; cp "$script" "$d/script"; fi
` + glcd + ` "$@"
rc=$?
echo $rc > "$d/exit"
exit $rc
`
}

// job is a job as GitLab would send it for the project's main branch, with a random token,
// a masked variable, and script and after_script.
func (b *realBed) job(t testing.TB, project int64, script, after []string) *coordinator.Job {
	t.Helper()
	id := realJobID.Add(1)
	token := randomToken(t, "glcbt-64_")
	b.git.AddToken(gitserver.Token{User: "gitlab-ci-token", Value: token, ReadOnly: true})
	j := &coordinator.Job{ID: id, Token: token}
	j.JobInfo.Name, j.JobInfo.Stage, j.JobInfo.ProjectID, j.JobInfo.ProjectName = "build", "build", project, "app"
	repo := strings.Replace(b.git.RepoURL("group/app.git"), "://", "://gitlab-ci-token:"+token+"@", 1)
	j.GitInfo.RepoURL, j.GitInfo.Ref, j.GitInfo.Sha, j.GitInfo.RefType = repo, "main", b.sha, "branch"
	j.GitInfo.BeforeSha = strings.Repeat("0", 40)
	j.GitInfo.Refspecs = []string{"+refs/heads/main:refs/remotes/origin/main"}
	j.GitInfo.Depth = 20
	j.RunnerInfo.Timeout = 600
	pub := func(k, v string) coordinator.Variable { return coordinator.Variable{Key: k, Value: v, Public: true} }
	j.Variables = []coordinator.Variable{
		pub("CI", "true"), pub("GITLAB_CI", "true"), pub("CI_JOB_ID", fmt.Sprint(id)), pub("CI_JOB_NAME", "build"), pub("CI_JOB_STAGE", "build"),
		{Key: "CI_JOB_TOKEN", Value: token, Masked: true},
		pub("CI_PROJECT_ID", fmt.Sprint(project)), pub("CI_PROJECT_NAME", "app"), pub("CI_PROJECT_PATH", "group/app"),
		pub("CI_SERVER_URL", b.git.URL), pub("CI_REPOSITORY_URL", repo), pub("CI_COMMIT_SHA", b.sha), pub("CI_COMMIT_REF_NAME", "main"),
		pub("CI_COMMIT_REF_PROTECTED", "false"), pub("CI_RUNNER_ID", "7"), pub("CI_PIPELINE_ID", "90"),
		{Key: "DEPLOY_PASSWORD", Value: randomToken(t, "masked-var-"), Masked: true},
	}
	j.Steps = []coordinator.Step{{Name: "script", Script: script, Timeout: 600, When: "on_success"}}
	if len(after) > 0 {
		j.Steps = append(j.Steps, coordinator.Step{Name: "after_script", Script: after, Timeout: 600, When: "always", AllowFailure: true})
	}
	j.Image = coordinator.Image{Name: testbed.BusyboxImage}
	j.Features.TraceSections = true
	j.Features.FailureReasons = []string{"script_failure", "runner_system_failure", "job_execution_timeout", "unknown_failure", "job_canceled"}
	return j
}

// secrets are the job's token and masked values.
func realSecrets(j *coordinator.Job) []string {
	out := []string{j.Token}
	for _, v := range j.Variables {
		if v.Masked {
			out = append(out, v.Value)
		}
	}
	return out
}

// realResult is one run-single: what the coordinator got, the runner's own log, timings.
type realResult struct {
	state    coordinator.State
	log      string
	took     time.Duration
	canceled time.Duration // from Cancel to the final update
}

// run runs one job through `gitlab-runner run-single` and returns when the runner exits.
// cancelOn, when set, cancels the job as GitLab does once the trace shows it.
func (b *realBed) run(t testing.TB, j *coordinator.Job, cancelOn string) realResult {
	t.Helper()
	ctx := ctxFor(t, 5*time.Minute)
	b.coord.Enqueue(j)
	hook := func(stage string) []string {
		args := []string{"--custom-" + stage + "-exec", b.hook}
		for _, a := range []string{"executor", stage, "--config", b.settings} {
			args = append(args, "--custom-"+stage+"-args", a)
		}
		return args
	}
	args := []string{"--log-level", "info", "run-single", "-u", b.git.URL, "-t", runnerToken, "--tls-ca-file", b.git.CAFile,
		"--builds-dir", "/builds", "--cache-dir", "/cache", "--max-builds", "1", "--wait-timeout", "60"}
	if b.kubernetes != nil {
		args = append(args, b.kubernetes...)
	} else {
		args = append(args, "--executor", "custom", "--custom-prepare-exec-timeout", "300", "--custom-cleanup-exec-timeout", "120",
			"--custom-graceful-kill-timeout", "10", "--custom-force-kill-timeout", "10")
		for _, s := range []string{"config", "prepare", "run", "cleanup"} {
			args = append(args, hook(s)...)
		}
	}
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, b.bin, args...)
	cmd.Dir = home
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "KUBECONFIG=" + b.kubeconfig}
	if b.record != "" {
		cmd.Env = append(cmd.Env, "GLCD_RECORD_DIR="+b.record)
	}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	must(t, cmd.Start())
	var canceledAt time.Time
	if cancelOn != "" {
		go func() {
			for ctx.Err() == nil {
				if strings.Contains(string(b.coord.State(j.ID).Trace), cancelOn) {
					canceledAt = time.Now()
					b.coord.Cancel(j.ID)
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}
	st, err := b.coord.Wait(ctx, j.ID)
	final := time.Now()
	if werr := cmd.Wait(); werr != nil && err == nil {
		t.Logf("gitlab-runner exited: %v", werr)
	}
	res := realResult{state: st, log: log.String(), took: final.Sub(start)}
	if !canceledAt.IsZero() {
		res.canceled = final.Sub(canceledAt)
	}
	t.Logf("job %d: %+v\nrunner log:\n%s\ntrace:\n%s", j.ID, st.Final, res.log, st.Trace)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkReal runs the checks every real-runner job must pass: no secret in the trace, the
// runner's log or the namespace's objects; no client-go line in the trace; no pod or Secret
// left; and, for a job that went well, no WARNING in the runner's log.
func (b *realBed) checkReal(t testing.TB, j *coordinator.Job, res realResult) {
	t.Helper()
	trace := string(res.state.Trace)
	for _, s := range realSecrets(j) {
		if strings.Contains(trace, s) || strings.Contains(res.log, s) {
			t.Errorf("the trace or the runner's log holds the secret %q", s)
		}
	}
	if m := clientGoLine.FindString(trace + "\n" + res.log); m != "" {
		t.Errorf("a client-go log line reached the job or runner log: %q", m)
	}
	ctx := ctxFor(t, time.Minute)
	pods, err := tb.Client.CoreV1().Pods(b.ns).List(ctx, metav1.ListOptions{LabelSelector: executor.LabelJob + "=" + fmt.Sprint(j.ID)})
	must(t, err)
	if len(pods.Items) > 0 {
		t.Errorf("the job's pod %s is still there", pods.Items[0].Name)
	}
	secrets, err := tb.Client.CoreV1().Secrets(b.ns).List(ctx, metav1.ListOptions{LabelSelector: executor.LabelJob + "=" + fmt.Sprint(j.ID)})
	must(t, err)
	if len(secrets.Items) > 0 {
		t.Errorf("the job's Secret %s is still there", secrets.Items[0].Name)
	}
	events, err := tb.Client.CoreV1().Events(b.ns).List(ctx, metav1.ListOptions{})
	must(t, err)
	ev, _ := json.Marshal(events)
	for _, s := range realSecrets(j) {
		if bytes.Contains(ev, []byte(s)) {
			t.Errorf("the namespace's events hold the secret %q", s)
		}
	}
	if res.state.Final != nil && res.state.Final.State == "success" {
		for _, l := range strings.Split(res.log, "\n") {
			// GitLab Runner 17 warns about the stage name for every custom executor job
			// (executors/custom/custom.go: step_script is passed as build_script): not the driver's
			if strings.Contains(l, "WARNING") && !strings.Contains(l, "the 'build_script' stage will be replaced with 'step_script'") {
				t.Errorf("the runner logged a WARNING for a job that went well: %s", l)
			}
		}
	}
	b.jobs++
	if b.record != "" && !b.noRecord {
		writeRecording(t, b, j, fmt.Sprintf("%s/job%d", strings.TrimPrefix(t.Name(), "TestRealRunner"), b.jobs))
	}
}

func wantFinal(t testing.TB, res realResult, state, reason string, exitCode int) {
	t.Helper()
	f := res.state.Final
	if f == nil || f.State != state || f.FailureReason != reason || f.ExitCode != exitCode {
		t.Fatalf("final update %+v, want state %q, failure_reason %q, exit_code %d", f, state, reason, exitCode)
	}
}

func wantTrace(t testing.TB, res realResult, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(string(res.state.Trace), s) {
			t.Errorf("the trace lacks %q", s)
		}
	}
}

func TestRealRunnerScriptFailureAndSuccess(t *testing.T) {
	b := newRealBed(t)
	j := b.job(t, 424242, []string{`echo "in $(cat README.md | tr a-z A-Z)"`, `echo "secret=$DEPLOY_PASSWORD"`, `exit 3`}, []string{`echo after-script ran`})
	res := b.run(t, j, "")
	wantFinal(t, res, "failed", "script_failure", 3)
	wantTrace(t, res, "Using Custom executor with driver glcd executor", "in HELLO FROM THE REPO", "secret=[MASKED]", "after-script ran")
	b.checkReal(t, j, res)

	j = b.job(t, 424242, []string{`echo all good`}, []string{`echo after-script ran`})
	res = b.run(t, j, "")
	wantFinal(t, res, "success", "", 0)
	wantTrace(t, res, "all good", "after-script ran", "Job succeeded")
	b.checkReal(t, j, res)
}

// cachePVC makes the claim ci-cache in ns on a new node directory, which it returns.
func cachePVC(t testing.TB, ns string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	must(t, tb.CacheVolume(ctxFor(t, time.Minute), ns, "ci-cache", dir))
	t.Cleanup(func() { _ = tb.DeleteCacheVolume(context.Background(), ns, "ci-cache") })
	return dir
}

func TestRealRunnerCacheAndArtifactsWithGitLabsHelperLayout(t *testing.T) {
	b := newRealBed(t, "cache:\n  pvc: ci-cache")
	node := cachePVC(t, b.ns)
	withCache := func(j *coordinator.Job) {
		j.Cache = []coordinator.Cache{{Key: "deps-non_protected", Paths: []string{"deps/"}, Policy: "pull-push", When: "on_success"}}
		j.Artifacts = []coordinator.Artifact{{Name: "out", Paths: []string{"out/"}, When: "on_success", ArtifactType: "archive", ArtifactFormat: "zip", ExpireIn: "1 day"}}
	}
	j1 := b.job(t, 515151, []string{`mkdir -p deps out`, `echo "dependencies of job one" > deps/snapshot`, `echo built > out/result.txt`}, nil)
	withCache(j1)
	res := b.run(t, j1, "")
	wantFinal(t, res, "success", "", 0)
	wantTrace(t, res, "Creating cache deps-non_protected", "Uploading artifacts")
	b.checkReal(t, j1, res)
	if len(res.state.Artifacts) != 1 {
		t.Errorf("artifacts uploaded: %d, want 1", len(res.state.Artifacts))
	}
	j2 := b.job(t, 515151, []string{`cat deps/snapshot`, `mkdir -p out && echo again > out/result.txt`}, nil)
	withCache(j2)
	res = b.run(t, j2, "")
	wantFinal(t, res, "success", "", 0)
	wantTrace(t, res, "Successfully extracted cache", "dependencies of job one")
	b.checkReal(t, j2, res)
	if strings.Contains(string(res.state.Trace), "Missing gitlab-runner") {
		t.Errorf("the helper's gitlab-runner-helper was not found:\n%s", res.state.Trace)
	}
	if _, err := os.Stat(filepath.Join(node, "project-515151")); err != nil {
		t.Errorf("the cache is not in the project's folder of the volume: %v", err)
	}
}

func TestRealRunnerCacheWithoutAVolumeIsToldOnce(t *testing.T) {
	b := newRealBed(t)
	j := b.job(t, 616161, []string{`mkdir -p deps && echo x > deps/a`}, nil)
	j.Cache = []coordinator.Cache{{Key: "deps-non_protected", Paths: []string{"deps/"}, Policy: "pull-push", When: "on_success"}}
	res := b.run(t, j, "")
	wantFinal(t, res, "success", "", 0)
	if n := strings.Count(string(res.state.Trace), "this runner keeps no cache volume"); n != 1 {
		t.Errorf("the notice appears %d times, want once", n)
	}
	b.checkReal(t, j, res)
}

func TestRealRunnerServiceByAlias(t *testing.T) {
	b := newRealBed(t)
	j := b.job(t, 424242, []string{`wget -q -O- http://web:8080/`}, nil)
	j.Services = []coordinator.Image{{Name: serviceImage, Alias: "web"}}
	res := b.run(t, j, "")
	wantFinal(t, res, "success", "", 0)
	wantTrace(t, res, "service-ok")
	b.checkReal(t, j, res)
}

func TestRealRunnerMissingImageFailsFastOnce(t *testing.T) {
	b := newRealBed(t)
	j := b.job(t, 424242, []string{`echo never runs`}, nil)
	j.Image = coordinator.Image{Name: missingImage}
	res := b.run(t, j, "")
	wantFinal(t, res, "failed", "script_failure", 1) // a build failure with no script: the runner's exit code 1
	wantTrace(t, res, "ImageNotFound")
	if n := strings.Count(string(res.state.Trace), "Preparing pod"); n != 1 {
		t.Errorf("prepare ran %d times, want once (a missing image is not retried)", n)
	}
	b.checkReal(t, j, res)
}

func TestRealRunnerCancelAndTimeout(t *testing.T) {
	b := newRealBed(t)
	b.noRecord = true
	// a job that prints as it goes: the runner hears of the cancel in the answer to its next
	// trace update (a silent job hears of it at the runner's 30 s keep-alive)
	j := b.job(t, 424242, []string{`echo long job started`, `while :; do echo tick; sleep 1; done`}, nil)
	res := b.run(t, j, "long job started")
	if f := res.state.Final; f == nil || f.State != "failed" || f.FailureReason != "job_canceled" {
		t.Fatalf("final %+v", f)
	}
	if took := res.state.FinalAt.Sub(res.state.CanceledAt); took > 15*time.Second {
		t.Errorf("the job ended %s after the trace update answered canceled, want ≤ 15 s", took)
	} else {
		t.Logf("canceled: the job ended %s after the trace update answered canceled", took.Round(10*time.Millisecond))
	}
	b.checkReal(t, j, res)

	j = b.job(t, 424242, []string{`echo waiting for the timeout`, `sleep 300`}, nil)
	j.RunnerInfo.Timeout = 10
	res = b.run(t, j, "")
	wantFinal(t, res, "failed", "job_execution_timeout", 0)
	if res.took > 20*time.Second {
		t.Errorf("the timed-out job ended after %s, want ≤ 20 s", res.took)
	} else {
		t.Logf("timed out: the job (timeout 10 s) ended %s after the runner took it", res.took.Round(10*time.Millisecond))
	}
	b.checkReal(t, j, res)
}

func TestRealRunnerForgedProjectIsRefused(t *testing.T) {
	b := newRealBed(t)
	j := b.job(t, 8, []string{`echo never runs`}, nil)
	j.Variables = append(j.Variables, coordinator.Variable{Key: "CI_PROJECT_ID", Value: "7", Public: true})
	res := b.run(t, j, "")
	wantFinal(t, res, "failed", "script_failure", 1)
	wantTrace(t, res, `the job sets CI_PROJECT_ID="7" in its variables`)
	b.checkReal(t, j, res)
}

var _ = runner.BuildFailureCode

// writeRecording normalises what the recorder kept for job j (the values of this run become
// {{PLACEHOLDERS}}) and writes it to testdata/runner-17.9.3/NAME/, for the stand-in's replay.
func writeRecording(t testing.TB, b *realBed, j *coordinator.Job, name string) {
	t.Helper()
	calls, err := filepath.Glob(filepath.Join(b.record, "*"))
	must(t, err)
	ca, err := os.ReadFile(b.git.CAFile)
	must(t, err)
	pem := strings.TrimSpace(string(ca))
	pairs := []string{j.Token, "{{JOB_TOKEN}}", b.git.URL, "{{SERVER_URL}}", strings.TrimPrefix(b.git.URL, "https://"), "{{SERVER_HOST}}",
		b.sha, "{{SHA}}", fmt.Sprint(j.ID), "{{JOB_ID}}", fmt.Sprint(j.JobInfo.ProjectID), "{{PROJECT_ID}}",
		pem, "{{CA_PEM}}", strings.ReplaceAll(pem, "\n", `\n`), "{{CA_PEM_ESCAPED}}", strings.ReplaceAll(pem, "\n", `\\n`), "{{CA_PEM_ESCAPED_TWICE}}",
		b.settings, "{{SETTINGS}}", b.hook, "{{GLCD}}", glcdBin, "{{GLCD}}", b.kubeconfig, "{{KUBECONFIG}}", b.ns, "{{NAMESPACE}}"}
	for _, v := range j.Variables {
		if v.Masked && v.Key != "CI_JOB_TOKEN" {
			pairs = append(pairs, v.Value, "{{MASKED_"+v.Key+"}}")
		}
	}
	dst := filepath.Join("testdata", "runner-"+realRunnerVer, name)
	must(t, os.RemoveAll(dst))
	for _, c := range calls {
		environ, err := os.ReadFile(filepath.Join(c, "environ"))
		must(t, err)
		var env [][2]string
		callPairs := append([]string(nil), pairs...)
		for _, kv := range strings.Split(strings.TrimRight(string(environ), "\x00"), "\x00") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "TMPDIR", "HOME", "PATH", "GLCD_EXECUTOR_NONCE", "GLCD_EXECUTOR_POD":
				if v != "" {
					callPairs = append(callPairs, v, "{{"+k+"}}")
				}
			}
		}
		r := strings.NewReplacer(longestFirst(callPairs)...)
		for _, kv := range strings.Split(strings.TrimRight(string(environ), "\x00"), "\x00") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "GLCD_RECORD_DIR" {
				continue
			}
			env = append(env, [2]string{k, r.Replace(v)})
		}
		out := filepath.Join(dst, filepath.Base(c))
		must(t, os.MkdirAll(out, 0o755))
		// one variable a line: the runner's order reads top to bottom, and diffs stay small
		var envJSON bytes.Buffer
		envJSON.WriteString("[\n")
		for i, kv := range env {
			b, err := json.Marshal(kv)
			must(t, err)
			envJSON.Write(b)
			if i < len(env)-1 {
				envJSON.WriteString(",")
			}
			envJSON.WriteString("\n")
		}
		envJSON.WriteString("]\n")
		must(t, os.WriteFile(filepath.Join(out, "env.json"), envJSON.Bytes(), 0o644))
		for _, f := range []string{"argv", "response.json", "script", "exit"} {
			b, err := os.ReadFile(filepath.Join(c, f))
			if os.IsNotExist(err) {
				continue
			}
			must(t, err)
			must(t, os.WriteFile(filepath.Join(out, f), []byte(r.Replace(string(b))), 0o644))
		}
	}
	must(t, os.RemoveAll(b.record))
	must(t, os.MkdirAll(b.record, 0o755))
	t.Logf("recorded %d calls into %s", len(calls), dst)
}

// longestFirst orders old/new pairs so that a longer old value is replaced before a shorter
// one it contains (the server URL before its host, say).
func longestFirst(pairs []string) []string {
	type pair struct{ old, new string }
	var ps []pair
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != "" {
			ps = append(ps, pair{pairs[i], pairs[i+1]})
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.old) - len(a.old) })
	out := make([]string, 0, 2*len(ps))
	for _, p := range ps {
		out = append(out, p.old, p.new)
	}
	return out
}

// kubernetesExecutor returns the flags that run jobs with GitLab Runner's own Kubernetes
// executor in the bed's namespace: as a ServiceAccount with the namespace's admin role, the
// same job image, and the same helper image (GitLab's layout) glcd's runs use.
func kubernetesExecutor(t testing.TB, b *realBed) []string {
	t.Helper()
	ctx := ctxFor(t, time.Minute)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "gitlab-kubernetes-executor"}}
	_, err := tb.Client.CoreV1().ServiceAccounts(b.ns).Create(ctx, sa, metav1.CreateOptions{})
	must(t, err)
	_, err = tb.Client.RbacV1().RoleBindings(b.ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: sa.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: b.ns}}}, metav1.CreateOptions{})
	must(t, err)
	tr, err := tb.Client.CoreV1().ServiceAccounts(b.ns).CreateToken(ctx, sa.Name, &authv1.TokenRequest{}, metav1.CreateOptions{})
	must(t, err)
	ca := filepath.Join(t.TempDir(), "ca.crt")
	caData := tb.Config.CAData
	if len(caData) == 0 {
		caData, err = os.ReadFile(tb.Config.CAFile)
		must(t, err)
	}
	must(t, os.WriteFile(ca, caData, 0o644))
	return []string{"--executor", "kubernetes", "--kubernetes-host", tb.Config.Host, "--kubernetes-bearer_token", tr.Status.Token,
		"--kubernetes-ca-file", ca, "--kubernetes-namespace", b.ns, "--kubernetes-image", testbed.BusyboxImage,
		"--kubernetes-helper-image", realHelperImage, "--kubernetes-pull-policy", "if-not-present"}
}

// BenchmarkRealRunnerSmallJob runs the same small job (a clone over HTTPS and one echo) under
// GitLab Runner 17.9.3 with glcd's custom executor and with GitLab's own Kubernetes executor, on
// the same test bed, and reports the median time from the runner taking the job to its final
// update, and the ratio (run with -benchtime=7x).
func BenchmarkRealRunnerSmallJob(bm *testing.B) {
	// both beds at once and their jobs alternated, so that whatever else the machine does
	// weighs on both alike: the ratio is of one run
	glcd := newRealBed(bm)
	gitlab := newRealBed(bm)
	gitlab.kubernetes = kubernetesExecutor(bm, gitlab)
	var took [2][]time.Duration
	for range bm.N {
		for i, b := range []*realBed{glcd, gitlab} {
			j := b.job(bm, 424242, []string{`echo small job`}, nil)
			res := b.run(bm, j, "")
			if f := res.state.Final; f == nil || f.State != "success" {
				bm.Fatalf("the job did not succeed: %+v\n%s", f, res.state.Trace)
			}
			took[i] = append(took[i], res.took)
		}
	}
	med := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	g, k := med(took[0]), med(took[1])
	bm.ReportMetric(g.Seconds(), "glcd-s/job")
	bm.ReportMetric(k.Seconds(), "gitlab-s/job")
	bm.ReportMetric(g.Seconds()/k.Seconds(), "ratio")
}
