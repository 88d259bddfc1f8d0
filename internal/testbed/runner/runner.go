// Package runner is a stand-in for GitLab Runner's custom executor, for the executor's tests,
// make demo and make bench (the runner binary cannot be built here). It drives a driver such
// as `glcd executor` exactly as the runner does: the protocol variables, JOB_RESPONSE_FILE,
// CUSTOM_ENV_* for every job variable, config's job_env passed on, prepare retried up to 3
// times on a system failure, the stages in the runner's order with scripts shaped like the
// runner's bash scripts, cleanup always, and SIGTERM to the driver's process group on cancel.
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

	"gitlab.com/glcd/glcd/executor"
)

// Exit codes the stand-in asks for: not 1 and 2, so tests prove the driver uses them.
const (
	BuildFailureCode  = 77
	SystemFailureCode = 78
)

// Stage is one step of a job: a runner stage name and its script lines.
type Stage struct {
	Name  string
	Lines []string
}

// Job is a job as the runner received it from GitLab.
type Job struct {
	ID, ProjectID, Concurrent string
	Image                     string
	Services                  []executor.Service
	Vars                      []executor.Variable // besides the predefined ones
	Token                     string
	// Stages run in order; after a failing one only after_script and the on-failure ones.
	Stages []Stage
	// CancelOn: when the driver's output shows this text, the runner cancels the job.
	CancelOn string
	// SkipCleanup plays a runner that crashed after prepare.
	SkipCleanup bool
	// AfterPrepare runs when prepare succeeded; BeforeCleanup just before cleanup.
	AfterPrepare, BeforeCleanup func(pod string) error
}

// Secrets are the job's token and the values of its masked variables.
func (j *Job) Secrets() []string {
	out := []string{j.Token}
	for _, v := range j.Vars {
		if v.Masked {
			out = append(out, v.Value)
		}
	}
	return out
}

// Call is one invocation of the driver.
type Call struct {
	Stage    string // config, prepare, run:<stage>, cleanup
	Code     int
	Took     time.Duration
	Out      []byte        // raw stdout+stderr, as the process wrote them
	Canceled time.Duration // from SIGTERM to exit, when the runner canceled the call
	End      time.Time     // when the driver exited
}

// Result is what the runner saw.
type Result struct {
	Config        executor.ConfigOutput
	Calls         []Call
	PrepareTries  int
	FailedStage   string
	BuildExitCode string // BUILD_EXIT_CODE_FILE's content
	Pod           string
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
}

// predefined returns the variables GitLab sets for every job, as the job response has them.
func (j *Job) predefined(serverURL, repoPath string) []executor.Variable {
	pub := func(k, v string) executor.Variable { return executor.Variable{Key: k, Value: v, Public: true} }
	vars := []executor.Variable{
		pub("CI", "true"), pub("GITLAB_CI", "true"),
		pub("CI_JOB_ID", j.ID), pub("CI_PROJECT_ID", j.ProjectID), pub("CI_CONCURRENT_PROJECT_ID", j.Concurrent),
		pub("CI_RUNNER_SHORT_TOKEN", "glcdtest"), pub("CI_RUNNER_ID", "7"),
		pub("CI_JOB_IMAGE", j.Image), pub("CI_SERVER_URL", serverURL), pub("CI_PROJECT_PATH", "group/app"),
		pub("CI_PROJECT_DIR", "/builds/glcdtest/"+j.Concurrent+"/group/app"),
		{Key: "CI_JOB_TOKEN", Value: j.Token, Masked: true},
		{Key: "CI_REPOSITORY_URL", Value: strings.Replace(serverURL, "://", "://gitlab-ci-token:"+j.Token+"@", 1) + "/" + repoPath, Public: true},
	}
	return append(vars, j.Vars...)
}

