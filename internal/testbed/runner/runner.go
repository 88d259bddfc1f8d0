// Package runner is a stand-in for GitLab Runner's custom executor, for the executor's tests,
// make demo and make bench, where the runner binary cannot be built (the module proxy does
// not serve it). It drives a driver such as `glcd executor` as GitLab Runner 17.9.3 does, with
// types of its own (never the driver's):
//
//   - the environment in the runner's order: its own process environment, then TMPDIR and
//     the protocol variables, then config's job_env, then CUSTOM_ENV_ for every job variable
//     in the order of the runner's Build.GetAllVariables (the runner's own variables, then
//     GitLab's predefined ones, then the job's own, duplicates kept so the last one wins),
//     then CUSTOM_ENV_CI_JOB_SERVICES;
//   - JOB_RESPONSE_FILE shaped as the runner writes it (its JobResponse);
//   - for each prepare attempt a new temporary folder, config, then prepare; cleanup after a
//     failed attempt; up to 3 attempts, 3 s apart, on a system failure only;
//   - the stages in the runner's order, scripts shaped like its bash shell's, cleanup always,
//     SIGTERM to the driver's process group on cancel;
//   - Replay: the calls GitLab Runner 17.9.3 really made (recorded by the executor's
//     real-runner tests into executor/testdata/runner-17.9.3), run again with this test's
//     values.
package runner

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
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Exit codes the stand-in asks for: not 1 and 2, so tests prove the driver uses them.
const (
	BuildFailureCode  = 77
	SystemFailureCode = 78
)

// Version is the GitLab Runner release the stand-in follows.
const Version = "17.9.3"

// Variable is a job variable as GitLab sends it to the runner.
type Variable struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Public bool   `json:"public"`
	Masked bool   `json:"masked"`
	File   bool   `json:"file"`
	Raw    bool   `json:"raw"`
}

// Service is one of the job's services: as GitLab sends it.
type Service struct {
	Name       string     `json:"name"`
	Alias      string     `json:"alias,omitempty"`
	Entrypoint []string   `json:"entrypoint,omitempty"`
	Command    []string   `json:"command,omitempty"`
	Variables  []Variable `json:"variables,omitempty"`
}

// Cache is one cache: entry as GitLab sends it (GitLab suffixes the key -protected or
// -non_protected).
type Cache struct {
	Key    string   `json:"key"`
	Paths  []string `json:"paths"`
	Policy string   `json:"policy"`
	When   string   `json:"when"`
}

