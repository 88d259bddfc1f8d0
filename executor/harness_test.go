package executor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/executor"
)

// The harness drives `glcd executor` exactly as GitLab Runner's custom executor does: the
// protocol variables, JOB_RESPONSE_FILE, CUSTOM_ENV_* for every job variable, config's
// job_env passed on, prepare retried up to 3 times on a system failure, the stages in the
// runner's order with scripts shaped like the runner's bash scripts, cleanup always, and
// SIGTERM to the driver's process group on cancel.

// Exit codes the harness's runner asks for: not 1 and 2, so the test proves they are used.
const (
	buildFailureCode  = 77
	systemFailureCode = 78
)

// stage is one step of a job: a runner stage name and the script lines of it.
type stage struct {
	name  string
	lines []string
}

// jobSpec is a job as the runner received it from GitLab.
type jobSpec struct {
	id, projectID, concurrent string
	image                     string
	services                  []executor.Service
	vars                      []executor.Variable // besides the predefined ones
	token                     string
	// stages run in order; after a failing one only the on-failure stages run.
	stages []stage
	// cancelOn: when the driver's output shows this text, the runner cancels the job.
	cancelOn string
	// skipCleanup plays a runner that crashed after prepare.
	skipCleanup bool
	// afterPrepare runs when prepare succeeded; beforeCleanup just before cleanup.
	afterPrepare, beforeCleanup func(pod string) error
}

// call is one invocation of the driver.
type call struct {
	stage    string // config, prepare, run:<stage>, cleanup
	code     int
	took     time.Duration
	out      []byte // raw stdout+stderr, as the process wrote them
	canceled time.Duration
}

// jobResult is what the runner saw.
type jobResult struct {
	config        executor.ConfigOutput
	calls         []call
	prepareTries  int
	failedStage   string
	buildExitCode string // BUILD_EXIT_CODE_FILE's content
	pod           string
}

// output is everything the driver wrote, all stages.
func (r *jobResult) output() string {
	var b strings.Builder
	for _, c := range r.calls {
		b.Write(c.out)
	}
	return b.String()
}

func (r *jobResult) call(stage string) *call {
	for i := range r.calls {
		if r.calls[i].stage == stage {
			return &r.calls[i]
		}
	}
	return nil
}

// runner is the harness's GitLab Runner.
type runner struct {
	bin        string // the built glcd
	settings   string // settings file (config_args/prepare_args/... = --config FILE)
	kubeconfig string // the runner host's KUBECONFIG
	env        []string
}

// predefined returns the variables GitLab sets for every job, as the job response has them.
func (j *jobSpec) predefined(serverURL, repoPath string) []executor.Variable {
	pub := func(k, v string) executor.Variable { return executor.Variable{Key: k, Value: v, Public: true} }
	vars := []executor.Variable{
		pub("CI", "true"), pub("GITLAB_CI", "true"),
		pub("CI_JOB_ID", j.id), pub("CI_PROJECT_ID", j.projectID), pub("CI_CONCURRENT_PROJECT_ID", j.concurrent),
		pub("CI_RUNNER_SHORT_TOKEN", "glcdtest"), pub("CI_RUNNER_ID", "7"),
		pub("CI_JOB_IMAGE", j.image), pub("CI_SERVER_URL", serverURL), pub("CI_PROJECT_PATH", "group/app"),
		pub("CI_PROJECT_DIR", "/builds/glcdtest/"+j.concurrent+"/group/app"),
		{Key: "CI_JOB_TOKEN", Value: j.token, Masked: true},
		{Key: "CI_REPOSITORY_URL", Value: strings.Replace(serverURL, "://", "://gitlab-ci-token:"+j.token+"@", 1) + "/" + repoPath, Public: true},
	}
	return append(vars, j.vars...)
}

