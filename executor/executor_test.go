package executor_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

var (
	tb      *testbed.Cluster
	glcdBin string
	binDir  string // where setup built glcdBin, removed at the end
)

// Images of these tests: a web server as a service, besides the test bed's busybox (sh
// only) and the helper image (git, bash).
const (
	serviceImage = "testbed.local/web-service:1"
	missingImage = "localhost:5000/glcd/does-not-exist:1"
)

// shared starts the test bed for the first test that needs it: the unit tests of this
// package run without it.
var shared = testbed.Shared{Setup: []func(*testbed.Cluster) error{setup}}

func TestMain(m *testing.M) {
	code := shared.Run(m)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// setup builds glcd and imports the tests' images.
func setup(c *testbed.Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var err error
	if binDir, err = os.MkdirTemp("", "glcd-executor-test-"); err != nil {
		return err
	}
	if glcdBin, err = testbed.BuildGLCD(ctx, binDir); err != nil {
		return err
	}
	if err := c.ImportBusyboxImages(ctx, map[string][]string{
		// its files in /tmp: it serves as any user (PodSecurity restricted runs it as non-root)
		serviceImage: {"sh", "-c", "mkdir -p /tmp/www && echo service-ok > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"},
	}); err != nil {
		return err
	}
	return c.ImportHelperImage(ctx)
}

// namespace starts the test bed if needed and gives the test a namespace of its own.
func namespace(t testing.TB) string {
	t.Helper()
	tb = shared.Get(t)
	return tb.Namespace(t)
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func randomToken(t testing.TB, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// newRunner writes the driver's settings for namespace ns (plus extra YAML lines) and gives
// the runner the kubeconfig of the glcd-executor ServiceAccount of examples/runner/rbac.yaml.
func newRunner(t *testing.T, ns string, extra ...string) *runner.Runner {
	t.Helper()
	settings := filepath.Join(t.TempDir(), "executor.yaml")
	yaml := fmt.Sprintf("namespace: %s\nimage: %s\nhelperImage: %s\nserviceAccount: ci-job\npodStartTimeout: 60s\n",
		ns, testbed.BusyboxImage, testbed.HelperImage) + strings.Join(extra, "\n") + "\n"
	must(t, os.WriteFile(settings, []byte(yaml), 0o644))
	return &runner.Runner{Bin: glcdBin, Settings: settings, Kubeconfig: driverKubeconfig(t, ns)}
}

// driverKubeconfig applies examples/runner/rbac.yaml to ns and returns a kubeconfig with a
// token of its glcd-executor ServiceAccount: the tests run the driver with exactly that RBAC.
func driverKubeconfig(t testing.TB, ns string) string {
	t.Helper()
	b, err := os.ReadFile("../examples/runner/rbac.yaml")
	must(t, err)
	p, token, err := runner.InstallRBAC(ctxFor(t, time.Minute), tb.Client, tb.Config, b, ns, "glcd-executor", t.TempDir())
	must(t, err)
	driverTokens.Store(ns, token)
	return p
}

// driverTokens are the driver's own credentials, by namespace: they must not leak either.
var driverTokens sync.Map

var jobCounter = time.Now().Unix() % 100000

// newJob makes a job with a random token and a masked variable; once its pod runs, the pod
// spec is checked for them.
func newJob(t *testing.T, ns, project string, stages []runner.Stage) runner.Job {
	jobCounter++
	j := runner.Job{ID: fmt.Sprint(jobCounter), ProjectID: project, Concurrent: "0", Token: randomToken(t, "glcd-job-token-"),
		Vars:   []runner.Variable{{Key: "DEPLOY_PASSWORD", Value: randomToken(t, "masked-var-"), Masked: true}},
		Stages: stages}
	j.AfterPrepare = podHasNoSecret(ns, j.Secrets())
	return j
}

// checkJob runs the checks every job must pass: no secret in the driver's output, in the
// pod spec or in the namespace's events, and nothing left after cleanup.
func checkJob(t *testing.T, ns string, j *runner.Job, res *runner.Result) {
	t.Helper()
	secrets := j.Secrets()
	if tok, ok := driverTokens.Load(ns); ok {
		secrets = append(secrets, tok.(string))
	}
	assertNoSecret(t, "the driver's output", res.Output(), secrets...)
	ctx := ctxFor(t, time.Minute)
	events, err := tb.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	must(t, err)
	b, err := json.Marshal(events)
	must(t, err)
	assertNoSecret(t, "the namespace's events", string(b), j.Secrets()...)
	if !j.SkipCleanup && res.Pod != "" {
		if _, err := tb.Client.CoreV1().Pods(ns).Get(ctx, res.Pod, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("pod %s still exists after cleanup (err %v)", res.Pod, err)
			if c := res.Call("cleanup"); c != nil {
				t.Logf("cleanup exited %d:\n%s", c.Code, c.Out)
			}
		}
		if _, err := tb.Client.CoreV1().Secrets(ns).Get(ctx, res.Pod, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("secret %s still exists after cleanup (err %v)", res.Pod, err)
		}
	}
}

// podHasNoSecret returns an afterPrepare hook that checks the live pod spec.
func podHasNoSecret(ns string, secrets []string) func(string) error {
	return func(pod string) error {
		p, err := tb.Client.CoreV1().Pods(ns).Get(context.Background(), pod, metav1.GetOptions{})
		if err != nil {
			return err
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				return fmt.Errorf("the pod spec of %s contains the secret %q", pod, s)
			}
		}
		if p.Spec.AutomountServiceAccountToken == nil || *p.Spec.AutomountServiceAccountToken {
			return fmt.Errorf("the pod mounts a service account token")
		}
		if sc := p.Spec.SecurityContext; sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			return fmt.Errorf("the pod has no RuntimeDefault seccomp profile")
		}
		if p.Spec.ActiveDeadlineSeconds == nil || len(p.Spec.SchedulingGates) != 0 || p.Labels[executor.LabelNonce] == "" {
			return fmt.Errorf("the pod has no deadline, is still gated or has no nonce label")
		}
		for _, c := range p.Spec.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				return fmt.Errorf("container %s is privileged or may escalate its privileges", c.Name)
			}
			if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
				return fmt.Errorf("container %s has no memory limit", c.Name)
			}
		}
		return nil
	}
}