// Credential is a registry login GitLab sends for the job's images.
type Credential struct {
	Type     string `json:"type"`
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// Stage is one step of a job: a runner stage name and its script lines.
type Stage struct {
	Name  string
	Lines []string
}

// Job is a job as the runner received it from GitLab.
type Job struct {
	ID, ProjectID, Concurrent string
	Image                     string
	Services                  []Service
	Vars                      []Variable // the job's own, after GitLab's predefined ones
	Token                     string
	// Protected is CI_COMMIT_REF_PROTECTED as GitLab sets it.
	Protected bool
	Cache     []Cache
	// Artifacts lists the job's artifacts: paths.
	Artifacts   []string
	Credentials []Credential
	// Timeout is runner_info.timeout in seconds (0: 3600).
	Timeout int
	// Stages run in order; after a failing one only after_script and the on-failure ones.
	Stages []Stage
	// CancelOn: when the driver's output shows this text, the runner cancels the job.
	CancelOn string
	// SkipCleanup plays a runner that crashed after prepare.
	SkipCleanup bool
	// AfterPrepare runs when prepare succeeded; BeforeCleanup just before cleanup.
	AfterPrepare, BeforeCleanup func(pod string) error
	// DuringRun, when set, runs in its own goroutine while the first stage named
	// DuringStage runs, once the driver's output shows DuringOn: a test's chaos.
	DuringStage, DuringOn string
	DuringRun             func(pod string) error
}

// Secrets are the job's token and the values of its masked variables.
func (j *Job) Secrets() []string {
	out := []string{j.Token}
	for _, v := range j.Vars {
		if v.Masked {
			out = append(out, v.Value)
		}
	}
	for _, c := range j.Credentials {
		out = append(out, c.Password)
	}
	return out
}

// Call is one invocation of the driver.
type Call struct {
	Stage    string // config, prepare, run:<stage>, cleanup
	Code     int
	Took     time.Duration
	Out      []byte        // raw stdout+stderr, as the process wrote them
	Stdout   []byte        // stdout alone
	Canceled time.Duration // from SIGTERM to exit, when the runner canceled the call
	End      time.Time     // when the driver exited
}

// Result is what the runner saw.
type Result struct {
	Config        ConfigOutput
	Calls         []Call
	PrepareTries  int
	FailedStage   string
	BuildExitCode string // BUILD_EXIT_CODE_FILE's content
	Pod           string
	// DuringErr is what Job.DuringRun returned.
	DuringErr error

	env []string // the environment of the job's calls after config
}

// Again calls the driver's stage for the job of res once more, with the job's environment:
// a second cleanup, say, or a call a crashed runner never made.
func (rn *Runner) Again(ctx context.Context, res *Result, stage string, args ...string) (*Call, error) {
	return rn.AgainWith(ctx, res, nil, stage, args...)
}

// AgainWith is Again with some variables of the environment set otherwise (job_env naming
// another job's pod, say).
func (rn *Runner) AgainWith(ctx context.Context, res *Result, set map[string]string, stage string, args ...string) (*Call, error) {
	env := append([]string(nil), res.env...)
	for k, v := range set {
		env = append(env, k+"="+v) // the last one wins, as in the runner's environment
	}
	return rn.Invoke(ctx, env, stage, args, "")
}

// ConfigOutput is what the runner reads of config_exec's JSON.
type ConfigOutput struct {
	Driver struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"driver"`
	Hostname          string            `json:"hostname"`
	BuildsDir         string            `json:"builds_dir"`
	CacheDir          string            `json:"cache_dir"`
	BuildsDirIsShared bool              `json:"builds_dir_is_shared"`
	JobEnv            map[string]string `json:"job_env"`
	Shell             string            `json:"shell"`
}

// Output is everything the driver wrote, all stages.
func (r *Result) Output() string {
	var b strings.Builder
	for _, c := range r.Calls {
		b.Write(c.Out)
	}
	return b.String()
}

// Call returns the first call of stage (config, prepare, run:NAME, cleanup), or nil.
func (r *Result) Call(stage string) *Call {
	for i := range r.Calls {
		if r.Calls[i].Stage == stage {
			return &r.Calls[i]
		}
	}
	return nil
}

// Runner is the stand-in GitLab Runner.
type Runner struct {
	Bin        string // the driver (glcd); called as Bin executor STAGE --config Settings
	Settings   string // settings file (config_args, prepare_args, ... = --config FILE)
	Kubeconfig string // the runner host's KUBECONFIG
	Env        []string
	// RetryInterval is the pause between prepare attempts (the runner's 3 s when zero).
	RetryInterval time.Duration
}

// serverURL and repoPath are where the stand-in's jobs come from.
const (
	serverURL = "https://gitlab.test"
	repoPath  = "group/app.git"
)

// predefined returns the variables GitLab sets for every job, as the job response has them,
// then the job's own.
func (j *Job) predefined() []Variable {
	pub := func(k, v string) Variable { return Variable{Key: k, Value: v, Public: true} }
	vars := []Variable{
		pub("CI", "true"), pub("GITLAB_CI", "true"),
		pub("CI_JOB_ID", j.ID), pub("CI_JOB_NAME", "test"), pub("CI_JOB_STAGE", "test"), pub("CI_PROJECT_ID", j.ProjectID),
		pub("CI_RUNNER_ID", "7"), pub("CI_SERVER_URL", serverURL), pub("CI_PROJECT_PATH", "group/app"), pub("CI_PROJECT_NAME", "app"),
		pub("CI_COMMIT_REF_NAME", "main"), pub("CI_COMMIT_REF_PROTECTED", strconv.FormatBool(j.Protected)),
		{Key: "CI_JOB_TOKEN", Value: j.Token, Masked: true},
		{Key: "CI_REPOSITORY_URL", Value: j.repoURL(), Public: true},
	}
	return append(vars, j.Vars...)
}

func (j *Job) repoURL() string {
	return strings.Replace(serverURL, "://", "://gitlab-ci-token:"+j.Token+"@", 1) + "/" + repoPath
}

// allVariables returns the variables in the order of the runner's Build.GetAllVariables:
// its feature flags, CI_JOB_IMAGE, the runner's own, the job's (GitLab's first), then the
// runner's version variables. Duplicates stay: in CUSTOM_ENV_ the last one wins.
func (j *Job) allVariables(concurrent string) []Variable {
	pub := func(k, v string) Variable { return Variable{Key: k, Value: v, Public: true} }
	var out []Variable
	for _, ff := range []string{"FF_NETWORK_PER_BUILD", "FF_USE_DIRECT_DOWNLOAD", "FF_SKIP_NOOP_BUILD_STAGES", "FF_SCRIPT_SECTIONS"} {
		v := "false"
		if ff == "FF_USE_DIRECT_DOWNLOAD" || ff == "FF_SKIP_NOOP_BUILD_STAGES" {
			v = "true"
		}
		out = append(out, pub(ff, v))
	}
	if j.Image != "" {
		out = append(out, pub("CI_JOB_IMAGE", j.Image))
	}
	project := "/builds/group/app"
	timeout := j.Timeout
	if timeout == 0 {
		timeout = 3600
	}
	out = append(out, pub("CI_RUNNER_SHORT_TOKEN", "glcdtest"),
		pub("CI_BUILDS_DIR", "/builds"), pub("CI_PROJECT_DIR", project), pub("CI_CONCURRENT_ID", concurrent),
		pub("CI_CONCURRENT_PROJECT_ID", concurrent), pub("CI_SERVER", "yes"), pub("CI_JOB_STATUS", "running"),
		pub("CI_JOB_TIMEOUT", strconv.Itoa(timeout)))
	out = append(out, j.predefined()...)
	return append(out, pub("CI_SHARED_ENVIRONMENT", "true"), pub("CI_RUNNER_VERSION", Version),
		pub("CI_RUNNER_REVISION", "f6927248"), pub("CI_RUNNER_EXECUTABLE_ARCH", "linux/amd64"),
		pub("RUNNER_TEMP_PROJECT_DIR", project+".tmp"))
}

// response is JOB_RESPONSE_FILE as the runner writes it.
func (j *Job) response() ([]byte, error) {
	id, err := strconv.ParseInt(j.ID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("job id %q: %w", j.ID, err)
	}
	project, err := strconv.ParseInt(j.ProjectID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("project id %q: %w", j.ProjectID, err)
	}
	timeout := j.Timeout
	if timeout == 0 {
		timeout = 3600
	}
	type artifact struct {
		Name      string   `json:"name"`
		Paths     []string `json:"paths"`
		When      string   `json:"when"`
		Type      string   `json:"artifact_type"`
		Format    string   `json:"artifact_format"`
		Untracked bool     `json:"untracked"`
	}
	var arts []artifact
	if len(j.Artifacts) > 0 {
		arts = append(arts, artifact{Paths: j.Artifacts, When: "on_success", Type: "archive", Format: "zip"})
	}
	services := j.Services
	if services == nil {
		services = []Service{}
	}
	resp := map[string]any{
		"id": id, "token": j.Token, "allow_git_fetch": false,
		"job_info":    map[string]any{"name": "test", "stage": "test", "project_id": project, "project_name": "app"},
		"git_info":    map[string]any{"repo_url": j.repoURL(), "ref": "main", "sha": strings.Repeat("c0ffee", 6) + "abcd", "ref_type": "branch", "depth": 20},
		"runner_info": map[string]any{"timeout": timeout},
		"variables":   j.predefined(),
		"steps":       []map[string]any{{"name": "script", "script": []string{"..."}, "timeout": timeout, "when": "on_success"}},
		"image":       map[string]any{"name": j.Image},
		"services":    services, "artifacts": arts, "cache": j.Cache, "credentials": j.Credentials,
		"features": map[string]any{"trace_sections": true},
	}
	var buf bytes.Buffer
	err = json.NewEncoder(&buf).Encode(resp) // the runner writes it with json.Encoder: a newline at the end
	return buf.Bytes(), err
}

// attempt is one prepare attempt's environment: its temporary folder and files.
type attempt struct {
	tmp, exitFile string
	env           []string
}

// newAttempt makes a prepare attempt's folder, response file and protocol variables, as the
// runner's custom executor does for each attempt (custom.go Prepare).
func (rn *Runner) newAttempt(j *Job) (*attempt, error) {
	tmp, err := os.MkdirTemp("", "custom-executor")
	if err != nil {
		return nil, err
	}
	b, err := j.response()
	if err != nil {
		return nil, err
	}
	resp := filepath.Join(tmp, "response.json")
	if err := os.WriteFile(resp, b, 0o600); err != nil {
		return nil, err
	}
	a := &attempt{tmp: tmp, exitFile: filepath.Join(tmp, "build_exit_code")}
	a.env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "KUBECONFIG=" + rn.Kubeconfig}, rn.Env...)
	a.env = append(a.env, "TMPDIR="+tmp, "BUILD_FAILURE_EXIT_CODE="+strconv.Itoa(BuildFailureCode),
		"SYSTEM_FAILURE_EXIT_CODE="+strconv.Itoa(SystemFailureCode), "BUILD_EXIT_CODE_FILE="+a.exitFile, "JOB_RESPONSE_FILE="+resp)
	return a, nil
}

// customEnv is CUSTOM_ENV_ for every variable, in the runner's order, and the services.
func customEnv(j *Job) []string {
	var env []string
	for _, v := range j.allVariables(j.Concurrent) {
		env = append(env, "CUSTOM_ENV_"+v.Key+"="+v.Value)
	}
	services := ""
	if len(j.Services) > 0 {
		type svc struct {
			Name       string   `json:"name"`
			Alias      string   `json:"alias"`
			Entrypoint []string `json:"entrypoint"`
			Command    []string `json:"command"`
		}
		var list []svc
		for _, s := range j.Services {
			list = append(list, svc{s.Name, strings.Split(s.Alias, ",")[0], s.Entrypoint, s.Command})
		}
		b, _ := json.Marshal(list)
		services = string(b)
	}
	return append(env, "CUSTOM_ENV_CI_JOB_SERVICES="+services)
}

// Run runs the job through the driver the way the runner would.
func (rn *Runner) Run(ctx context.Context, j Job) (res *Result, err error) {
	res = &Result{}
	custom := customEnv(&j)
	var a *attempt
	withJobEnv := func(a *attempt) []string {
		env := append([]string(nil), a.env...)
		for k, v := range res.Config.JobEnv {
			env = append(env, k+"="+v)
		}
		return append(env, custom...)
	}
	interval := rn.RetryInterval
	if interval == 0 {
		interval = 3 * time.Second
	}
	for res.PrepareTries < 3 {
		if res.PrepareTries > 0 {
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(interval):
			}
		}
		res.PrepareTries++
		if a, err = rn.newAttempt(&j); err != nil {
			return res, err
		}
		if !j.SkipCleanup { // a crashed runner's folder stays, for Again
			defer os.RemoveAll(a.tmp)
		}
		// config_exec gets no job_env (it makes it), then prepare
		c, err := rn.Invoke(ctx, append(append([]string(nil), a.env...), custom...), "config", nil, "")
		if err != nil {
			return res, err
		}
		res.Calls = append(res.Calls, *c)
		if c.Code != 0 {
			if c.Code == BuildFailureCode {
				res.FailedStage = "config"
				return res, nil
			}
			continue
		}
		res.Config = ConfigOutput{}
		if err := json.Unmarshal(lastJSON(c.Stdout), &res.Config); err != nil {
			return res, fmt.Errorf("config printed no JSON (%v): %s", err, c.Out)
		}
		res.Pod = res.Config.Hostname
		c, err = rn.Invoke(ctx, withJobEnv(a), "prepare", nil, "")
		if err != nil {
			return res, err
		}
		res.Calls = append(res.Calls, *c)
		if c.Code == 0 {
			break
		}
		// the runner cleans up after every failed attempt, and retries only a system failure
		if !j.SkipCleanup {
			if cc, err := rn.Invoke(context.WithoutCancel(ctx), withJobEnv(a), "cleanup", nil, ""); err == nil {
				res.Calls = append(res.Calls, *cc)
			}
		}
		if c.Code != SystemFailureCode {
			break
		}
	}
	if last := res.Calls[len(res.Calls)-1]; last.Stage != "prepare" || last.Code != 0 {
		res.FailedStage = "prepare"
		return res, nil
	}
	env := withJobEnv(a)
	res.env = env

	// the runner always runs cleanup after a prepared job, whatever happened
	defer func() {
		if j.SkipCleanup {
			return
		}
		if j.BeforeCleanup != nil && err == nil {
			err = j.BeforeCleanup(res.Pod)
		}
		if c, err := rn.Invoke(context.WithoutCancel(ctx), env, "cleanup", nil, ""); err == nil {
			res.Calls = append(res.Calls, *c)
		}
	}()
	if j.AfterPrepare != nil {
		if err := j.AfterPrepare(res.Pod); err != nil {
			return res, err
		}
	}

	failed := false
	vars := j.allVariables(j.Concurrent)
	for n, st := range j.Stages {
		switch when(st.Name) {
		case "on_failure":
			if !failed {
				continue
			}
		case "on_success":
			if failed {
				continue
			}
		}
		dir := filepath.Join(a.tmp, fmt.Sprintf("script%03d", n))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return res, err
		}
		script := filepath.Join(dir, "script")
		if err := os.WriteFile(script, []byte(BashScript(vars, st.Lines)), 0o700); err != nil {
			return res, err
		}
		var during func()
		if f := j.DuringRun; f != nil && st.Name == j.DuringStage {
			during = func() { res.DuringErr = f(res.Pod) }
			j.DuringRun = nil // once
		}
		c, err := rn.invoke(ctx, env, "run", []string{script, st.Name}, j.CancelOn, j.DuringOn, during)
		if err != nil {
			return res, err
		}
		c.Stage = "run:" + st.Name
		res.Calls = append(res.Calls, *c)
		if c.Code != 0 && !failed {
			failed, res.FailedStage = true, st.Name
			if b, err := os.ReadFile(a.exitFile); err == nil {
				res.BuildExitCode, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
			}
		}
		if c.Canceled > 0 {
			return res, nil // a canceled job runs nothing more but cleanup
		}
	}
	return res, nil
}

// Invoke runs `glcd executor STAGE [args]` in its own process group. With cancelOn set,
// the harness sends SIGTERM to the group as soon as the output shows cancelOn, as the runner
// does on cancel or timeout, and records how long the driver took to exit after it.
func (rn *Runner) Invoke(ctx context.Context, env []string, stage string, args []string, cancelOn string) (*Call, error) {
	return rn.invoke(ctx, env, stage, args, cancelOn, "", nil)
}

func (rn *Runner) invoke(ctx context.Context, env []string, stage string, args []string, cancelOn, duringOn string, during func()) (*Call, error) {
	argv := append([]string{"executor", stage, "--config", rn.Settings}, args...)
	cmd := exec.CommandContext(ctx, rn.Bin, argv...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &watchBuffer{watch: map[string]chan struct{}{}}
	cancelSeen, duringSeen := out.when(cancelOn), out.when(duringOn)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &teeWriter{out, &stdout}, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	c := &Call{Stage: stage}
	var wg sync.WaitGroup
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-duringSeen:
			duringSeen = nil
			if during != nil {
				wg.Add(1)
				go func() { defer wg.Done(); during() }()
			}
		case <-cancelSeen:
			cancelSeen = nil
			sent := time.Now()
			if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); kerr != nil {
				return nil, kerr
			}
			err = <-done
			c.Canceled = time.Since(sent)
			break wait
		}
	}
	wg.Wait()
	c.End = time.Now()
	c.Took = c.End.Sub(start)
	c.Out, c.Stdout = out.bytes(), stdout.Bytes()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		c.Code = ee.ExitCode()
	default:
		return nil, err
	}
	return c, nil
}

// watchBuffer collects output and closes a channel once the output contains its text.
type watchBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	watch map[string]chan struct{}
}

// when returns a channel closed once the output shows text; nil for "".
func (w *watchBuffer) when(text string) chan struct{} {
	if text == "" {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	w.watch[text] = ch
	return ch
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for text, ch := range w.watch {
		if bytes.Contains(w.buf.Bytes(), []byte(text)) {
			close(ch)
			delete(w.watch, text)
		}
	}
	return len(p), nil
}

func (w *watchBuffer) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.buf.Bytes())
}

// teeWriter writes to both: stdout goes to the call's output and to its own buffer.
type teeWriter struct {
	a *watchBuffer
	b *bytes.Buffer
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.b.Write(p)
	return t.a.Write(p)
}

// BashScript shapes a stage script like GitLab Runner's bash shell does: a TERM trap,
// pipefail and errexit, the job's variables exported, each command echoed (but lines starting
// with @, the runner's own steps such as writing file variables), all inside `: | eval $'...'`
// so that no command reads the script's own stdin.
func BashScript(vars []Variable, lines []string) string {
	var body strings.Builder
	for _, v := range vars {
		if v.File {
			continue
		}
		fmt.Fprintf(&body, "export %s=%s\n", v.Key, AnsiQuote(v.Value))
	}
	for _, l := range lines {
		if quiet, ok := strings.CutPrefix(l, "@"); ok { // the runner's own steps are not echoed
			fmt.Fprintf(&body, "%s\n", quiet)
			continue
		}
		fmt.Fprintf(&body, "echo %s\n%s\n", AnsiQuote("$ "+l), l)
	}
	return "#!/usr/bin/env bash\n\ntrap exit 1 TERM\n\nif set -o | grep pipefail > /dev/null; then set -o pipefail; fi; set -o errexit\nset +o noclobber\n: | eval " +
		AnsiQuote(body.String()) + "\nexit 0\n"
}

// AnsiQuote quotes s for bash as $'...'.
func AnsiQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return "$'" + r.Replace(s) + "'"
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

// BuildOnly is a job's stages in the runner's order, with lines as the build script.
func BuildOnly(lines ...string) []Stage {
	return []Stage{{"prepare_script", []string{"echo preparing on $(hostname)"}}, {"build_script", lines},
		{"after_script", []string{"echo after"}}, {"cleanup_file_variables", []string{"true"}}}
}

// InstallRBAC creates in ns the ServiceAccounts, Role and RoleBinding of rbacYAML (such as
// examples/runner/rbac.yaml; its Namespace object is skipped) and writes to dir a kubeconfig
// with a token of the ServiceAccount account: the runner then calls the driver with exactly
// that RBAC. It returns the kubeconfig's path and the token.
func InstallRBAC(ctx context.Context, cs kubernetes.Interface, cfg *rest.Config, rbacYAML []byte, ns, account, dir string) (string, string, error) {
	for _, doc := range strings.Split(string(rbacYAML), "\n---\n") {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			return "", "", fmt.Errorf("rbac: %w", err)
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
		case *corev1.ServiceAccount:
			o.Namespace = ns
			_, err = cs.CoreV1().ServiceAccounts(ns).Create(ctx, o, metav1.CreateOptions{})
		case *rbacv1.Role:
			o.Namespace = ns
			_, err = cs.RbacV1().Roles(ns).Create(ctx, o, metav1.CreateOptions{})
		case *rbacv1.RoleBinding:
			o.Namespace = ns
			for i := range o.Subjects {
				o.Subjects[i].Namespace = ns
			}
			_, err = cs.RbacV1().RoleBindings(ns).Create(ctx, o, metav1.CreateOptions{})
		default:
			return "", "", fmt.Errorf("rbac: unexpected %T", obj)
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return "", "", fmt.Errorf("rbac: %w", err)
		}
	}
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, account, &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		return "", "", fmt.Errorf("token of %s/%s: %w", ns, account, err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["testbed"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData, CertificateAuthority: cfg.CAFile,
		TLSServerName: cfg.TLSClientConfig.ServerName}
	kc.AuthInfos[account] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts["runner"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: account, Namespace: ns}
	kc.CurrentContext = "runner"
	p := filepath.Join(dir, "runner.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		return "", "", err
	}
	return p, tr.Status.Token, nil
}
