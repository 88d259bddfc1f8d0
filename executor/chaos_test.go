package executor_test

// A job that survives the cluster: the driver's connection to the job's pod breaks (the API
// server crashes, the kubelet restarts, the connection is cut) and the job goes on with no
// byte lost or doubled; what the cluster does to the pod (deleted, evicted, out of memory, an
// image it cannot pull) is named as such.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

// clientGoLine matches a klog line (E1203 12:00:00.000000 1234 file.go:12] ...).
var clientGoLine = regexp.MustCompile(`(?m)^[EWIF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [\w.]+:\d+\]|UnhandledError`)

// longJob prints 300 numbered lines, one every 0.05 s, then exits 7.
func longJob(t *testing.T, ns string) runner.Job {
	j := newJob(t, ns, "100", runner.BuildOnly(`i=1; while [ $i -le 300 ]; do echo "line $i of 300"; i=$((i+1)); sleep 0.05; done`, `exit 7`))
	j.DuringStage, j.DuringOn = "build_script", "line 60 of 300\n"
	return j
}

// driverSaid returns the driver's own lines of the output (its words in the job log).
func driverSaid(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "glcd:") || strings.Contains(l, "The API server") || strings.Contains(l, "OOMKilled") {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// wantEveryLineOnce checks that the job's output holds lines 1 to 300, each once, in order.
func wantEveryLineOnce(t *testing.T, out string) {
	t.Helper()
	next := 1
	for _, l := range strings.Split(out, "\n") {
		var n int
		if _, err := fmt.Sscanf(l, "line %d of 300", &n); err != nil || !strings.HasPrefix(l, "line ") {
			continue
		}
		if n != next {
			t.Fatalf("line %d where line %d was due (a line lost, doubled or out of order):\n%s", n, next, out)
		}
		next++
	}
	if next != 301 {
		t.Fatalf("the output holds lines 1 to %d of 300:\n%s", next-1, out)
	}
}

func TestJobSurvivesTheClusterMisbehaving(t *testing.T) {
	for _, c := range []struct {
		name   string
		event  func(t *testing.T) func(pod string) error
		via    bool // the driver reaches the API server through a proxy the test can cut
		reason string
	}{
		{name: "api-server-killed", reason: "the API server does not answer", event: func(t *testing.T) func(string) error {
			return func(string) error {
				return tb.Outage(context.Background(), "kube-apiserver", syscall.SIGKILL, 3*time.Second)
			}
		}},
		{name: "kubelet-restarted", reason: "kubelet", event: func(t *testing.T) func(string) error {
			return func(string) error { return tb.Outage(context.Background(), "kubelet", syscall.SIGTERM, 3*time.Second) }
		}},
		{name: "exec-connection-cut", via: true, reason: "the stream was cut"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := namespace(t)
			rn := newRunner(t, ns)
			j := longJob(t, ns)
			if c.via {
				p, err := tb.APIProxy()
				must(t, err)
				t.Cleanup(func() { _ = p.Close() })
				rn.Kubeconfig = proxiedKubeconfig(t, ns, p.Addr)
				j.DuringRun = func(string) error {
					if n := p.Cut(); n == 0 {
						return fmt.Errorf("no connection to cut")
					}
					return nil
				}
			} else {
				j.DuringRun = c.event(t)
			}
			res, err := rn.Run(ctxFor(t, 4*time.Minute), j)
			must(t, err)
			must(t, res.DuringErr)
			out := res.Output()
			if res.FailedStage != "build_script" || res.BuildExitCode != "7" {
				t.Fatalf("failed stage %q, exit code %q; want build_script and 7:\n%s", res.FailedStage, res.BuildExitCode, out)
			}
			if code := res.Call("run:build_script").Code; code != runner.BuildFailureCode {
				t.Errorf("run exited %d, want BUILD_FAILURE_EXIT_CODE", code)
			}
			wantEveryLineOnce(t, out)
			wantOut(t, out, "lost the connection to the job's pod", c.reason, "reconnected to the job's pod after")
			t.Logf("300 of 300 lines, exit code 7; the driver said:\n%s", driverSaid(out))
			if m := clientGoLine.FindString(out); m != "" {
				t.Errorf("a client-go line reached the job log: %q", m)
			}
			checkJob(t, ns, &j, res)
		})
	}
}

// proxiedKubeconfig is the driver's kubeconfig for ns, reaching the API server through a proxy.
func proxiedKubeconfig(t *testing.T, ns, addr string) string {
	t.Helper()
	cfg := *tb.Config
	cfg.Host = "https://" + addr
	cfg.TLSClientConfig.ServerName = tb.NodeIP // the API server's certificate names its own address
	p, _, err := runner.InstallRBAC(ctxFor(t, time.Minute), tb.Client, &cfg, []byte(mustRead(t, "../examples/runner/rbac.yaml")), ns, "glcd-executor", t.TempDir())
	must(t, err)
	return p
}