func TestJobEchoesAndSucceeds(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", runner.BuildOnly(`echo "hello from $(cat /etc/hostname)"`, `echo "shell=${BASH_VERSION:-sh}"`, `echo "secret=$DEPLOY_PASSWORD"`))
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "" {
		t.Fatalf("job failed in %s:\n%s", res.FailedStage, out)
	}
	for _, want := range []string{"hello from " + res.Pod, "shell=sh", "secret=[MASKED]", "$ echo \"hello from", "after", "Pod " + ns + "/" + res.Pod + " is running"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if res.Config.BuildsDir != "/builds" || res.Config.CacheDir != "/cache" || res.Config.BuildsDirIsShared || res.Config.Driver.Name == "" {
		t.Errorf("config output: %+v", res.Config)
	}
	if res.Config.JobEnv[executor.JobEnvPod] != res.Pod || res.Config.JobEnv[executor.JobEnvNamespace] != ns {
		t.Errorf("config job_env: %v", res.Config.JobEnv)
	}
	checkJob(t, ns, &j, res)
}

func TestFailingScriptReportsItsExitCode(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", append(runner.BuildOnly(`echo before`, `exit 42`, `echo never`),
		runner.Stage{Name: "upload_artifacts_on_failure", Lines: []string{"echo uploading failure artifacts"}}))
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "build_script" || res.BuildExitCode != "42" {
		t.Fatalf("failed stage %q, BUILD_EXIT_CODE_FILE %q; want build_script and 42\n%s", res.FailedStage, res.BuildExitCode, out)
	}
	if c := res.Call("run:build_script"); c.Code != runner.BuildFailureCode {
		t.Errorf("run exited %d, want BUILD_FAILURE_EXIT_CODE %d", c.Code, runner.BuildFailureCode)
	}
	if strings.Contains(out, "never") && !strings.Contains(out, "$ echo never") {
		t.Errorf("the script went on after exit 42:\n%s", out)
	}
	for _, want := range []string{"before", "after", "uploading failure artifacts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	checkJob(t, ns, &j, res)
}

