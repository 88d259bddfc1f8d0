package executor_test

// A runner many projects share: each attack a job's own .gitlab-ci.yml could make, with the
// environment laid out exactly as GitLab Runner lays it out (its variables after GitLab's,
// CUSTOM_ENV_ last one wins), on the test bed.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

// A job that names another project in its variables neither gets that project's cache nor
// runs at all: the build fails naming the variable.
func TestJobCannotPassForAnotherProject(t *testing.T) {
	ns := namespace(t)
	cacheDir := cacheVolume(t, ns)
	rn := newRunner(t, ns, "cache:\n  pvc: ci-cache")
	victim := newJob(t, ns, "7", runner.BuildOnly(`mkdir -p /cache/secret && echo "project 7's deploy key" > /cache/secret/key`))
	res, err := rn.Run(ctxFor(t, 3*time.Minute), victim)
	must(t, err)
	if res.FailedStage != "" {
		t.Fatalf("project 7's job failed:\n%s", res.Output())
	}
	attacker := newJob(t, ns, "8", runner.BuildOnly(`cat /cache/secret/key`))
	attacker.Vars = append(attacker.Vars, runner.Variable{Key: "CI_PROJECT_ID", Value: "7", Public: true})
	res, err = rn.Run(ctxFor(t, 3*time.Minute), attacker)
	must(t, err)
	out := res.Output()
	if res.FailedStage == "" || strings.Contains(out, "project 7's deploy key") {
		t.Fatalf("project 8's job claiming CI_PROJECT_ID=7 ran (failed stage %q):\n%s", res.FailedStage, out)
	}
	if c := res.Calls[0]; c.Stage != "config" || c.Code != runner.BuildFailureCode {
		t.Errorf("first call %s exited %d, want config with BUILD_FAILURE_EXIT_CODE", c.Stage, c.Code)
	}
	wantOut(t, out, `the job sets CI_PROJECT_ID="7" in its variables, but GitLab runs it as project 8`)
	if _, err := os.Stat(filepath.Join(cacheDir, "project-8")); err == nil {
		t.Error("a cache folder was made for the refused job")
	}
	assertNoPods(t, ns, attacker.ID)
}

// A job that sets CI_JOB_ID to a running job's id gets neither that job's pod nor its
// stages: it is refused, and the running job goes on unharmed. A pod name that is taken
// (however it happened) is a system failure, never a delete; run and cleanup touch only the
// pod with their own job's nonce.
func TestJobCannotTakeOverARunningJobsPod(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	ctx := ctxFor(t, 3*time.Minute)
	victim := newJob(t, ns, "100", runner.BuildOnly(`echo victim`))
	victim.SkipCleanup = true // its pod stays, as if it still ran
	resVictim, err := rn.Run(ctx, victim)
	must(t, err)
	if resVictim.FailedStage != "" {
		t.Fatalf("victim failed:\n%s", resVictim.Output())
	}
	victimPod, err := tb.Client.CoreV1().Pods(ns).Get(ctx, resVictim.Pod, metav1.GetOptions{})
	must(t, err)

	attacker := newJob(t, ns, "200", runner.BuildOnly(`echo attacker`))
	attacker.Vars = append(attacker.Vars, runner.Variable{Key: "CI_JOB_ID", Value: victim.ID, Public: true})
	res, err := rn.Run(ctx, attacker)
	must(t, err)
	wantOut(t, res.Output(), `the job sets CI_JOB_ID="`+victim.ID+`" in its variables`)
	if res.FailedStage == "" {
		t.Fatalf("the attacker's job ran:\n%s", res.Output())
	}

	// a job whose job_env names the victim's pod (a taken name, a mixed-up runner): prepare,
	// run and cleanup refuse it, and the victim's pod stays as it was
	other := newJob(t, ns, "100", runner.BuildOnly(`echo other`))
	other.SkipCleanup = true
	resOther, err := rn.Run(ctx, other)
	must(t, err)
	for _, stage := range []string{"prepare", "cleanup"} {
		c, err := rn.AgainWith(ctx, resOther, map[string]string{executor.JobEnvPod: resVictim.Pod}, stage)
		must(t, err)
		if c.Code != runner.SystemFailureCode {
			t.Errorf("%s on the victim's pod exited %d, want SYSTEM_FAILURE_EXIT_CODE:\n%s", stage, c.Code, c.Out)
		}
		wantOut(t, string(c.Out), resVictim.Pod)
	}
	script := filepath.Join(t.TempDir(), "script")
	must(t, os.WriteFile(script, []byte(runner.BashScript(nil, []string{"echo took over"})), 0o700))
	c, err := rn.AgainWith(ctx, resOther, map[string]string{executor.JobEnvPod: resVictim.Pod}, "run", script, "build_script")
	must(t, err)
	if c.Code != runner.SystemFailureCode || strings.Contains(string(c.Out), "took over") {
		t.Errorf("run in the victim's pod exited %d:\n%s", c.Code, c.Out)
	}
	after, err := tb.Client.CoreV1().Pods(ns).Get(ctx, resVictim.Pod, metav1.GetOptions{})
	must(t, err)
	if after.UID != victimPod.UID || after.DeletionTimestamp != nil {
		t.Errorf("the victim's pod was replaced or deleted")
	}
	for _, r := range []*runner.Result{resVictim, resOther} {
		c, err := rn.Again(ctx, r, "cleanup")
		must(t, err)
		if c.Code != 0 {
			t.Errorf("cleanup of %s exited %d: %s", r.Pod, c.Code, c.Out)
		}
	}
}

