// Command scale measures how glcd's rollout cost grows with the cluster, against kubectl
// rollout status on the same rollouts: Deployments of 10, 100 and 1,000 replicas, then 1,000
// in a namespace that already holds 10,000 other pods; then glcd executor gc of 1,000 stale
// job pods among them. The pods run on simulated nodes (kwok,
// testbed.FakeNodes) of a test bed of its own. Usage: scale GLCD_BINARY REPORT_FILE
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"gitlab.com/glcd/glcd/executor"
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

// proc is a measured command and the API requests it made.
type proc struct {
	testbed.Measured
	requests int
}

var (
	glcdRequests = regexp.MustCompile(`apiRequests=(\d+)`)
	// the --debug line of the failure report's first read of events: when it ended, and took
	firstEventsRead = regexp.MustCompile(`time=(\S+) level=DEBUG msg=api method=GET url="[^"]*/events\?[^"]*" status=\d+ took=(\S+)`)
	// kubectl -v=6 logs one "Response" line per API request
	kubectlResponse = regexp.MustCompile(`(?m)"Response" verb=|round_trippers.go:\d+\] (GET|POST|PUT|PATCH|DELETE) https`)
)

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
	var growth []result // 10, 100, 1,000 replicas in an empty namespace
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
		gch, err := testbed.StartMeasured(glcd, "rollout", "deployment/web", "--image", img, "-n", ns, "--timeout", "10m", "--debug", kc)
		if err != nil {
			return err
		}
		kch, err := testbed.StartMeasured(kubectl, kc, "-n", ns, "rollout", "status", "deployment/web", "--timeout=10m", "-v=6")
		if err != nil {
			return err
		}
		g, k := proc{Measured: <-gch}, proc{Measured: <-kch}
		finished := <-done
		if g.Code != 0 || k.Code != 0 || finished.IsZero() {
			return fmt.Errorf("%s: glcd exit %d, kubectl exit %d, done %v\n%s\n%s", ns, g.Code, k.Code, finished, tail(g.Out), tail(k.Out))
		}
		if m := glcdRequests.FindStringSubmatch(g.Out); m != nil {
			g.requests, _ = strconv.Atoi(m[1])
		}
		k.requests = len(kubectlResponse.FindAllString(k.Out, -1))
		r := result{g: g, k: k, done: finished, took: finished.Sub(begin)}
		label := fmt.Sprintf("%d replicas", sc.replicas)
		if sc.crowd > 0 {
			label += fmt.Sprintf(" among %d other pods", sc.crowd)
		} else {
			growth = append(growth, r)
			if sc.replicas == 1000 {
				empty1000 = r
			}
		}
		add("| %s (the rollout took %.1f s) | %.1f s | %+.2f s | %.1f s | %+.2f s | %d / %d MB | %d / %d |", label, r.took.Seconds(),
			g.Exit.Sub(begin).Seconds(), g.Exit.Sub(finished).Seconds(), k.Exit.Sub(begin).Seconds(), k.Exit.Sub(finished).Seconds(),
			g.MaxRSS>>10, k.MaxRSS>>10, g.requests, k.requests)
		if sc.crowd > 0 && empty1000.g.MaxRSS > 0 {
			add("| 1,000 replicas: among %d other pods / in an empty namespace | RSS %.2f×, requests %.2f× | | | | | |", sc.crowd,
				float64(g.MaxRSS)/float64(empty1000.g.MaxRSS), float64(g.requests)/float64(max(1, empty1000.g.requests)))
		}
		if sc.crowd > 0 {
			if err := failingAtScale(ctx, c, glcd, kubectl, ns, add); err != nil {
				return err
			}
			if err := gcAtScale(ctx, c, glcd, ns, add); err != nil {
				return err
			}
		}
		if err := c.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	add("")
	add("How the cost grows with the replicas (empty namespace), glcd (g) beside kubectl (k):")
	add("")
	add("```")
	labels := []string{"10", "100", "1000"}
	var gRSS, kRSS, gReq, kReq, gT, kT []float64
	for _, r := range growth {
		gRSS, kRSS = append(gRSS, float64(r.g.MaxRSS>>10)), append(kRSS, float64(r.k.MaxRSS>>10))
		gReq, kReq = append(gReq, float64(r.g.requests)), append(kReq, float64(r.k.requests))
		gT, kT = append(gT, r.g.Exit.Sub(r.done).Seconds()), append(kT, r.k.Exit.Sub(r.done).Seconds())
	}
	for _, l := range bars("peak RSS, MB", labels, gRSS, kRSS) {
		add("%s", l)
	}
	for _, l := range bars("API requests", labels, gReq, kReq) {
		add("%s", l)
	}
	for _, l := range bars("exit after the last new pod Ready, s", labels, gT, kT) {
		add("%s", l)
	}
	add("```")
	add("")
	add("| %s |", strings.Replace(c.MemoryReport(), "peak RSS ", "test bed peak RSS (all components) | ", 1))
	return os.WriteFile(reportFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// failAfter is glcd's --fail-after in the failing rollout; kubectlWait how long kubectl
// rollout status is given to say anything about it.
const (
	failAfter   = 3 * time.Second
	kubectlWait = 30 * time.Second
)

// failingAtScale rolls deployment/web of ns (1,000 replicas among the crowd) to an image
// whose pods crash-loop one in ten (testbed.KwokCrashOneInTen), glcd and kubectl rollout
// status side by side: how soon after the first crash each says the rollout failed, and how
// large glcd's report is.
func failingAtScale(ctx context.Context, c *testbed.Cluster, glcd, kubectl, ns string, add func(string, ...any)) error {
	img := "testbed.local/app:3"
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var crashTimes []time.Time
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		crashTimes = watchCrashes(wctx, c, ns, img)
	}()
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"labels":{%q:"true"}},"spec":{"containers":[{"name":"web","image":%q}]}}}}`, testbed.KwokCrashOneInTen, img)
	begin := time.Now()
	if _, err := c.Client.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return err
	}
	gch, err := testbed.StartMeasured(glcd, "rollout", "deployment/web", "--image", img, "-n", ns, "--timeout", "10m",
		"--fail-after", failAfter.String(), "--debug", "--kubeconfig="+c.Kubeconfig)
	if err != nil {
		return err
	}
	kch, err := testbed.StartMeasured(kubectl, "--kubeconfig="+c.Kubeconfig, "-n", ns, "rollout", "status", "deployment/web", "--timeout="+kubectlWait.String(), "-v=6")
	if err != nil {
		return err
	}
	g, k := proc{Measured: <-gch}, proc{Measured: <-kch}
	cancel()
	<-watched
	var first time.Time
	if len(crashTimes) > 0 {
		first = crashTimes[0]
	}
	// the failure report: what follows the progress section, without the --debug lines
	log := filepath.Join(os.TempDir(), "scale-failing-glcd.log")
	_ = os.WriteFile(log, []byte(g.Out), 0o644)
	var report []string
	_, after, _ := strings.Cut(g.Out, "section_end:")
	for _, l := range strings.Split(after, "\n")[1:] {
		if l != "" && !strings.Contains(l, "level=DEBUG") && !strings.Contains(l, "level=INFO") {
			report = append(report, l)
		}
	}
	text := strings.Join(report, "\n")
	shown := strings.Count(text, "\n  pod/") // the examples under "pods:"
	if g.Code != 1 || first.IsZero() || shown == 0 || shown > 3 {
		return fmt.Errorf("failing rollout in %s: glcd exit %d (want 1), first crash %v, report:\n%s", ns, g.Code, first, tail(text))
	}
	if m := glcdRequests.FindStringSubmatch(g.Out); m != nil {
		g.requests, _ = strconv.Atoi(m[1])
	}
	k.requests = len(kubectlResponse.FindAllString(k.Out, -1))
	kVerdict := fmt.Sprintf("no verdict: exit %d at its %s timeout (it reports a stuck Deployment only at progressDeadlineSeconds, 600 s by default)", k.Code, kubectlWait)
	if k.Code == 0 {
		kVerdict = fmt.Sprintf("said the rollout succeeded (exit 0) %.1f s after the first crash", k.Exit.Sub(first).Seconds())
	}
	fmt.Fprintf(os.Stderr, "scale: glcd's report of the failing rollout (all its output: %s):\n%s\n", log, text)
	// the verdict: when the report's first read began (its --debug line is logged at the end)
	verdict := g.Exit
	if m := firstEventsRead.FindStringSubmatch(g.Out); m != nil {
		at, err1 := time.Parse(time.RFC3339Nano, m[1])
		took, err2 := time.ParseDuration(m[2])
		if err1 == nil && err2 == nil {
			verdict = at.Add(-took)
		}
	}
	crashes := 0
	for _, t := range crashTimes {
		if t.Before(verdict) {
			crashes++
		}
	}
	goal := "met"
	if g.Exit.Sub(first) > failAfter+5*time.Second {
		goal = "MISSED"
	}
	add("| 1,000 replicas among %d other pods, one new pod in ten crash-looping (%d did before glcd's verdict): time to a verdict after the first crash, --fail-after %s (goal: within --fail-after + 5 s, %s) | glcd: verdict %.1f s after, exit %.1f s after (%.1f s after its start); failure report %d lines, %d bytes; %d MB peak RSS; %d API requests | kubectl: %s | | | | |",
		crowd, crashes, failAfter, goal, verdict.Sub(first).Seconds(), g.Exit.Sub(first).Seconds(), g.Exit.Sub(begin).Seconds(), len(report), len(text), g.MaxRSS>>10, g.requests, kVerdict)
	return nil
}

// watchCrashes returns when it saw each pod of image that kwok makes crash-loop, until ctx
// ends.
func watchCrashes(ctx context.Context, c *testbed.Cluster, ns, image string) []time.Time {
	w, err := c.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: testbed.KwokCrashOneInTen + "=true"})
	if err != nil {
		return nil
	}
	defer w.Stop()
	seen := map[string]bool{}
	var times []time.Time
	for ev := range w.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if !ok || seen[p.Name] {
			continue
		}
		for _, s := range p.Status.ContainerStatuses {
			if s.Image == image && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" && !seen[p.Name] {
				seen[p.Name] = true
				times = append(times, time.Now())
			}
		}
	}
	return times
}

// gcStale and gcFresh are the job pods gcAtScale leaves in a namespace of 11,000 other pods:
// the stale ones a crashed runner left (idle for 2 h), the fresh ones of running jobs.
const (
	gcStale = 1000
	gcFresh = 20
)

// gcAtScale runs glcd executor gc in ns, which holds the crowd and the rollout's pods, among
// which it puts gcStale job pods idle for 2 hours and gcFresh active ones: gc must delete the
// stale ones and touch nothing else.
func gcAtScale(ctx context.Context, c *testbed.Cluster, glcd, ns string, add func(string, ...any)) error {
	before, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return err
	}
	others := 0
	for _, p := range before.Items {
		if p.DeletionTimestamp == nil {
			others++
		}
	}
	stale := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339Nano)
	for i := range gcStale + gcFresh {
		active, name := stale, fmt.Sprintf("glcd-j%d-stale", 500000+i)
		if i >= gcStale {
			active, name = time.Now().UTC().Format(time.RFC3339Nano), fmt.Sprintf("glcd-j%d-fresh", 500000+i)
		}
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{executor.LabelManagedBy: executor.ManagedBy, executor.LabelJob: fmt.Sprint(500000 + i)},
				Annotations: map[string]string{executor.AnnotationActiveAt: active}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "build", Image: "testbed.local/app:1"}}},
		}
		testbed.KwokPodSpec(&p.Spec)
		if _, err := c.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	settings := filepath.Join(os.TempDir(), fmt.Sprintf("scale-gc-%d.yaml", os.Getpid()))
	if err := os.WriteFile(settings, []byte("namespace: "+ns+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(settings)
	begin := time.Now()
	ch, err := testbed.StartMeasured(glcd, "executor", "gc", "--config", settings, "--older-than", "1h", "--debug", "--kubeconfig="+c.Kubeconfig)
	if err != nil {
		return err
	}
	g := proc{Measured: <-ch}
	took := g.Exit.Sub(begin)
	if m := glcdRequests.FindStringSubmatch(g.Out); m != nil {
		g.requests, _ = strconv.Atoi(m[1])
	}
	after, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	left := map[string]int{}
	for _, p := range after.Items {
		switch {
		case strings.HasSuffix(p.Name, "-stale") && p.DeletionTimestamp == nil:
			left["stale"]++
		case strings.HasSuffix(p.Name, "-fresh"):
			left["fresh"]++
		case p.DeletionTimestamp == nil:
			left["others"]++
		}
	}
	if g.Code != 0 || left["stale"] != 0 || left["fresh"] != gcFresh || left["others"] != others {
		return fmt.Errorf("gc: exit %d, left %v (want 0 stale, %d fresh, %d others)\n%s", g.Code, left, gcFresh, others, tail(g.Out))
	}
	add("| `glcd executor gc` of %d stale job pods among %d other pods and %d active job pods | %.1f s, %d API requests (a list by label, then the pod and its Secret per job), %d MB peak RSS; every other pod kept | | | | | |",
		gcStale, others, gcFresh, took.Seconds(), g.requests, g.MaxRSS>>10)
	return nil
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

// bars draws glcd's (g) and kubectl's (k) values per label as text bars of up to 40
// characters, scaled to the largest value.
func bars(title string, labels []string, g, k []float64) []string {
	top := 0.0
	for i := range g {
		top = max(top, g[i], k[i])
	}
	out := []string{title}
	for i, l := range labels {
		if i >= len(g) {
			break
		}
		for _, v := range []struct {
			who string
			x   float64
		}{{"g", g[i]}, {"k", k[i]}} {
			n := 0
			if top > 0 {
				n = int(v.x / top * 40)
			}
			out = append(out, fmt.Sprintf("  %5s %s |%-40s %.4g", l, v.who, strings.Repeat("#", max(n, 0)), v.x))
		}
	}
	return out
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