func TestGetSourcesClonesInTheHelperWithTheJobToken(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", nil)
	git := gitserver.Start(t, gitserver.Options{TLS: true, Addr: tb.HostIP, Tokens: []gitserver.Token{{User: "gitlab-ci-token", Value: j.Token, ReadOnly: true}}})
	sha := git.Seed(t, "group/app.git", "main", gitserver.Commit{Files: map[string]string{"README.md": "hello from the repo\n", "stack.yaml": "resolver: ghc-9.0.2\n"}, Message: "init"})
	ca, err := os.ReadFile(git.CAFile)
	must(t, err)
	dir := "/builds/glcdtest/0/group/app"
	cloneURL := strings.Replace(git.RepoURL("group/app.git"), "://", "://gitlab-ci-token:"+j.Token+"@", 1)
	j.Vars = append(j.Vars, runner.Variable{Key: "CI_SERVER_TLS_CA_FILE", Value: string(ca), File: true})
	j.Stages = []runner.Stage{
		{Name: "get_sources", Lines: []string{
			// as the runner does: file variables written next to the project, git told about the CA
			`@mkdir -p "` + dir + `.tmp"`,
			`@printf '%s' ` + runner.AnsiQuote(string(ca)) + ` > "` + dir + `.tmp/CI_SERVER_TLS_CA_FILE"`,
			`@export GIT_SSL_CAINFO="` + dir + `.tmp/CI_SERVER_TLS_CA_FILE"`,
			`echo "Fetching changes with git depth set to 20..."`,
			`git init -q --template= "` + dir + `"`,
			`cd "` + dir + `"`,
			`git remote add origin "` + cloneURL + `"`,
			`git -c advice.detachedHead=false fetch -q --depth 20 origin +refs/heads/main:refs/remotes/origin/main`,
			`git checkout -f -q ` + sha,
			`echo "Checked out $(git rev-parse --short HEAD) in $(hostname) with ${BASH_VERSION:+bash}"`,
		}},
		{Name: "build_script", Lines: []string{`cd ` + dir, `cat README.md`, `test -f stack.yaml && echo stack.yaml is there`,
			// a build image's non-root user writes into the helper's checkout (a dotenv report)
			`su nobody -s /bin/sh -c 'echo X=1 > build.env && mkdir -p out' && echo "uid 65534 wrote into the checkout"`}},
	}
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "" {
		t.Fatalf("job failed in %s:\n%s\ngit server: %s", res.FailedStage, out, git.BackendStderr())
	}
	for _, want := range []string{"Checked out " + sha[:7] + " in " + res.Pod + " with bash", "hello from the repo", "stack.yaml is there", "uid 65534 wrote into the checkout"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	authed := false
	for _, r := range git.Requests() {
		authed = authed || r.Authed && r.User == "gitlab-ci-token"
	}
	if !authed {
		t.Errorf("the git server saw no request authenticated with the job token: %+v", git.Requests())
	}
	checkJob(t, ns, &j, res)
}

func TestServiceIsReachableByAlias(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", runner.BuildOnly(`wget -q -O- http://web:8080/`, `wget -q -O- http://localhost:8080/`))
	j.Services = []runner.Service{{Name: serviceImage, Alias: "web"}}
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "" {
		t.Fatalf("job failed in %s:\n%s", res.FailedStage, out)
	}
	if n := strings.Count(out, "service-ok"); n != 2 {
		t.Errorf("want the service's page twice (by alias and on localhost), got %d:\n%s", n, out)
	}
	checkJob(t, ns, &j, res)
}

// cacheVolume makes the claim ci-cache in ns on a new node directory, which it returns.
func cacheVolume(t *testing.T, ns string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	must(t, tb.CacheVolume(ctxFor(t, time.Minute), ns, "ci-cache", dir))
	t.Cleanup(func() { _ = tb.DeleteCacheVolume(context.Background(), ns, "ci-cache") })
	return dir
}

func TestCacheIsKeptPerProject(t *testing.T) {
	ns := namespace(t)
	cacheDir := cacheVolume(t, ns)
	rn := newRunner(t, ns, "cache:\n  pvc: ci-cache")
	j1 := newJob(t, ns, "300", runner.BuildOnly(`mkdir -p /cache/stack`, `echo "deps of job 1" > /cache/stack/snapshot`))
	j2 := newJob(t, ns, "300", runner.BuildOnly(`cat /cache/stack/snapshot`))
	j3 := newJob(t, ns, "301", runner.BuildOnly(`if [ -e /cache/stack/snapshot ]; then echo other project sees it; else echo cache is empty; fi`, `ls -A /cache | wc -l`))
	var outs []string
	for _, j := range []runner.Job{j1, j2, j3} {
		res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
		must(t, err)
		if res.FailedStage != "" {
			t.Fatalf("job %s failed in %s:\n%s", j.ID, res.FailedStage, res.Output())
		}
		checkJob(t, ns, &j, res)
		outs = append(outs, res.Output())
	}
	if !strings.Contains(outs[1], "deps of job 1") {
		t.Errorf("job 2 of the same project does not see job 1's cache:\n%s", outs[1])
	}
	if !strings.Contains(outs[2], "\ncache is empty\n") || strings.Contains(outs[2], "\nother project sees it\n") {
		t.Errorf("a job of another project sees the cache:\n%s", outs[2])
	}
	b, err := os.ReadFile(filepath.Join(cacheDir, "project-300", "stack", "snapshot"))
	if err != nil || string(b) != "deps of job 1\n" {
		t.Errorf("the node's cache directory: %q, %v", b, err)
	}
}

func TestMissingImageFailsTheBuildInSeconds(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never runs`))
	j.Image = missingImage
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	prep := res.Call("prepare")
	if res.FailedStage != "prepare" || prep.Code != runner.BuildFailureCode || res.PrepareTries != 1 {
		t.Fatalf("want prepare to fail once with BUILD_FAILURE_EXIT_CODE, got stage %q code %d tries %d:\n%s", res.FailedStage, prep.Code, res.PrepareTries, out)
	}
	for _, want := range []string{"ImageNotFound", missingImage, "not found"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never runs") {
		t.Errorf("a stage ran:\n%s", out)
	}
	t.Logf("prepare of a missing image failed after %s", prep.Took.Round(10*time.Millisecond))
	checkJob(t, ns, &j, res)
}

func TestDisallowedImageIsRefusedBeforeAnyPod(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, "allowedImages: [\"testbed.local/**\", \"localhost:5000/team/*\"]")
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never runs`))
	j.Image = "docker.io/library/alpine:3.20"
	res, err := rn.Run(ctxFor(t, time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "prepare" || res.Call("prepare").Code != runner.BuildFailureCode {
		t.Fatalf("want a build failure in prepare:\n%s", out)
	}
	for _, want := range []string{`"docker.io/library/alpine:3.20" is not allowed`, "testbed.local/**, localhost:5000/team/*"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	pods, err := tb.Client.CoreV1().Pods(ns).List(ctxFor(t, time.Minute), metav1.ListOptions{})
	must(t, err)
	if len(pods.Items) != 0 {
		t.Errorf("a pod was created for a disallowed image: %s", pods.Items[0].Name)
	}
	checkJob(t, ns, &j, res)
}

func TestUnschedulableShowsTheSchedulersReasonAndIsASystemFailure(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, "resources:\n  max: {cpu: \"100\"}")
	// a short start timeout for this test only: the scheduler's reason must be printed at once
	must(t, os.WriteFile(rn.Settings, []byte(strings.Replace(mustRead(t, rn.Settings), "podStartTimeout: 60s", "podStartTimeout: 4s", 1)), 0o644))
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never runs`))
	j.Vars = append(j.Vars, runner.Variable{Key: "KUBERNETES_CPU_REQUEST", Value: "64", Public: true})
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "prepare" || res.PrepareTries != 3 || res.Call("prepare").Code != runner.SystemFailureCode {
		t.Fatalf("want 3 prepare tries ending in SYSTEM_FAILURE_EXIT_CODE, got %d tries:\n%s", res.PrepareTries, out)
	}
	for _, want := range []string{"Unschedulable", "Insufficient cpu", "did not start within 4s"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	checkJob(t, ns, &j, res)
}

func TestJobCannotRaiseResourcesAboveTheCaps(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, "resources:\n  requests: {memory: 64Mi}\n  max: {memory: 1Gi}")
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never runs`))
	j.Vars = append(j.Vars, runner.Variable{Key: "KUBERNETES_MEMORY_REQUEST", Value: "2Gi", Public: true},
		runner.Variable{Key: "KUBERNETES_CPU_LIMIT", Value: "1", Public: true})
	res, err := rn.Run(ctxFor(t, time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.Call("prepare").Code != runner.BuildFailureCode {
		t.Fatalf("want a build failure:\n%s", out)
	}
	for _, want := range []string{"KUBERNETES_MEMORY_REQUEST=2Gi is above this runner's maximum 1Gi", "KUBERNETES_CPU_LIMIT: this runner does not let jobs set cpu"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	checkJob(t, ns, &j, res)
}

func TestCancelStopsTheScriptInThePod(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", runner.BuildOnly(`echo long job started`, `sleep 300`, `echo never`))
	j.CancelOn = "long job started\n"
	j.Stages = j.Stages[:2] // prepare_script, build_script
	// before cleanup deletes the pod: the script's processes are gone from the container
	j.BeforeCleanup = func(pod string) error {
		find := `for d in /proc/[0-9]*; do c=$(tr '\0' ' ' < $d/cmdline 2>/dev/null); case "$c" in "sleep 300"*) echo "alive: ${d#/proc/} $c";; esac; done`
		var out string
		for try := 0; try < 5; try++ { // each exec takes ~0.3 s: the TERM has had time to land
			var err error
			out, err = execInPod(ctxFor(t, time.Minute), ns, pod, executor.BuildContainer, "sh", "-c", find)
			if err != nil {
				return err
			}
			if !strings.Contains(out, "alive") {
				return nil
			}
		}
		return fmt.Errorf("the canceled script still runs in the pod: %s", out)
	}
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	c := res.Call("run:build_script")
	if c == nil || c.Canceled == 0 {
		t.Fatalf("the build stage was not canceled:\n%s", res.Output())
	}
	if c.Canceled > 2*time.Second {
		t.Errorf("the driver took %s to exit after SIGTERM, want ≤ 2 s", c.Canceled)
	}
	t.Logf("run exited %s after SIGTERM", c.Canceled.Round(time.Millisecond))
	checkJob(t, ns, &j, res)
}

func mustRead(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return string(b)
}

// execInPod runs cmd in a container of the pod and returns its output.
func execInPod(ctx context.Context, ns, pod, container string, cmd ...string) (string, error) {
	req := tb.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: cmd, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewWebSocketExecutor(tb.Config, "GET", req.URL().String())
	if err != nil {
		return "", err
	}
	var out strings.Builder
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &out})
	return out.String(), err
}