// A branch job never reads what a protected job cached, even when it claims protection in
// its own variables; protected jobs share their own cache.
func TestBranchJobsCannotPoisonTheProtectedCache(t *testing.T) {
	ns := namespace(t)
	cacheDir := cacheVolume(t, ns)
	rn := newRunner(t, ns, "cache:\n  pvc: ci-cache")
	run := func(j runner.Job) string {
		t.Helper()
		res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
		must(t, err)
		if res.FailedStage != "" {
			t.Fatalf("job %s failed:\n%s", j.ID, res.Output())
		}
		checkJob(t, ns, &j, res)
		return res.Output()
	}
	release := newJob(t, ns, "500", runner.BuildOnly(`mkdir -p /cache/stack && echo "toolchain built on a protected tag" > /cache/stack/ghc`))
	release.Protected = true
	run(release)
	branch := newJob(t, ns, "500", runner.BuildOnly(`cat /cache/stack/ghc 2>/dev/null || echo "no toolchain here"`,
		`mkdir -p /cache/stack && echo "poisoned toolchain" > /cache/stack/ghc`))
	branch.Vars = append(branch.Vars, runner.Variable{Key: "CI_COMMIT_REF_PROTECTED", Value: "true", Public: true})
	out := run(branch)
	wantOut(t, out, "no toolchain here")
	if strings.Contains(out, "toolchain built on a protected tag") {
		t.Errorf("the branch job read the protected cache:\n%s", out)
	}
	next := newJob(t, ns, "500", runner.BuildOnly(`cat /cache/stack/ghc`))
	next.Protected = true
	out = run(next)
	wantOut(t, out, "toolchain built on a protected tag")
	if strings.Contains(out, "poisoned") {
		t.Errorf("the protected job ran the branch job's toolchain:\n%s", out)
	}
	for dir, want := range map[string]string{"project-500-protected": "toolchain built on a protected tag\n", "project-500": "poisoned toolchain\n"} {
		b, err := os.ReadFile(filepath.Join(cacheDir, dir, "stack", "ghc"))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", dir, b, err, want)
		}
	}
}

// The driver's own account may create and delete Secrets by name, and never read one: a
// leaked runner credential does not hand out every running job's token.
func TestDriverCannotReadSecrets(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	cfg, err := clientcmd.BuildConfigFromFlags("", rn.Kubeconfig)
	must(t, err)
	cs, err := kubernetes.NewForConfig(cfg)
	must(t, err)
	ctx := ctxFor(t, time.Minute)
	_, err = tb.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "someone-elses"},
		StringData: map[string]string{"token": "not for the driver"}}, metav1.CreateOptions{})
	must(t, err)
	if _, err := cs.CoreV1().Secrets(ns).Get(ctx, "someone-elses", metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("get a Secret as the driver: %v, want forbidden", err)
	}
	if _, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list Secrets as the driver: %v, want forbidden", err)
	}
	if _, err := cs.CoreV1().Secrets(ns).Watch(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("watch Secrets as the driver: %v, want forbidden", err)
	}
}

