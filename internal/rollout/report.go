package rollout

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"gitlab.com/glcd/glcd/internal/podstatus"
)

// EventLine is one Kubernetes event in a failure report.
type EventLine struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Reason  string    `json:"reason"`
	Object  string    `json:"object"`
	Message string    `json:"message"`
	Count   int32     `json:"count,omitempty"`
}

// LogTail is the end of a failing container's log.
type LogTail struct {
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// Crashed says the lines are the log of the run that crashed.
	Crashed bool     `json:"crashed,omitempty"`
	Lines   []string `json:"lines"`
	Error   string   `json:"error,omitempty"`
}

// Limits of a failure report.
const (
	maxEvents   = 15
	maxLogPods  = 3
	logTailSize = 20
)

func eventTime(e *corev1.Event) time.Time {
	for _, t := range []time.Time{e.EventTime.Time, e.LastTimestamp.Time, e.FirstTimestamp.Time} {
		if !t.IsZero() {
			return t
		}
	}
	return e.CreationTimestamp.Time
}

// collectEvents returns the newest events about the given objects (by UID) last seen at or
// after since, oldest first. It reads the events of each object alone (a field selector on
// its UID): a namespace of thousands of pods holds thousands of events, and a report names a
// bounded number of objects.
func collectEvents(ctx context.Context, cs kubernetes.Interface, ns string, uids map[string]bool, since time.Time) ([]EventLine, error) {
	// the API server has no index on the field: each list scans the namespace's events, so
	// they run at once
	keys := slices.Sorted(maps.Keys(uids))
	lists := make([]*corev1.EventList, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, uid := range keys {
		wg.Go(func() {
			lists[i], errs[i] = cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.uid", uid).String()})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("events in %s: %w", ns, err)
		}
	}
	var out []EventLine
	for _, list := range lists {
		for i := range list.Items {
			e := &list.Items[i]
			if eventTime(e).Before(since) {
				continue
			}
			out = append(out, EventLine{Time: eventTime(e), Type: e.Type, Reason: e.Reason, Count: e.Count,
				Object: strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name, Message: strings.TrimSpace(e.Message)})
		}
	}
	slices.SortStableFunc(out, func(a, b EventLine) int { return a.Time.Compare(b.Time) })
	if len(out) > maxEvents {
		out = out[len(out)-maxEvents:]
	}
	return out, nil
}

// collectLogs returns the log tails of the failing containers that ran. For a container
// that crashed, the tail is the log of the run that crashed, whether the container is still
// terminated or already waiting to restart (or running again) when the log is read.
func collectLogs(ctx context.Context, cs kubernetes.Interface, ns string, probs []podstatus.Problem) []LogTail {
	var picked []podstatus.Problem
	seen := map[string]bool{}
	for _, p := range probs {
		if !p.HasLog || seen[p.Pod+"/"+p.Container] || len(picked) == maxLogPods {
			continue
		}
		seen[p.Pod+"/"+p.Container] = true
		picked = append(picked, p)
	}
	out := make([]LogTail, len(picked))
	var wg sync.WaitGroup
	for i, p := range picked {
		wg.Go(func() {
			lt := LogTail{Pod: p.Pod, Container: p.Container, Crashed: p.Crashed}
			raw, err := crashLog(ctx, cs, ns, p)
			switch {
			case apierrors.IsForbidden(err):
				// the API server's body for a denied log read is not a Status: say what RBAC says
				lt.Error = fmt.Sprintf("forbidden: cannot get resource \"pods/log\" in the namespace %q (%v)", ns, err)
			case err != nil:
				lt.Error = err.Error()
			default:
				if s := strings.TrimRight(string(raw), "\n"); s != "" {
					lt.Lines = strings.Split(s, "\n")
				}
			}
			out[i] = lt
		})
	}
	wg.Wait()
	return out
}

// crashLog reads the tail of p's container log. For a crash it reads the run that crashed:
// the current instance while the container is terminated, the previous one once the kubelet
// has moved on to waiting or to a new run. The pod is read before and after the log, so a
// restart in between is noticed and the right instance read again.
func crashLog(ctx context.Context, cs kubernetes.Interface, ns string, p podstatus.Problem) ([]byte, error) {
	tail := int64(logTailSize)
	read := func(previous bool) ([]byte, error) {
		return cs.CoreV1().Pods(ns).GetLogs(p.Pod, &corev1.PodLogOptions{Container: p.Container, Previous: previous, TailLines: &tail}).DoRaw(ctx)
	}
	if !p.Crashed {
		return read(false)
	}
	status := func() (corev1.ContainerStatus, error) {
		// list, not get: a rollout's watch needs list and watch on pods, and nothing more
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", p.Pod).String()})
		if err != nil {
			return corev1.ContainerStatus{}, err
		}
		if len(pods.Items) == 0 {
			return corev1.ContainerStatus{}, fmt.Errorf("pod/%s is gone", p.Pod)
		}
		pod := &pods.Items[0]
		for _, s := range append(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses...) {
			if s.Name == p.Container {
				return s, nil
			}
		}
		return corev1.ContainerStatus{}, fmt.Errorf("pod/%s has no container %s", p.Pod, p.Container)
	}
	before, err := status()
	if err != nil {
		return nil, err
	}
	for range 3 {
		raw, err := read(CrashedRunIsPrevious(before))
		if err != nil {
			return nil, err
		}
		after, serr := status()
		if serr != nil || after.RestartCount == before.RestartCount && CrashedRunIsPrevious(after) == CrashedRunIsPrevious(before) {
			return raw, nil
		}
		before = after // the container moved on while the log was read: read the crashed run again
	}
	return read(CrashedRunIsPrevious(before))
}

// CrashedRunIsPrevious says where the log of a crashed container's last crashed run is: in the
// current instance (the container is terminated) or in the previous one (it waits to restart
// or runs again).
func CrashedRunIsPrevious(cs corev1.ContainerStatus) bool {
	if t := cs.State.Terminated; t != nil && (t.ExitCode != 0 || t.Reason == "OOMKilled") {
		return false
	}
	return cs.LastTerminationState.Terminated != nil
}

// WriteReport prints a result for people: what happened, and on failure the pods' reasons,
// the events and the log tails.
func WriteReport(w io.Writer, r *Result) {
	var b bytes.Buffer
	switch r.Status {
	case StatusSuccess:
		fmt.Fprintf(&b, "%s rolled out %s in %.1fs (revision %d)\n", r.Workload, r.Image, r.Duration, r.Revision)
	case StatusUnchanged:
		fmt.Fprintf(&b, "%s unchanged: already at %s; rollout complete (revision %d)\n", r.Workload, r.Image, r.Revision)
	case StatusFailed:
		fmt.Fprintf(&b, "%s FAILED after %.1fs: %s\n", r.Workload, r.Duration, r.Message)
	case StatusTimeout:
		fmt.Fprintf(&b, "%s TIMED OUT after %.1fs: %s\n", r.Workload, r.Duration, r.Message)
		for _, p := range r.Pending {
			fmt.Fprintf(&b, "  still not ready: %s\n", p)
		}
		if r.PendingMore > 0 {
			fmt.Fprintf(&b, "  ... and %d more pods not ready\n", r.PendingMore)
		}
	}
	if r.Status == StatusFailed || r.Status == StatusTimeout {
		if len(r.Pods) > 0 {
			b.WriteString("pods:\n")
			groups := r.Groups
			if groups == nil {
				_, groups = grouped(r.Pods)
			}
			for _, g := range groups {
				shown := 0
				for _, p := range r.Pods {
					if p.Reason == g.Reason {
						fmt.Fprintf(&b, "  %s\n", p)
						shown++
					}
				}
				if g.Count > shown {
					fmt.Fprintf(&b, "  ... %d pods in all with %s (%d more not shown)\n", g.Count, g.Reason, g.Count-shown)
				}
			}
		}
		if len(r.Events) > 0 {
			b.WriteString("events:\n")
			for _, e := range r.Events {
				count := ""
				if e.Count > 1 {
					count = fmt.Sprintf(" (x%d)", e.Count)
				}
				fmt.Fprintf(&b, "  %s  %-7s  %-20s %s: %s%s\n", e.Time.UTC().Format("15:04:05"), e.Type, e.Reason, e.Object, e.Message, count)
			}
		}
		for _, l := range r.Logs {
			which := "log"
			if l.Crashed {
				which = "log of the crashed run"
			}
			fmt.Fprintf(&b, "%s of pod/%s container %s (last %d lines):\n", which, l.Pod, l.Container, logTailSize)
			if l.Error != "" {
				fmt.Fprintf(&b, "  (unavailable: %s)\n", l.Error)
			}
			for _, line := range l.Lines {
				fmt.Fprintf(&b, "  | %s\n", line)
			}
		}
	}
	if r.Undo != nil {
		b.WriteString("undo: ")
		var ub bytes.Buffer
		WriteReport(&ub, r.Undo)
		b.Write(ub.Bytes())
	}
	_, _ = w.Write(b.Bytes())
}