func TestUnknownStageRunsInTheBuildContainer(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", []runner.Stage{{Name: "step_release", Lines: []string{`echo "release step in $(cat /proc/1/cmdline | tr '\0' ' ' | cut -c1-20)"`, `test -d /builds && echo builds-dir-ok`}}})
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "" || !strings.Contains(out, "builds-dir-ok") || !strings.Contains(out, "release step in sh -c trap") {
		t.Fatalf("step_release did not run in the build container (failed %q):\n%s", res.FailedStage, out)
	}
	checkJob(t, ns, &j, res)
}

func TestGCRemovesOnlyLeftoverJobPods(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	ctx := ctxFor(t, 3*time.Minute)
	// a pod that is not the driver's, older than everything: gc must never touch it
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "not-a-job", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: testbed.BusyboxImage, Command: []string{"sleep", "3600"}}}}}
	_, err := tb.Client.CoreV1().Pods(ns).Create(ctx, other, metav1.CreateOptions{})
	must(t, err)
	crashed := newJob(t, ns, "100", nil)
	crashed.SkipCleanup = true // the runner died after prepare
	resCrashed, err := rn.Run(ctx, crashed)
	must(t, err)
	if resCrashed.FailedStage != "" {
		t.Fatalf("prepare failed:\n%s", resCrashed.Output())
	}
	// the runner crashed an hour ago: the driver has not been called for its job since
	hourAgo := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, executor.AnnotationActiveAt, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano))
	_, err = tb.Client.CoreV1().Pods(ns).Patch(ctx, resCrashed.Pod, types.MergePatchType, []byte(hourAgo), metav1.PatchOptions{})
	must(t, err)
	live := newJob(t, ns, "100", nil)
	live.SkipCleanup = true // cleaned up below, after gc
	resLive, err := rn.Run(ctx, live)
	must(t, err)
	env := []string{"PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + rn.Kubeconfig}
	c, err := rn.Invoke(ctx, env, "gc", []string{"--older-than", "30m"}, "")
	must(t, err)
	if c.Code != 0 {
		t.Fatalf("gc exited %d: %s", c.Code, c.Out)
	}
	if !strings.Contains(string(c.Out), "Removed pod "+ns+"/"+resCrashed.Pod) {
		t.Errorf("gc did not report the leftover pod:\n%s", c.Out)
	}
	for name, wantGone := range map[string]bool{resCrashed.Pod: true, resLive.Pod: false, "not-a-job": false} {
		_, err := tb.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if gone := apierrors.IsNotFound(err); gone != wantGone {
			t.Errorf("pod %s: gone=%v, want %v (err %v)", name, gone, wantGone, err)
		}
	}
	if _, err := tb.Client.CoreV1().Secrets(ns).Get(ctx, resCrashed.Pod, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the leftover job's secret survived gc: %v", err)
	}
	// the live job's runner goes on and cleans up
	c, err = rn.Again(ctx, resLive, "cleanup")
	must(t, err)
	if c.Code != 0 {
		t.Fatalf("cleanup exited %d: %s", c.Code, c.Out)
	}
	// cleanup is idempotent: a second one (or one after a failed prepare) succeeds too
	c, err = rn.Again(ctx, resLive, "cleanup")
	must(t, err)
	if c.Code != 0 {
		t.Errorf("second cleanup exited %d: %s", c.Code, c.Out)
	}
}

