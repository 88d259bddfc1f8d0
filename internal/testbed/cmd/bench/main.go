// Command bench measures glcd against kubectl on the local test bed and writes the report the
// README's Performance section quotes. Usage: bench GLCD_BINARY REPORT_FILE
//
// Both tools watch the same rollouts at the same time: a healthy one (success detection) and
// broken ones (failure detection, from the moment the failure is visible in the API to the
// process exit). kubectl runs with its defaults, so on a broken rollout it waits for the
// Deployment's progress deadline (600 s): both failure cases run at once: about ten minutes.
package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"gitlab.com/glcd/glcd/internal/testbed"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench GLCD_BINARY REPORT_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// proc is how a measured command ended.
type proc = testbed.Measured

var apiRequests = regexp.MustCompile(`apiRequests=(\d+)`)

type report struct {
	lines []string
}

func (r *report) add(format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	r.lines = append(r.lines, line)
	fmt.Println(line)
}

func run(glcd, reportFile string) error {
	ctx := context.Background()
	rep := &report{}
	t0 := time.Now()
	c, err := testbed.Start(ctx, testbed.Options{Name: "bench", Log: os.Stderr})
	if err != nil {
		return err
	}
	defer c.Stop(context.Background())
	startTime := time.Since(t0)
	if err := c.ImportBusyboxImages(ctx, testbed.AppImages); err != nil {
		return err
	}
	kubectl := c.BinDir + "/kubectl"
	k := func(args ...string) error {
		out, err := c.Kubectl(ctx, args...)
		if err != nil {
			return fmt.Errorf("kubectl %v: %v: %s", args, err, out)
		}
		return nil
	}
	ns := "bench"
	if err := c.CreateNamespace(ctx, ns); err != nil {
		return err
	}
	replicas := int32(2)
	zero := int64(0)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{
					Name: "web", Image: "testbed.local/app:1", ImagePullPolicy: corev1.PullIfNotPresent,
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
						InitialDelaySeconds: 1, PeriodSeconds: 1},
				}}},
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return err
	}
	if err := k("-n", ns, "rollout", "status", "deployment/web", "--timeout=120s"); err != nil {
		return err
	}
	kc := "--kubeconfig=" + c.Kubeconfig

	// success detection: both watch the same healthy rollout, started at the same instant
	var ratios, gl, kt []float64
	var reqs []int
	var glRSS, kRSS int64
	for i := 0; i < 5; i++ {
		img := "testbed.local/app:2"
		if i%2 == 1 {
			img = "testbed.local/app:1"
		}
		if err := k("-n", ns, "set", "image", "deployment/web", "web="+img); err != nil {
			return err
		}
		begin := time.Now()
		gch, err := testbed.StartMeasured(glcd, "rollout", "deployment/web", "--image", img, "-n", ns, "--debug", kc)
		if err != nil {
			return err
		}
		kch, err := testbed.StartMeasured(kubectl, kc, "-n", ns, "rollout", "status", "deployment/web")
		if err != nil {
			return err
		}
		g, kk := <-gch, <-kch
		if g.Code != 0 || kk.Code != 0 {
			return fmt.Errorf("healthy rollout: glcd exit %d, kubectl exit %d\n%s\n%s", g.Code, kk.Code, g.Out, kk.Out)
		}
		gs, ks := g.Exit.Sub(begin).Seconds(), kk.Exit.Sub(begin).Seconds()
		gl, kt, ratios = append(gl, gs), append(kt, ks), append(ratios, gs/ks)
		if m := apiRequests.FindStringSubmatch(g.Out); m != nil {
			n, _ := strconv.Atoi(m[1])
			reqs = append(reqs, n)
		}
		glRSS, kRSS = max(glRSS, g.MaxRSS), max(kRSS, kk.MaxRSS)
	}
	rep.add("## Rollout (test bed, Kubernetes %s, 2 cores)", testbed.K8sVersion)
	rep.add("")
	rep.add("| measure | glcd | kubectl | ratio |")
	rep.add("|---|---|---|---|")
	rep.add("| healthy rollout of 2 replicas, start to exit (median of 5) | %.2f s | %.2f s | %.2f |", median(gl), median(kt), median(ratios))

	// failure detection: a crash at start, and an image that does not exist, measured at the
	// same time on two more Deployments (kubectl waits for the 600 s progress deadline in both)
	cases := []struct{ name, image string }{
		{"crash loop (exit 3 at start)", "testbed.local/app:crash"},
		{"image not found in the registry", testbed.Registry + "/app:0.0.404"},
	}
	type failure struct {
		g, k    proc
		visible time.Time
		err     error
	}
	results := make([]failure, len(cases))
	for i := range cases {
		fd := d.DeepCopy()
		name := fmt.Sprintf("fail-%d", i)
		fd.Name = name
		fd.Spec.Selector.MatchLabels = map[string]string{"app": name}
		fd.Spec.Template.Labels = map[string]string{"app": name}
		if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, fd, metav1.CreateOptions{}); err != nil {
			return err
		}
		if err := k("-n", ns, "rollout", "status", "deployment/"+name, "--timeout=120s"); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	for i, fc := range cases {
		wg.Go(func() {
			r := &results[i]
			r.g, r.k, r.visible, r.err = measureFailure(ctx, c, glcd, kubectl, kc, ns, fmt.Sprintf("fail-%d", i), fc.image)
		})
	}
	wg.Wait()
	for i, fc := range cases {
		r := results[i]
		if r.err != nil {
			return r.err
		}
		gs, ks := r.g.Exit.Sub(r.visible).Seconds(), r.k.Exit.Sub(r.visible).Seconds()
		rep.add("| %s: failure visible in the API to exit | %.2f s (exit %d) | %.0f s (exit %d) | %.0fx sooner |", fc.name, gs, r.g.Code, ks, r.k.Code, ks/gs)
		if m := apiRequests.FindStringSubmatch(r.g.Out); m != nil {
			n, _ := strconv.Atoi(m[1])
			reqs = append(reqs, n)
		}
		glRSS, kRSS = max(glRSS, r.g.MaxRSS), max(kRSS, r.k.MaxRSS)
	}
	slices.Sort(reqs)
	rep.add("| API requests per rollout (glcd, min–max) | %d–%d | | |", reqs[0], reqs[len(reqs)-1])
	rep.add("| peak RSS of the process | %d MB | %d MB | %.2f |", glRSS>>10, kRSS>>10, float64(glRSS)/float64(kRSS))
	gi, _ := os.Stat(glcd)
	ki, _ := os.Stat(kubectl)
	rep.add("| binary size | %d MB | %d MB | %.2f |", gi.Size()>>20, ki.Size()>>20, float64(gi.Size())/float64(ki.Size()))
	rep.add("")
	rep.add("## Test bed")
	rep.add("")
	rep.add("| measure | figure |")
	rep.add("|---|---|")
	rep.add("| start to node Ready (binaries cached) | %.1f s |", startTime.Seconds())
	rep.add("| %s |", strings.Replace(c.MemoryReport(), "peak RSS ", "peak RSS of the components | ", 1))
	return os.WriteFile(reportFile, []byte(strings.Join(rep.lines, "\n")+"\n"), 0o644)
}

