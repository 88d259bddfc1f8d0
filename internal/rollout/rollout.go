package rollout

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/polymorphichelpers"
)

// Options are the inputs of Rollout.
type Options struct {
	Namespace   string
	Workload    Ref
	Image       string // IMAGE[:TAG|@DIGEST]
	Container   string // "": every container whose image is in Image's repository
	ChangeCause string // recorded as kubernetes.io/change-cause
	// Timeout bounds the watch (0: only ctx). An undo gets a budget of its own, as long.
	Timeout       time.Duration
	FailAfter     time.Duration
	UndoOnFailure bool
	// Progress receives human progress lines. Nil discards.
	Progress io.Writer
	// AllEvents keeps the events of earlier rollouts in a failure report (--debug); by default
	// it shows those since this rollout's patch.
	AllEvents bool
}

// Result is what a rollout did.
type Result struct {
	Outcome
	Workload   string            `json:"workload"`
	Namespace  string            `json:"namespace"`
	Image      string            `json:"image,omitempty"`
	Containers []containerChange `json:"containers,omitempty"`
	Duration   float64           `json:"durationSeconds"`
	Events     []EventLine       `json:"events,omitempty"`
	Logs       []LogTail         `json:"logs,omitempty"`
	// Undo is the rollback's own result when --undo-on-failure rolled back.
	Undo *Result `json:"undo,omitempty"`
}

// Rollout sets the image on the workload's matching containers in one patch (which also
// records the change cause), then watches the rollout to its end. A failed or timed-out
// rollout is a Result, not an error; errors are bad input (exit 2) or API failures.
func Rollout(ctx context.Context, cs kubernetes.Interface, opts Options) (*Result, error) {
	start := time.Now()
	img, err := ParseImage(opts.Image)
	if err != nil {
		return nil, err
	}
	w, err := getWorkload(ctx, cs, opts.Namespace, opts.Workload)
	if err != nil {
		return nil, err
	}
	changes, err := pickContainers(w, opts.Container, img)
	if err != nil {
		return nil, err
	}
	unchanged := true
	for _, c := range changes {
		if n, err := reference.ParseNormalizedNamed(c.OldImage); err != nil || n.String() != img.String() {
			unchanged = false
		}
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	var since time.Time // when this rollout began, by the API server's clock
	if unchanged {
		fmt.Fprintf(progress, "%s: containers %v already run %s; waiting for the rollout to be complete\n", w.ref, containerNames(changes), opts.Image)
	} else {
		patch, err := imagePatch(changes, opts.Image, opts.ChangeCause)
		if err != nil {
			return nil, err
		}
		obj, err := patchWorkload(ctx, cs, opts.Namespace, w.ref, patch)
		if err != nil {
			return nil, err
		}
		w = wrapWorkload(w.ref, obj)
		since = patchTime(w.meta, opts.AllEvents)
		fmt.Fprintf(progress, "%s: set image %s on containers %v\n", w.ref, opts.Image, containerNames(changes))
	}
	res, err := watchAndReport(ctx, cs, opts, w, since)
	if err != nil {
		return nil, err
	}
	res.Image, res.Containers = opts.Image, changes
	if unchanged && res.Status == StatusSuccess {
		res.Status = StatusUnchanged
	}
	if opts.UndoOnFailure && (res.Status == StatusFailed || res.Status == StatusTimeout) {
		undo, err := undo(ctx, cs, opts, w.ref)
		if err != nil {
			return nil, fmt.Errorf("rollout %s; undo failed: %w", res.Message, err)
		}
		res.Undo = undo
	}
	res.Duration = time.Since(start).Seconds()
	return res, nil
}

// Watch follows the current rollout of a workload without changing it.
func Watch(ctx context.Context, cs kubernetes.Interface, opts Options) (*Result, error) {
	w, err := getWorkload(ctx, cs, opts.Namespace, opts.Workload)
	if err != nil {
		return nil, err
	}
	res, err := watchAndReport(ctx, cs, opts, w, time.Time{})
	if err != nil {
		return nil, err
	}
	res.Image = imagesOf(w)
	return res, nil
}

// patchTime is when glcd's patch was applied, from the workload's managed fields (the API
// server's clock, to the second); zero (every event) when allEvents or when it is not known.
func patchTime(meta metav1.Object, allEvents bool) time.Time {
	if allEvents {
		return time.Time{}
	}
	var t time.Time
	for _, mf := range meta.GetManagedFields() {
		if mf.Manager == FieldManager && mf.Time != nil && mf.Time.After(t) {
			t = mf.Time.Time
		}
	}
	return t
}

// watchAndReport watches the rollout; a failure report shows the events since since (all
// when zero).
func watchAndReport(ctx context.Context, cs kubernetes.Interface, opts Options, w *workload, since time.Time) (*Result, error) {
	start := time.Now()
	wctx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	out, err := watchRollout(wctx, cs, opts.Namespace, w, WatchOptions{FailAfter: opts.FailAfter, Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	res := &Result{Outcome: *out, Workload: w.ref.String(), Namespace: opts.Namespace}
	if out.Status == StatusFailed || out.Status == StatusTimeout {
		// the verdict now; the report's reads can take seconds on a busy API server
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "%s: %s: %s; reading its events and logs for the report\n", w.ref, out.Status, out.Message)
		}
		// the report reads the API once more even when the watch timed out
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		uids := map[string]bool{string(w.meta.UID): true}
		for _, u := range out.newRevisionUIDs {
			uids[u] = true
		}
		// and of one pod per reason: each object's events cost the API server a scan of the
		// namespace's (about 1 s for 22,000 events on a busy 2-core server: Performance), and a
		// reason's other pods tell the same story
		reasons := map[string]bool{}
		for _, p := range out.Pods {
			if u, ok := out.podUIDs[p.Pod]; ok && !reasons[p.Reason] {
				reasons[p.Reason], uids[u] = true, true
			}
		}
		if (out.Status == StatusTimeout || len(out.Pods) == 0) && len(out.pendingUIDs) > 0 {
			uids[out.pendingUIDs[0]] = true
		}
		logs := make(chan []LogTail, 1)
		go func() { logs <- collectLogs(rctx, cs, opts.Namespace, out.Pods) }()
		if res.Events, err = collectEvents(rctx, cs, opts.Namespace, uids, since); err != nil {
			res.Events = []EventLine{{Type: "Error", Reason: "EventsUnavailable", Message: err.Error()}}
		}
		res.Logs = <-logs
	}
	res.Duration = time.Since(start).Seconds()
	return res, nil
}

// undo rolls the workload back to its previous revision, as `kubectl rollout undo` does, and
// watches that rollout.
func undo(ctx context.Context, cs kubernetes.Interface, opts Options, ref Ref) (*Result, error) {
	w, err := getWorkload(ctx, cs, opts.Namespace, ref)
	if err != nil {
		return nil, err
	}
	rb, err := polymorphichelpers.RollbackerFor(ref.Kind.GroupKind(), cs)
	if err != nil {
		return nil, err
	}
	msg, err := rb.Rollback(w.obj, nil, 0, util.DryRunNone)
	if err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "undo: %s %s\n", ref, msg)
	}
	return Watch(ctx, cs, opts)
}

// imagesOf lists the images of a workload's containers.
func imagesOf(w *workload) string {
	var imgs []string
	for _, c := range w.template.Spec.Containers {
		if !slices.Contains(imgs, c.Image) {
			imgs = append(imgs, c.Image)
		}
	}
	return strings.Join(imgs, ",")
}