func TestScriptOverItsMemoryLimitIsNamed(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, "resources:\n  limits: {memory: 64Mi}\n  max: {memory: 1Gi}")
	// tail keeps every byte of a line that never ends: it grows until the kernel kills it
	j := newJob(t, ns, "100", runner.BuildOnly(`echo eating memory`, `head -c 400000000 /dev/zero | tail -n 1 > /dev/null`, `echo never`))
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	out := res.Output()
	if res.FailedStage != "build_script" || res.Call("run:build_script").Code != runner.BuildFailureCode {
		t.Fatalf("want a build failure of build_script:\n%s", out)
	}
	wantOut(t, out, "the job went over its memory limit (64Mi): OOMKilled", "KUBERNETES_MEMORY_LIMIT", "up to 1Gi")
	t.Logf("the driver said:\n%s", driverSaid(out))
	if res.BuildExitCode != "137" {
		t.Errorf("BUILD_EXIT_CODE_FILE %q, want 137", res.BuildExitCode)
	}
	checkJob(t, ns, &j, res)
}

func TestPodDeletedOrEvictedIsTheClustersDoing(t *testing.T) {
	for _, c := range []struct {
		name, want string
		act        func(ctx context.Context, ns, pod string) error
	}{
		{"deleted", "was deleted", func(ctx context.Context, ns, pod string) error {
			return tb.Client.CoreV1().Pods(ns).Delete(ctx, pod, metav1.DeleteOptions{})
		}},
		{"evicted", "EvictionByEvictionAPI", func(ctx context.Context, ns, pod string) error {
			return tb.Client.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: ns}})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := namespace(t)
			rn := newRunner(t, ns)
			j := newJob(t, ns, "100", runner.BuildOnly(`echo working`, `sleep 120`))
			j.DuringStage, j.DuringOn = "build_script", "working\n"
			var acted time.Time
			j.DuringRun = func(pod string) error {
				acted = time.Now()
				return c.act(context.Background(), ns, pod)
			}
			res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
			must(t, err)
			must(t, res.DuringErr)
			call := res.Call("run:build_script")
			out := res.Output()
			if call == nil || call.Code != runner.SystemFailureCode {
				t.Fatalf("want a system failure of build_script:\n%s", out)
			}
			if took := call.End.Sub(acted); took > 10*time.Second {
				t.Errorf("the driver noticed after %s, want ≤ 10 s", took)
			} else {
				t.Logf("the driver ended the stage %s after the pod was %s; it said:\n%s", took.Round(10*time.Millisecond), c.name, driverSaid(out))
			}
			wantOut(t, out, c.want, "the cluster stopped the job, not its script")
			if strings.Contains(out, "exited with code 137") {
				t.Errorf("the cluster's doing is reported as the script's:\n%s", out)
			}
		})
	}
}

// cleanup outlasts an API server that is down when it starts: it retries until it is back.
func TestCleanupOutlastsAnAPIServerOutage(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns)
	j := newJob(t, ns, "100", runner.BuildOnly(`echo done`))
	outage := make(chan error, 1)
	j.BeforeCleanup = func(string) error {
		go func() { outage <- tb.Outage(context.Background(), "kube-apiserver", syscall.SIGKILL, 8*time.Second) }()
		// cleanup starts while the API server is down: its process is gone once this returns
		return waitAPIDown(ctxFor(t, time.Minute))
	}
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	must(t, <-outage)
	c := res.Call("cleanup")
	if c == nil || c.Code != 0 {
		t.Fatalf("cleanup failed:\n%s", res.Output())
	}
	wantOut(t, string(c.Out), "The API server does not answer", "The API server answers again")
	t.Logf("cleanup said:\n%s", driverSaid(string(c.Out)))
	checkJob(t, ns, &j, res)
}

// waitAPIDown waits until the API server refuses connections.
func waitAPIDown(ctx context.Context) error {
	for {
		if _, err := tb.Client.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestUnpullableImagesEndWithinTheGrace(t *testing.T) {
	ns := namespace(t)
	rn := newRunner(t, ns, "pullGrace: 5s")
	rn.RetryInterval = 10 * time.Millisecond
	// a registry host that does not resolve: the image's name is wrong, the job fails
	j := newJob(t, ns, "100", runner.BuildOnly(`echo never`))
	j.Image = "registry.does-not-exist.example/team/app:1"
	res, err := rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	prep := res.Call("prepare")
	if res.FailedStage != "prepare" || prep.Code != runner.BuildFailureCode || res.PrepareTries != 1 {
		t.Fatalf("want one prepare ending in a build failure, got %d tries:\n%s", res.PrepareTries, res.Output())
	}
	wantOut(t, res.Output(), "the registry host registry.does-not-exist.example of the job's image does not resolve")
	if prep.Took > 60*time.Second {
		t.Errorf("prepare took %s, want ≤ 60 s", prep.Took)
	}
	t.Logf("prepare ended after %s:\n%s", prep.Took.Round(10*time.Millisecond), driverSaid(res.Output()))
	checkJob(t, ns, &j, res)

	// a registry that does not answer: the cluster's trouble, retried by the runner
	j = newJob(t, ns, "100", runner.BuildOnly(`echo never`))
	j.Image = "10.254.254.254:5000/team/app:1"
	res, err = rn.Run(ctxFor(t, 3*time.Minute), j)
	must(t, err)
	if res.FailedStage != "prepare" || res.PrepareTries != 3 || res.Call("prepare").Code != runner.SystemFailureCode {
		t.Fatalf("want 3 prepare tries ending in a system failure, got %d:\n%s", res.PrepareTries, res.Output())
	}
	wantOut(t, res.Output(), "could not be pulled for 5s (pullGrace)")
	checkJob(t, ns, &j, res)
}