// runJob runs the job through the driver the way the runner would.
func (rn *runner) runJob(ctx context.Context, j jobSpec) (res *jobResult, err error) {
	tmp, err := os.MkdirTemp("", "glcd-runner-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	vars := j.predefined("https://gitlab.test", "group/app.git")
	resp := map[string]any{
		"id": mustAtoi(j.id), "token": j.token, "variables": vars,
		"image":    map[string]any{"name": j.image},
		"services": j.services,
		"job_info": map[string]any{"name": "test", "stage": "test", "project_id": mustAtoi(j.projectID)},
		"steps":    []map[string]any{{"name": "script", "script": []string{"..."}, "timeout": 3600, "when": "on_success"}},
	}
	respFile := filepath.Join(tmp, "response.json")
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(respFile, b, 0o600); err != nil {
		return nil, err
	}
	exitFile := filepath.Join(tmp, "build-exit-code")
	env := append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TMPDIR=" + tmp, "KUBECONFIG=" + rn.kubeconfig,
		"BUILD_FAILURE_EXIT_CODE=" + strconv.Itoa(buildFailureCode),
		"SYSTEM_FAILURE_EXIT_CODE=" + strconv.Itoa(systemFailureCode),
		"BUILD_EXIT_CODE_FILE=" + exitFile,
		"JOB_RESPONSE_FILE=" + respFile,
	}, rn.env...)
	for _, v := range vars {
		env = append(env, executor.CustomEnvPrefix+v.Key+"="+v.Value)
	}
	res = &jobResult{}

	c, err := rn.invoke(ctx, env, "config", nil, "")
	if err != nil {
		return res, err
	}
	res.calls = append(res.calls, *c)
	if c.code != 0 {
		return res, fmt.Errorf("config exited %d: %s", c.code, c.out)
	}
	if err := json.Unmarshal(lastJSON(c.out), &res.config); err != nil {
		return res, fmt.Errorf("config printed no JSON (%v): %s", err, c.out)
	}
	res.pod = res.config.Hostname
	for k, v := range res.config.JobEnv {
		env = append(env, k+"="+v)
	}

	// the runner always runs cleanup, whatever happened before
	defer func() {
		if j.skipCleanup {
			return
		}
		if j.beforeCleanup != nil && err == nil {
			err = j.beforeCleanup(res.pod)
		}
		if c, err := rn.invoke(context.WithoutCancel(ctx), env, "cleanup", nil, ""); err == nil {
			res.calls = append(res.calls, *c)
		}
	}()

	for res.prepareTries < 3 {
		res.prepareTries++
		c, err := rn.invoke(ctx, env, "prepare", nil, "")
		if err != nil {
			return res, err
		}
		res.calls = append(res.calls, *c)
		if c.code != systemFailureCode {
			break
		}
	}
	if last := res.calls[len(res.calls)-1]; last.code != 0 {
		res.failedStage = "prepare"
		return res, nil
	}
	if j.afterPrepare != nil {
		if err := j.afterPrepare(res.pod); err != nil {
			return res, err
		}
	}

	failed := false
	for _, st := range j.stages {
		switch when(st.name) {
		case "on_failure":
			if !failed {
				continue
			}
		case "on_success":
			if failed {
				continue
			}
		}
		script := filepath.Join(tmp, "script."+st.name)
		if err := os.WriteFile(script, []byte(bashScript(vars, st.lines)), 0o700); err != nil {
			return res, err
		}
		c, err := rn.invoke(ctx, env, "run", []string{script, st.name}, j.cancelOn)
		if err != nil {
			return res, err
		}
		c.stage = "run:" + st.name
		res.calls = append(res.calls, *c)
		if c.code != 0 && !failed {
			failed, res.failedStage = true, st.name
			if b, err := os.ReadFile(exitFile); err == nil {
				res.buildExitCode = strings.TrimSpace(string(b))
			}
		}
		if c.canceled > 0 {
			return res, nil // a canceled job runs nothing more but cleanup
		}
	}
	return res, nil
}

// invoke runs `glcd executor STAGE [args]` in its own process group. With cancelOn set,
// the harness sends SIGTERM to the group as soon as the output shows cancelOn, as the runner
// does on cancel or timeout, and records how long the driver took to exit after it.
func (rn *runner) invoke(ctx context.Context, env []string, stage string, args []string, cancelOn string) (*call, error) {
	argv := append([]string{"executor", stage, "--config", rn.settings}, args...)
	cmd := exec.CommandContext(ctx, rn.bin, argv...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &watchBuffer{want: []byte(cancelOn), seen: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	c := &call{stage: stage}
	var err error
	if cancelOn == "" {
		err = <-done
	} else {
		select {
		case err = <-done:
		case <-out.seen:
			sent := time.Now()
			if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); kerr != nil {
				return nil, kerr
			}
			err = <-done
			c.canceled = time.Since(sent)
		}
	}
	c.took = time.Since(start)
	c.out = out.bytes()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		c.code = ee.ExitCode()
	default:
		return nil, err
	}
	return c, nil
}

// watchBuffer collects output and closes seen once it contains want.
type watchBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want []byte
	seen chan struct{}
	once sync.Once
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if len(w.want) > 0 && bytes.Contains(w.buf.Bytes(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *watchBuffer) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.buf.Bytes())
}

// bashScript shapes a stage script like GitLab Runner's bash shell does: strict mode, the
// job's variables exported, each command echoed, all inside `: | eval $'...'` so that no
// command reads the script's own stdin.
func bashScript(vars []executor.Variable, lines []string) string {
	var body strings.Builder
	for _, v := range vars {
		if v.File {
			continue
		}
		fmt.Fprintf(&body, "export %s=%s\n", v.Key, ansiQuote(v.Value))
	}
	for _, l := range lines {
		fmt.Fprintf(&body, "echo %s\n%s\n", ansiQuote("$ "+l), l)
	}
	return "#!/usr/bin/env bash\n\nset -eo pipefail\nset +o noclobber\n: | eval " + ansiQuote(body.String()) + "\nexit 0\n"
}

func ansiQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return "$'" + r.Replace(s) + "'"
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// lastJSON returns the last line of out that starts with '{'.
func lastJSON(out []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if bytes.HasPrefix(lines[i], []byte("{")) {
			return lines[i]
		}
	}
	return nil
}

// when says which stages the runner runs after a failure: after_script and the cleanup of
// file variables always, *_on_failure only then, everything else only while all went well.
func when(stage string) string {
	switch {
	case stage == "after_script" || stage == "cleanup_file_variables":
		return "always"
	case strings.HasSuffix(stage, "_on_failure"):
		return "on_failure"
	}
	return "on_success"
}

// Stage lists in the runner's order.
func buildOnly(lines ...string) []stage {
	return []stage{{"prepare_script", []string{"echo preparing on $(hostname)"}}, {"build_script", lines},
		{"after_script", []string{"echo after"}}, {"cleanup_file_variables", []string{"true"}}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func assertNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s contains the secret %q", what, s)
		}
	}
}
