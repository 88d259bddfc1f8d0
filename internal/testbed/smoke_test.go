package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/remotecommand"
	watchtools "k8s.io/client-go/tools/watch"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

var tb *Cluster

func TestMain(m *testing.M) { os.Exit(Main(m, &tb)) }

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitPod watches one pod until cond holds and returns it.
func waitPod(ctx context.Context, cs kubernetes.Interface, ns, name string, cond func(*corev1.Pod) bool) (*corev1.Pod, error) {
	sel := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = sel
			return cs.CoreV1().Pods(ns).List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = sel
			return cs.CoreV1().Pods(ns).Watch(ctx, o)
		},
	}
	ev, err := watchtools.UntilWithSync(ctx, lw, &corev1.Pod{}, nil, func(e watch.Event) (bool, error) {
		p, ok := e.Object.(*corev1.Pod)
		return ok && cond(p), nil
	})
	if err != nil {
		return nil, err
	}
	return ev.Object.(*corev1.Pod), nil
}

func podWith(ns, name, image string, command ...string) *corev1.Pod {
	zero := int64(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &zero,
			Containers: []corev1.Container{{Name: "main", Image: image, Command: command,
				ImagePullPolicy: corev1.PullIfNotPresent}},
		},
	}
}

func execIn(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, ns, pod string, cmd ...string) (string, int, error) {
	req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "main", Command: cmd, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	// as kubectl does: websocket, falling back to SPDY
	ws, err := remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String())
	if err != nil {
		return "", 0, err
	}
	spdy, err := remotecommand.NewSPDYExecutor(cfg, "POST", req.URL())
	if err != nil {
		return "", 0, err
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return "", 0, err
	}
	var out, errOut bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &errOut})
	var ce utilexec.CodeExitError
	if errors.As(err, &ce) {
		return out.String(), ce.ExitStatus(), nil
	}
	return out.String(), 0, err
}

func TestDeploymentRollsOutAndAcceptsExec(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	ns := tb.Namespace(t)
	replicas := int32(2)
	labels := map[string]string{"app": "smoke"}
	pod := podWith(ns, "", BusyboxImage, "sleep", "3600")
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "smoke", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod.Spec},
		},
	}
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// the test bed's own kubectl must agree that the rollout completed
	out, err := tb.Kubectl(ctx, "-n", ns, "rollout", "status", "deployment/smoke", "--timeout=90s")
	if err != nil {
		t.Fatalf("kubectl rollout status: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "successfully rolled out") {
		t.Fatalf("kubectl rollout status said: %s", out)
	}
	got, err := tb.Client.AppsV1().Deployments(ns).Get(ctx, "smoke", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.AvailableReplicas != 2 || got.Status.UpdatedReplicas != 2 {
		t.Fatalf("deployment status: %+v", got.Status)
	}
	pods, err := tb.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=smoke"})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("pods: %v, %d", err, len(pods.Items))
	}
	p := pods.Items[0]
	if _, podNet, err := net.ParseCIDR(tb.PodCIDR); err != nil || !podNet.Contains(net.ParseIP(p.Status.PodIP)) {
		t.Errorf("pod IP %q: want one from the slot's CNI bridge range %s", p.Status.PodIP, tb.PodCIDR)
	}
	text, code, err := execIn(ctx, tb.Config, tb.Client, ns, p.Name, "sh", "-c", "echo hello from $(hostname); exit 5")
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	if code != 5 || text != "hello from "+p.Name+"\n" {
		t.Fatalf("exec: code %d, output %q; want 5 and %q", code, text, "hello from "+p.Name+"\n")
	}
	text, code, err = execIn(ctx, tb.Config, tb.Client, ns, p.Name, "cat", "/etc/passwd")
	if err != nil || code != 0 || !strings.HasPrefix(text, "root:x:0:0:") {
		t.Fatalf("exec cat: %v, code %d, %q", err, code, text)
	}
}

