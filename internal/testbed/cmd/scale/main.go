// Command scale measures how glcd's rollout cost grows with the cluster, against kubectl
// rollout status on the same rollouts: Deployments of 10, 100 and 1,000 replicas, then 1,000
// in a namespace that already holds 10,000 other pods. The pods run on simulated nodes (kwok,
// testbed.FakeNodes) of a test bed of its own. Usage: scale GLCD_BINARY REPORT_FILE
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"gitlab.com/glcd/glcd/internal/testbed"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: scale GLCD_BINARY REPORT_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "scale: %v\n", err)
		os.Exit(1)
	}
}

// A simulated node holds podsPerNode pods: enough nodes for the crowd, the largest rollout
// and its surge.
const (
	fakeNodes   = 25
	podsPerNode = 500
	crowd       = 10000
)

// proc is one measured process.
type proc struct {
	exit     time.Time
	code     int
	maxRSS   int64 // KiB
	out      string
	requests int
}

var (
	glcdRequests = regexp.MustCompile(`apiRequests=(\d+)`)
	// kubectl -v=6 logs one "Response" line per API request
	kubectlResponse = regexp.MustCompile(`(?m)"Response" verb=|round_trippers.go:\d+\] (GET|POST|PUT|PATCH|DELETE) https`)
)

func start(name string, args ...string) (<-chan proc, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := make(chan proc, 1)
	go func() {
		_ = cmd.Wait()
		p := proc{exit: time.Now(), code: cmd.ProcessState.ExitCode(), out: out.String()}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			p.maxRSS = ru.Maxrss
		}
		ch <- p
	}()
	return ch, nil
}