// Job pods pass the Pod Security Standard the namespace enforces: baseline with services and
// a cache volume, restricted with the settings asking for it and an image running as
// non-root; the API server's own PodSecurity admission decides.
func TestJobPodsPassPodSecurity(t *testing.T) {
	for _, c := range []struct {
		level    string
		settings []string
	}{
		{"baseline", []string{"cache:\n  pvc: ci-cache"}},
		{"restricted", []string{"cache:\n  pvc: ci-cache", "podSecurity: restricted", "runAsUser: 1000", "runAsGroup: 1000", "fsGroup: 1000"}},
	} {
		t.Run(c.level, func(t *testing.T) {
			ns := namespace(t)
			ctx := ctxFor(t, 3*time.Minute)
			must(t, tb.EnforcePodSecurity(ctx, ns, c.level))
			cache := cacheVolume(t, ns)
			// the project's folder on the volume, as an administrator makes it for the jobs' user
			must(t, os.MkdirAll(filepath.Join(cache, "project-600"), 0o777))
			must(t, os.Chmod(filepath.Join(cache, "project-600"), 0o777))
			rn := newRunner(t, ns, c.settings...)
			j := newJob(t, ns, "600", runner.BuildOnly(`echo "uid $(id -u)"`, `touch /cache/written && echo cache-ok`, `wget -q -O- http://web:8080/`))
			j.Services = []runner.Service{{Name: serviceImage, Alias: "web"}}
			res, err := rn.Run(ctx, j)
			must(t, err)
			if res.FailedStage != "" {
				t.Fatalf("job failed in %s under PodSecurity %s:\n%s", res.FailedStage, c.level, res.Output())
			}
			wantOut(t, res.Output(), "cache-ok", "service-ok")
			if c.level == "restricted" {
				wantOut(t, res.Output(), "uid 1000")
			}
			checkJob(t, ns, &j, res)
		})
	}
	// a pod that breaks the level is refused by the API server, and says why
	ns := namespace(t)
	ctx := ctxFor(t, 3*time.Minute)
	must(t, tb.EnforcePodSecurity(ctx, ns, "restricted"))
	rn := newRunner(t, ns) // baseline pods in a restricted namespace: the runner's settings are wrong
	rn.RetryInterval = 10 * time.Millisecond
	j := newJob(t, ns, "600", runner.BuildOnly(`echo never`))
	res, err := rn.Run(ctx, j)
	must(t, err)
	if res.FailedStage != "prepare" || res.Call("prepare").Code != runner.SystemFailureCode {
		t.Fatalf("want a system failure in prepare:\n%s", res.Output())
	}
	wantOut(t, res.Output(), "violates PodSecurity", "set podSecurity in glcd's executor settings")
}

// A hostPath cache is refused for a baseline runner (a hostPath volume breaks baseline), and
// one that is allowed must exist: a job never makes a directory on the node.
func TestHostPathCacheNeedsPrivilegedAndAnExistingDirectory(t *testing.T) {
	ns := namespace(t)
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	rn := newRunner(t, ns, "cache:\n  hostPath: "+missing)
	j := newJob(t, ns, "700", runner.BuildOnly(`echo never`))
	res, err := rn.Run(ctxFor(t, time.Minute), j)
	must(t, err)
	if res.Calls[0].Code != runner.SystemFailureCode {
		t.Fatalf("config exited %d, want a system failure for the settings:\n%s", res.Calls[0].Code, res.Output())
	}
	wantOut(t, res.Output(), "cache.hostPath: a hostPath volume breaks PodSecurity baseline")

	rn = newRunner(t, ns, "cache:\n  hostPath: "+missing, "podSecurity: privileged")
	must(t, os.WriteFile(rn.Settings, []byte(strings.Replace(mustRead(t, rn.Settings), "podStartTimeout: 60s", "podStartTimeout: 5s", 1)), 0o644))
	res, err = rn.Run(ctxFor(t, 2*time.Minute), j)
	must(t, err)
	if res.FailedStage != "prepare" {
		t.Fatalf("the job ran with a missing hostPath cache:\n%s", res.Output())
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("the job's pod created %s on the node", missing)
	}
}