// measureFailure breaks the rollout with image and lets glcd and kubectl watch it; it returns
// their ends and when the failure first showed in the API.
func measureFailure(ctx context.Context, c *testbed.Cluster, glcd, kubectl, kc, ns, name, image string) (proc, proc, time.Time, error) {
	w, err := c.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		return proc{}, proc{}, time.Time{}, err
	}
	defer w.Stop()
	if out, err := c.Kubectl(ctx, "-n", ns, "set", "image", "deployment/"+name, "web="+image); err != nil {
		return proc{}, proc{}, time.Time{}, fmt.Errorf("%v: %s", err, out)
	}
	gch, err := testbed.StartMeasured(glcd, "rollout", "deployment/"+name, "--image", image, "-n", ns, "--debug", kc)
	if err != nil {
		return proc{}, proc{}, time.Time{}, err
	}
	kch, err := testbed.StartMeasured(kubectl, kc, "-n", ns, "rollout", "status", "deployment/"+name)
	if err != nil {
		return proc{}, proc{}, time.Time{}, err
	}
	var visible time.Time
	for ev := range w.ResultChan() {
		if ev.Type != watch.Added && ev.Type != watch.Modified {
			continue
		}
		p := ev.Object.(*corev1.Pod)
		if failing(p, image) {
			visible = time.Now()
			break
		}
	}
	g := <-gch
	fmt.Fprintf(os.Stderr, "bench: %s: glcd ended (exit %d) %.2fs after the failure showed; kubectl keeps waiting for the progress deadline...\n",
		image, g.Code, g.Exit.Sub(visible).Seconds())
	kk := <-kch
	return g, kk, visible, nil
}

func failing(p *corev1.Pod, image string) bool {
	if len(p.Spec.Containers) == 0 || p.Spec.Containers[0].Image != image {
		return false
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Terminated != nil && s.State.Terminated.ExitCode != 0 {
			return true
		}
		if s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.ExitCode != 0 {
			return true
		}
		if w := s.State.Waiting; w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff") {
			return true
		}
	}
	return false
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