func run(glcd, reportFile string) error {
	ctx := context.Background()
	c, err := testbed.Start(ctx, testbed.Options{Name: "scale", Log: os.Stderr, APIQPS: 300})
	if err != nil {
		return err
	}
	defer c.Stop(context.Background())
	t0 := time.Now()
	stop, err := c.FakeNodes(ctx, fakeNodes, podsPerNode)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(os.Stderr, "scale: %d simulated nodes Ready in %.1f s\n", fakeNodes, time.Since(t0).Seconds())
	kubectl := c.BinDir + "/kubectl"
	kc := "--kubeconfig=" + c.Kubeconfig

	var lines []string
	add := func(format string, a ...any) {
		l := fmt.Sprintf(format, a...)
		lines = append(lines, l)
		fmt.Println(l)
	}
	add("## Scale: rollouts on %d simulated nodes (kwok %s), test bed Kubernetes %s, 2 cores", fakeNodes, testbed.KwokVersion, testbed.K8sVersion)
	add("")
	add("| rollout | glcd: start to exit | glcd: exit after the last new pod Ready | kubectl: start to exit | kubectl: exit after | glcd / kubectl peak RSS | glcd / kubectl API requests |")
	add("|---|---|---|---|---|---|---|")
	type result struct {
		g, k proc
		done time.Time
		took time.Duration
	}
	var empty1000 result
	for _, sc := range []struct {
		replicas, crowd int
	}{{10, 0}, {100, 0}, {1000, 0}, {1000, crowd}} {
		ns := fmt.Sprintf("scale-%d-%d", sc.replicas, sc.crowd)
		if err := c.CreateNamespace(ctx, ns); err != nil {
			return err
		}
		if sc.crowd > 0 {
			t := time.Now()
			if err := deploy(ctx, c, ns, "crowd", sc.crowd, "testbed.local/app:1"); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "scale: %d other pods Ready in %s in %.0f s\n", sc.crowd, ns, time.Since(t).Seconds())
		}
		if err := deploy(ctx, c, ns, "web", sc.replicas, "testbed.local/app:1"); err != nil {
			return err
		}
		img := "testbed.local/app:2"
		done := make(chan time.Time, 1)
		go func() { done <- watchDone(ctx, c, ns, "web", sc.replicas, img) }()
		patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":%q}]}}}}`, img)
		begin := time.Now()
		if _, err := c.Client.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
		gch, err := start(glcd, "rollout", "deployment/web", "--image", img, "-n", ns, "--timeout", "10m", "--debug", kc)
		if err != nil {
			return err
		}
		kch, err := start(kubectl, kc, "-n", ns, "rollout", "status", "deployment/web", "--timeout=10m", "-v=6")
		if err != nil {
			return err
		}
		g, k := <-gch, <-kch
		finished := <-done
		if g.code != 0 || k.code != 0 || finished.IsZero() {
			return fmt.Errorf("%s: glcd exit %d, kubectl exit %d, done %v\n%s\n%s", ns, g.code, k.code, finished, tail(g.out), tail(k.out))
		}
		if m := glcdRequests.FindStringSubmatch(g.out); m != nil {
			g.requests, _ = strconv.Atoi(m[1])
		}
		k.requests = len(kubectlResponse.FindAllString(k.out, -1))
		r := result{g: g, k: k, done: finished, took: finished.Sub(begin)}
		label := fmt.Sprintf("%d replicas", sc.replicas)
		if sc.crowd > 0 {
			label += fmt.Sprintf(" among %d other pods", sc.crowd)
		} else if sc.replicas == 1000 {
			empty1000 = r
		}
		add("| %s (the rollout took %.1f s) | %.1f s | %+.2f s | %.1f s | %+.2f s | %d / %d MB | %d / %d |", label, r.took.Seconds(),
			g.exit.Sub(begin).Seconds(), g.exit.Sub(finished).Seconds(), k.exit.Sub(begin).Seconds(), k.exit.Sub(finished).Seconds(),
			g.maxRSS>>10, k.maxRSS>>10, g.requests, k.requests)
		if sc.crowd > 0 && empty1000.g.maxRSS > 0 {
			add("| 1,000 replicas: among %d other pods / in an empty namespace | RSS %.2f×, requests %.2f× | | | | | |", sc.crowd,
				float64(g.maxRSS)/float64(empty1000.g.maxRSS), float64(g.requests)/float64(max(1, empty1000.g.requests)))
		}
		if err := c.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	add("")
	add("| %s |", strings.Replace(c.MemoryReport(), "peak RSS ", "test bed peak RSS (all components) | ", 1))
	return os.WriteFile(reportFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// deploy creates a Deployment of n replicas on the simulated nodes and waits until all are
// available.
func deploy(ctx context.Context, c *testbed.Cluster, ns, name string, n int, image string) error {
	replicas := int32(n)
	zero := int64(0)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{
					Name: "web", Image: image, ImagePullPolicy: corev1.PullIfNotPresent}}},
			},
		},
	}
	testbed.KwokPodSpec(&d.Spec.Template.Spec)
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, time.Second, 15*time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := c.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return got.Status.AvailableReplicas == replicas && got.Status.UpdatedReplicas == replicas && got.Status.Replicas == replicas, nil
	})
}

// watchDone returns when the Deployment has n replicas of image, all available and no old
// one left: the moment a rollout watcher can know it is over.
func watchDone(ctx context.Context, c *testbed.Cluster, ns, name string, n int, image string) time.Time {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	w, err := c.Client.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
	if err != nil {
		return time.Time{}
	}
	defer w.Stop()
	want := int32(n)
	for ev := range w.ResultChan() {
		if ev.Type != watch.Modified && ev.Type != watch.Added {
			continue
		}
		d, ok := ev.Object.(*appsv1.Deployment)
		if !ok || d.Spec.Template.Spec.Containers[0].Image != image || d.Status.ObservedGeneration < d.Generation {
			continue
		}
		s := d.Status
		if s.UpdatedReplicas == want && s.AvailableReplicas == want && s.Replicas == want {
			return time.Now()
		}
	}
	return time.Time{}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