func TestCrashingContainerRestarts(t *testing.T) {
	ctx := ctxFor(t, 2*time.Minute)
	ns := tb.Namespace(t)
	if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, podWith(ns, "crash", BusyboxImage, "sh", "-c", "echo dying; exit 1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := waitPod(ctx, tb.Client, ns, "crash", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 2
	})
	if err != nil {
		t.Fatalf("waiting for restarts: %v", err)
	}
	cs := p.Status.ContainerStatuses[0]
	last := cs.LastTerminationState.Terminated
	if last == nil || last.ExitCode != 1 {
		t.Fatalf("lastState: %+v; want terminated with exit code 1", cs.LastTerminationState)
	}
	logs, err := tb.Client.CoreV1().Pods(ns).GetLogs("crash", &corev1.PodLogOptions{Container: "main", Previous: true}).DoRaw(ctx)
	if err != nil || string(logs) != "dying\n" {
		t.Fatalf("previous log: %v %q", err, logs)
	}
}

func TestImagePullFailuresAreReal(t *testing.T) {
	tb.Need(t)
	cases := []struct {
		name, image, want string
	}{
		{"no route out", "registry.invalid/nothing/here:1.0", "network is unreachable"},
		{"not found", Registry + "/nothing/here:1.0", "not found"},
		{"unauthorized", RegistryAuth + "/private/app:1.0", "401 Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := ctxFor(t, time.Minute)
			ns := tb.Namespace(t)
			t0 := time.Now()
			if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, podWith(ns, "nopull", c.image, "sh"), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			p, err := waitPod(ctx, tb.Client, ns, "nopull", func(p *corev1.Pod) bool {
				if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
					return false
				}
				r := p.Status.ContainerStatuses[0].State.Waiting.Reason
				return r == "ErrImagePull" || r == "ImagePullBackOff"
			})
			if err != nil {
				t.Fatalf("waiting for ErrImagePull: %v", err)
			}
			w := p.Status.ContainerStatuses[0].State.Waiting
			t.Logf("%s after %s: %s", w.Reason, time.Since(t0).Round(time.Millisecond), w.Message)
			if !strings.Contains(w.Message, c.image) || !strings.Contains(w.Message, c.want) {
				t.Errorf("pull message %q: want it to name %s and say %q", w.Message, c.image, c.want)
			}
		})
	}
}

// A second cluster runs beside the first, runs a pod, and leaves nothing behind when stopped.
func TestSecondClusterStopsClean(t *testing.T) {
	tb.Need(t) // a cluster of its own, beside the package's
	ctx := ctxFor(t, 3*time.Minute)
	c2, err := Start(ctx, Options{Name: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if c2.NodeIP == tb.NodeIP || c2.Dir == tb.Dir {
		t.Fatalf("second cluster shares the first one's slot: %s %s", c2.NodeIP, c2.Dir)
	}
	if _, err := c2.Client.CoreV1().Pods("default").Create(ctx, podWith("default", "sleeper", BusyboxImage, "sleep", "3600"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := waitPod(ctx, c2.Client, "default", "sleeper", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning }); err != nil {
		t.Fatal(err)
	}
	if len(c2.slot.cgroupPIDs()) == 0 {
		t.Fatal("the running pod's processes are not in the cluster's cgroup root")
	}
	if err := c2.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if left := c2.Leftovers(); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
	// the first cluster is untouched
	if _, err := tb.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{}); err != nil {
		t.Fatalf("first cluster after stopping the second: %v", err)
	}
	fmt.Fprintf(os.Stderr, "second cluster started in %s\n", c2.StartTime.Round(100*time.Millisecond))
}

// Dials into the namespace leave the test bed running: the components are started with a
// parent-death signal, which Linux sends when the thread that started them ends, so a dial
// must never end its thread.
func TestDialsIntoTheNamespaceLeaveTheTestBedRunning(t *testing.T) {
	tb.Need(t)
	ctx := ctxFor(t, time.Minute)
	for i := range 300 {
		conn, err := tb.DialInNetns(ctx, "tcp", "127.0.0.1:5000")
		if err != nil {
			t.Fatalf("dial %d into the namespace: %v", i, err)
		}
		conn.Close()
	}
	for _, name := range components {
		if pid := tb.pid(name); pid == 0 || zombie(pid) {
			t.Errorf("%s died while the test dialled into the namespace", name)
		}
	}
}