// A running stage keeps its pod from gc, however long it runs: it renews the pod's mark.
func TestGCLeavesALongRunningStageAlone(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, "heartbeatInterval: 1s")
	ctx := ctxFor(t, 3*time.Minute)
	gcEnv := []string{"PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + rn.Kubeconfig}
	j := newJob(t, ns, "100", runner.BuildOnly(`echo long stage started`, `sleep 6`, `echo long stage done`))
	j.DuringStage, j.DuringOn = "build_script", "long stage started"
	j.DuringRun = func(pod string) error {
		// gc, with an idle time of 3 s, again and again while the 6 s stage runs, until the
		// stage has run for longer than that idle time: its pod stays all along
		start := time.Now()
		for calls := 0; time.Since(start) < 4500*time.Millisecond; calls++ {
			c, err := rn.Invoke(ctx, gcEnv, "gc", []string{"--older-than", "3s"}, "")
			if err != nil {
				return err
			}
			if c.Code != 0 || strings.Contains(string(c.Out), pod) {
				return fmt.Errorf("gc (exit %d) removed the running job's pod after %s: %s", c.Code, time.Since(start), c.Out)
			}
			if _, err := tb.Client.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("the running job's pod after %d gc calls: %w", calls, err)
			}
		}
		return nil
	}
	res, err := rn.Run(ctx, j)
	must(t, err)
	must(t, res.DuringErr)
	if res.FailedStage != "" {
		t.Fatalf("the job failed:\n%s", res.Output())
	}
	wantOut(t, res.Output(), "long stage done")
	checkJob(t, ns, &j, res)
}

// A job's registry login (GitLab's credentials for its registry) pulls its private image,
// always from the registry: another project's job without the login cannot run the copy the
// node already has.
func TestPrivateImageIsPulledWithTheJobsLoginEveryTime(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	ref := testbed.RegistryAuth + "/private/tools:1"
	pushBusybox(t, ref)
	owner := newJob(t, ns, "900", runner.BuildOnly(`echo private image runs`))
	owner.Image = ref
	owner.Credentials = []runner.Credential{{Type: "registry", URL: testbed.RegistryAuth, Username: testbed.RegistryUser, Password: testbed.RegistryPassword}}
	res, err := rn.Run(ctxFor(t, 3*time.Minute), owner)
	must(t, err)
	if res.FailedStage != "" {
		t.Fatalf("the owner's job failed:\n%s", res.Output())
	}
	wantOut(t, res.Output(), "private image runs")
	checkJob(t, ns, &owner, res)

	other := newJob(t, ns, "901", runner.BuildOnly(`echo ran someone else's private image`))
	other.Image = ref
	res, err = rn.Run(ctxFor(t, 3*time.Minute), other)
	must(t, err)
	if res.FailedStage != "prepare" || strings.Contains(res.Output(), "ran someone else's") {
		t.Fatalf("another project's job ran the private image:\n%s", res.Output())
	}
	wantOut(t, res.Output(), "ImagePullUnauthorized")
}

func wantOut(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// assertNoPods fails if a pod of job id exists in ns.
func assertNoPods(t *testing.T, ns, id string) {
	t.Helper()
	pods, err := tb.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: executor.LabelJob + "=" + id})
	must(t, err)
	if len(pods.Items) > 0 {
		t.Errorf("job %s has a pod: %s", id, pods.Items[0].Name)
	}
}

// pushBusybox pushes a busybox image to ref in the test bed's registry.
func pushBusybox(t *testing.T, ref string) {
	t.Helper()
	must(t, tb.PushBusyboxImage(ctxFor(t, time.Minute), ref))
}