func TestFiveJobsInParallel(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	ctx := ctxFor(t, 5*time.Minute)
	type outcome struct {
		j   runner.Job
		res *runner.Result
		err error
	}
	results := make(chan outcome, 5)
	for i := range 5 {
		j := newJob(t, ns, fmt.Sprint(400+i), runner.BuildOnly(fmt.Sprintf(`echo "job %d on $(cat /etc/hostname)"`, i)))
		j.Concurrent = fmt.Sprint(i)
		go func() {
			res, err := rn.Run(ctx, j)
			results <- outcome{j, res, err}
		}()
	}
	pods := map[string]bool{}
	for range 5 {
		o := <-results
		if o.err != nil {
			t.Errorf("job %s: %v", o.j.ID, o.err)
			continue
		}
		out := o.res.Output()
		if o.res.FailedStage != "" || !strings.Contains(out, fmt.Sprintf("on %s", o.res.Pod)) {
			t.Errorf("job %s failed in %q:\n%s", o.j.ID, o.res.FailedStage, out)
		}
		pods[o.res.Pod] = true
		checkJob(t, ns, &o.j, o.res)
	}
	if len(pods) != 5 {
		t.Errorf("want 5 distinct pods, got %v", pods)
	}
}

func TestInvalidSettingsAreASystemFailureListingEveryProblem(t *testing.T) {
	tb = shared.Get(t)
	settings := filepath.Join(t.TempDir(), "executor.yaml")
	must(t, os.WriteFile(settings, []byte("namespace: Not_A_Namespace\nallowedImages: [\"[\"]\ncache: {pvc: data, hostPath: relative}\npodStartTimeout: -3s\nresources:\n  requests: {cpu: \"2\"}\n  limits: {cpu: \"1\"}\n"), 0o644))
	rn := &runner.Runner{Bin: glcdBin, Settings: settings, Kubeconfig: tb.Kubeconfig}
	env := []string{"PATH=" + os.Getenv("PATH"), "SYSTEM_FAILURE_EXIT_CODE=78", "BUILD_FAILURE_EXIT_CODE=77",
		executor.CustomEnvPrefix + "CI_JOB_ID=1", executor.CustomEnvPrefix + "CI_PROJECT_ID=1"}
	c, err := rn.Invoke(ctxFor(t, time.Minute), env, "prepare", nil, "")
	must(t, err)
	if c.Code != runner.SystemFailureCode {
		t.Fatalf("exit %d, want SYSTEM_FAILURE_EXIT_CODE: %s", c.Code, c.Out)
	}
	for _, want := range []string{`namespace "Not_A_Namespace"`, `"[" is not a valid glob pattern`, "set pvc or hostPath, not both",
		"podStartTimeout -3s", "cpu request 2 is above its limit 1"} {
		if !strings.Contains(string(c.Out), want) {
			t.Errorf("output lacks %q:\n%s", want, c.Out)
		}
	}
}

func must(t testing.TB, err error) {
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