// Run runs the job through the driver the way the runner would.
func (rn *Runner) Run(ctx context.Context, j Job) (res *Result, err error) {
	tmp, err := os.MkdirTemp("", "glcd-runner-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	vars := j.predefined("https://gitlab.test", "group/app.git")
	resp := map[string]any{
		"id": mustAtoi(j.ID), "token": j.Token, "variables": vars,
		"image":    map[string]any{"name": j.Image},
		"services": j.Services,
		"job_info": map[string]any{"name": "test", "stage": "test", "project_id": mustAtoi(j.ProjectID)},
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
		"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TMPDIR=" + tmp, "KUBECONFIG=" + rn.Kubeconfig,
		"BUILD_FAILURE_EXIT_CODE=" + strconv.Itoa(BuildFailureCode),
		"SYSTEM_FAILURE_EXIT_CODE=" + strconv.Itoa(SystemFailureCode),
		"BUILD_EXIT_CODE_FILE=" + exitFile,
		"JOB_RESPONSE_FILE=" + respFile,
	}, rn.Env...)
	for _, v := range vars {
		env = append(env, executor.CustomEnvPrefix+v.Key+"="+v.Value)
	}
	res = &Result{}

	c, err := rn.Invoke(ctx, env, "config", nil, "")
	if err != nil {
		return res, err
	}
	res.Calls = append(res.Calls, *c)
	if c.Code != 0 {
		return res, fmt.Errorf("config exited %d: %s", c.Code, c.Out)
	}
	if err := json.Unmarshal(lastJSON(c.Out), &res.Config); err != nil {
		return res, fmt.Errorf("config printed no JSON (%v): %s", err, c.Out)
	}
	res.Pod = res.Config.Hostname
	for k, v := range res.Config.JobEnv {
		env = append(env, k+"="+v)
	}

	// the runner always runs cleanup, whatever happened before
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

	for res.PrepareTries < 3 {
		res.PrepareTries++
		c, err := rn.Invoke(ctx, env, "prepare", nil, "")
		if err != nil {
			return res, err
		}
		res.Calls = append(res.Calls, *c)
		if c.Code != SystemFailureCode {
			break
		}
	}
	if last := res.Calls[len(res.Calls)-1]; last.Code != 0 {
		res.FailedStage = "prepare"
		return res, nil
	}
	if j.AfterPrepare != nil {
		if err := j.AfterPrepare(res.Pod); err != nil {
			return res, err
		}
	}

	failed := false
	for _, st := range j.Stages {
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
		script := filepath.Join(tmp, "script."+st.Name)
		if err := os.WriteFile(script, []byte(BashScript(vars, st.Lines)), 0o700); err != nil {
			return res, err
		}
		c, err := rn.Invoke(ctx, env, "run", []string{script, st.Name}, j.CancelOn)
		if err != nil {
			return res, err
		}
		c.Stage = "run:" + st.Name
		res.Calls = append(res.Calls, *c)
		if c.Code != 0 && !failed {
			failed, res.FailedStage = true, st.Name
			if b, err := os.ReadFile(exitFile); err == nil {
				res.BuildExitCode = strings.TrimSpace(string(b))
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
	argv := append([]string{"executor", stage, "--config", rn.Settings}, args...)
	cmd := exec.CommandContext(ctx, rn.Bin, argv...)
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
	c := &Call{Stage: stage}
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
			c.Canceled = time.Since(sent)
		}
	}
	c.End = time.Now()
	c.Took = c.End.Sub(start)
	c.Out = out.bytes()
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

// BashScript shapes a stage script like GitLab Runner's bash shell does: strict mode, the
// job's variables exported, each command echoed (but lines starting with @, the runner's own
// steps such as writing file variables), all inside `: | eval $'...'` so that no command
// reads the script's own stdin.
func BashScript(vars []executor.Variable, lines []string) string {
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
	return "#!/usr/bin/env bash\n\nset -eo pipefail\nset +o noclobber\n: | eval " + AnsiQuote(body.String()) + "\nexit 0\n"
}

// AnsiQuote quotes s for bash as $'...'.
func AnsiQuote(s string) string {
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
	kc.Clusters["testbed"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData, CertificateAuthority: cfg.CAFile}
	kc.AuthInfos[account] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts["runner"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: account, Namespace: ns}
	kc.CurrentContext = "runner"
	p := filepath.Join(dir, "runner.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		return "", "", err
	}
	return p, tr.Status.Token, nil
}
