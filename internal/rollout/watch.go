package rollout

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/kubectl/pkg/polymorphichelpers"

	"gitlab.com/glcd/glcd/internal/podstatus"
)

// Status is how a rollout ended.
type Status string

// Rollout outcomes.
const (
	StatusSuccess   Status = "success"
	StatusUnchanged Status = "unchanged" // the image was already set; the rollout is complete
	StatusFailed    Status = "failed"
	StatusTimeout   Status = "timeout"
)

// WatchOptions tune a watch.
type WatchOptions struct {
	// FailAfter is how long a transient failure (pull retrying, crash, unschedulable, missing
	// ConfigMap) must last before the rollout fails. Definitive ones fail at once.
	FailAfter time.Duration
	// Progress receives a line whenever the replica counts change. Nil discards.
	Progress io.Writer
}

// Reasons a rollout fails that are the workload's, not a pod's (package podstatus gives those).
const (
	ReasonProgressDeadline = "ProgressDeadlineExceeded"
	ReasonWorkloadDeleted  = "WorkloadDeleted"
)

// Outcome is what a watch saw.
type Outcome struct {
	Status   Status `json:"status"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"`
	Revision int64  `json:"revision,omitempty"`
	Counts   string `json:"counts,omitempty"`
	// Pods are the new pods' problems: a few examples of each reason (maxExamples), as
	// many as Groups counts.
	Pods []podstatus.Problem `json:"pods,omitempty"`
	// Groups counts the problems by reason, first seen first: a report's size does not grow
	// with the number of pods.
	Groups []ProblemGroup `json:"groups,omitempty"`
	// Pending lists (the first maxPending of) the pods still not ready when the watch timed
	// out; PendingMore counts the others.
	Pending     []string `json:"pending,omitempty"`
	PendingMore int      `json:"pendingMore,omitempty"`

	newRevisionUIDs []string // the new ReplicaSet / ControllerRevision, for events
	podUIDs         map[string]string
	pendingUIDs     []string // of the pods Pending names, for events
}

// tick is how often time-based rules (grace, readiness budget) are re-checked against the
// informers' caches. It reads no API: the watches feed the caches.
const tick = 200 * time.Millisecond

// progressEvery is the least time between two progress lines.
const progressEvery = time.Second

// watchRollout follows a workload until its rollout completes, fails, or ctx ends.
func watchRollout(ctx context.Context, cs kubernetes.Interface, ns string, w *workload, opts WatchOptions) (*Outcome, error) {
	viewer, err := polymorphichelpers.StatusViewerFor(w.ref.Kind.GroupKind())
	if err != nil {
		return nil, err
	}
	sel, err := metav1.LabelSelectorAsSelector(w.selector)
	if err != nil {
		return nil, fmt.Errorf("%s: selector: %w", w.ref, err)
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	notify := make(chan struct{}, 1)
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { poke(notify) },
		UpdateFunc: func(any, any) { poke(notify) },
		DeleteFunc: func(any) { poke(notify) },
	}
	nameSel := fields.OneTermEqualSelector("metadata.name", w.ref.Name).String()
	wlInf := newInformer(workloadLW(cs, ns, w.ref.Kind, nameSel), w.obj)
	podInf := newInformer(listWatch(
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return cs.CoreV1().Pods(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return cs.CoreV1().Pods(ns).Watch(ctx, o)
		}, sel.String(), ""), &corev1.Pod{})
	var revInf cache.SharedIndexInformer
	if w.ref.Kind == Deployment {
		revInf = newInformer(listWatch(
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return cs.AppsV1().ReplicaSets(ns).List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return cs.AppsV1().ReplicaSets(ns).Watch(ctx, o)
			}, sel.String(), ""), &appsv1.ReplicaSet{})
	} else {
		revInf = newInformer(listWatch(
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return cs.AppsV1().ControllerRevisions(ns).List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return cs.AppsV1().ControllerRevisions(ns).Watch(ctx, o)
			}, sel.String(), ""), &appsv1.ControllerRevision{})
	}
	infs := []cache.SharedIndexInformer{wlInf, podInf, revInf}
	stop := make(chan struct{})
	defer close(stop)
	// denied is the first list or watch the API server refused for good (RBAC, credentials):
	// retrying cannot help, so the rollout stops with that error instead of waiting for its timeout
	denied := make(chan error, 1)
	for _, inf := range infs {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return nil, err
		}
		// the informers relist and rewatch on their own (API server restarts, expired
		// resource versions); a watch that breaks is not news for the user
		_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
				select {
				case denied <- err:
				default:
				}
			}
		})
		go inf.Run(stop)
	}
	syncCtx, cancelSync := context.WithCancelCause(ctx)
	go func() {
		select {
		case err := <-denied:
			cancelSync(err)
		case <-syncCtx.Done():
		}
	}()
	synced := cache.WaitForCacheSync(syncCtx.Done(), wlInf.HasSynced, podInf.HasSynced, revInf.HasSynced)
	cancelSync(nil)
	if err := context.Cause(syncCtx); err != nil && ctx.Err() == nil && (apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)) {
		return nil, fmt.Errorf("watch %s: %w", w.ref, err)
	}
	if !synced {
		return timeoutOutcome(nil), nil
	}
	st := &watchState{ns: ns, w: w, viewer: viewer, wl: wlInf.GetStore(), pods: podInf.GetStore(), revs: revInf.GetStore(),
		firstSeen: map[string]time.Time{}, failAfter: opts.FailAfter}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		out, done, err := st.evaluate(time.Now())
		if err != nil {
			return nil, err
		}
		// a line when the counts change, at most one a second: a rollout of thousands of
		// pods changes them many times a second
		if now := time.Now(); out.Counts != "" && out.Counts != st.lastCounts && (done || now.Sub(st.lastPrint) >= progressEvery) {
			fmt.Fprintf(progress, "%s: %s\n", w.ref, out.Counts)
			st.lastCounts, st.lastPrint = out.Counts, now
		}
		if done {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return timeoutOutcome(out), nil
		case err := <-denied:
			return nil, fmt.Errorf("watch %s: %w", w.ref, err)
		case <-notify:
		case <-ticker.C:
		}
	}
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// newInformer caches the objects slim (slimObject): without their managed fields, which a
// rollout watch never reads and which are a third of a pod's size, and pods with only what
// the watch reads: a 1,000-replica rollout holds 2,000 pods.
func newInformer(lw cache.ListerWatcher, obj runtime.Object) cache.SharedIndexInformer {
	inf := cache.NewSharedIndexInformerWithOptions(lw, obj, cache.SharedIndexInformerOptions{})
	_ = inf.SetTransform(slimObject) // fails only once the informer runs
	return inf
}

// slimObject is the informers' transform: pods slimmed (slimPod), other objects without
// their managed fields.
func slimObject(obj any) (any, error) {
	if p, ok := obj.(*corev1.Pod); ok {
		return slimPod(p), nil
	}
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// slimPod keeps of a pod what the watch and podstatus.Classify read: its identity, owners and
// labels, its containers' names, images and readiness probes, and its status. Volumes,
// environment, annotations and the rest are most of a pod, and a rollout holds thousands.
func slimPod(p *corev1.Pod) *corev1.Pod {
	slim := func(cs []corev1.Container) []corev1.Container {
		out := make([]corev1.Container, len(cs))
		for i, c := range cs {
			out[i] = corev1.Container{Name: c.Name, Image: c.Image, ReadinessProbe: c.ReadinessProbe, RestartPolicy: c.RestartPolicy}
		}
		return out
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, UID: p.UID, ResourceVersion: p.ResourceVersion,
			Labels: p.Labels, OwnerReferences: p.OwnerReferences, CreationTimestamp: p.CreationTimestamp, DeletionTimestamp: p.DeletionTimestamp},
		Spec:   corev1.PodSpec{Containers: slim(p.Spec.Containers), InitContainers: slim(p.Spec.InitContainers), NodeName: p.Spec.NodeName, RestartPolicy: p.Spec.RestartPolicy},
		Status: p.Status,
	}
}

func listWatch(list cache.ListWithContextFunc, watchFn cache.WatchFuncWithContext, labelSel, fieldSel string) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector, o.FieldSelector = labelSel, fieldSel
			return list(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector, o.FieldSelector = labelSel, fieldSel
			return watchFn(ctx, o)
		},
	}
}

func workloadLW(cs kubernetes.Interface, ns string, kind Kind, fieldSel string) *cache.ListWatch {
	a := cs.AppsV1()
	switch kind {
	case StatefulSet:
		return listWatch(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return a.StatefulSets(ns).List(ctx, o)
		},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return a.StatefulSets(ns).Watch(ctx, o)
			}, "", fieldSel)
	case DaemonSet:
		return listWatch(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return a.DaemonSets(ns).List(ctx, o)
		},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return a.DaemonSets(ns).Watch(ctx, o)
			}, "", fieldSel)
	}
	return listWatch(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return a.Deployments(ns).List(ctx, o)
	},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return a.Deployments(ns).Watch(ctx, o)
		}, "", fieldSel)
}

func timeoutOutcome(last *Outcome) *Outcome {
	out := &Outcome{Status: StatusTimeout, Reason: "Timeout"}
	if last != nil {
		out.Counts, out.Pending, out.PendingMore, out.Pods, out.Groups, out.Revision = last.Counts, last.Pending, last.PendingMore, last.Pods, last.Groups, last.Revision
		out.newRevisionUIDs, out.podUIDs, out.pendingUIDs = last.newRevisionUIDs, last.podUIDs, last.pendingUIDs
	}
	out.Message = "timed out waiting for the rollout"
	if out.Counts != "" {
		out.Message += " (" + out.Counts + ")"
	}
	return out
}

type watchState struct {
	ns         string
	w          *workload
	viewer     polymorphichelpers.StatusViewer
	wl, pods   cache.Store
	revs       cache.Store
	firstSeen  map[string]time.Time
	failAfter  time.Duration
	lastCounts string
	lastPrint  time.Time
}

// evaluate decides from the caches whether the rollout is done.
func (s *watchState) evaluate(now time.Time) (*Outcome, bool, error) {
	obj, exists, err := s.wl.GetByKey(s.ns + "/" + s.w.ref.Name)
	if err != nil {
		return nil, false, err
	}
	if !exists {
		return &Outcome{Status: StatusFailed, Reason: ReasonWorkloadDeleted, Message: s.w.ref.String() + " was deleted during the rollout"}, true, nil
	}
	rt := obj.(runtime.Object)
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rt)
	if err != nil {
		return nil, false, err
	}
	out := &Outcome{podUIDs: map[string]string{}}
	cur := s.currentRevision(rt, out)
	out.Counts = counts(rt)
	out.Pending, out.PendingMore = pendingPods(s.pods, cur, out)
	_, done, verr := s.viewer.Status(&unstructured.Unstructured{Object: content}, 0)
	if verr != nil {
		if strings.Contains(verr.Error(), "exceeded its progress deadline") {
			out.Status, out.Reason, out.Message = StatusFailed, ReasonProgressDeadline, verr.Error()
			out.Pods, out.Groups = grouped(s.problems(cur, now))
			return out, true, nil
		}
		return nil, false, fmt.Errorf("%s: %w", s.w.ref, verr)
	}
	if cur == nil {
		if done {
			out.Status = StatusSuccess
			return out, true, nil
		}
		return out, false, nil // the controller has not picked up the change yet
	}
	probs := s.problems(cur, now)
	if done && len(probs) == 0 {
		out.Status = StatusSuccess
		return out, true, nil
	}
	// done with a problem showing (a pod without readiness probe that is available but
	// crashing): not a success; the problem's grace decides
	out.Pods, out.Groups = grouped(probs)
	seen := map[string]bool{}
	var failing []podstatus.Problem
	for _, p := range probs {
		k := p.Key()
		seen[k] = true
		if _, ok := s.firstSeen[k]; !ok {
			s.firstSeen[k] = now
		}
		if p.Definitive || now.Sub(s.firstSeen[k]) >= s.failAfter {
			failing = append(failing, p)
		}
	}
	for k := range s.firstSeen {
		if !seen[k] {
			delete(s.firstSeen, k) // recovered: a pull that succeeds on retry is no failure
		}
	}
	if len(failing) > 0 {
		out.Status, out.Reason = StatusFailed, failing[0].Reason
		out.Message = failing[0].String()
		// the report counts every pod with a problem, those still within their grace too;
		// its examples start with the ones that decided
		decided := map[string]bool{}
		for _, f := range failing {
			decided[f.Key()] = true
		}
		for _, p := range probs {
			if !decided[p.Key()] {
				failing = append(failing, p)
			}
		}
		out.Pods, out.Groups = grouped(failing)
		return out, true, nil
	}
	return out, false, nil
}

// revisionPods identifies the pods of the revision being rolled out.
type revisionPods struct {
	labelKey, labelValue string
}

// currentRevision finds the new revision once the controller has observed the change.
func (s *watchState) currentRevision(obj runtime.Object, out *Outcome) *revisionPods {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		if o.Status.ObservedGeneration < o.Generation {
			return nil
		}
		rev := o.Annotations["deployment.kubernetes.io/revision"]
		out.Revision, _ = strconv.ParseInt(rev, 10, 64)
		for _, x := range s.revs.List() {
			rs := x.(*appsv1.ReplicaSet)
			if rs.Annotations["deployment.kubernetes.io/revision"] == rev && ownedBy(rs.OwnerReferences, o.UID) {
				out.newRevisionUIDs = append(out.newRevisionUIDs, string(rs.UID))
				return &revisionPods{appsv1.DefaultDeploymentUniqueLabelKey, rs.Labels[appsv1.DefaultDeploymentUniqueLabelKey]}
			}
		}
	case *appsv1.StatefulSet:
		if o.Status.ObservedGeneration < o.Generation || o.Status.UpdateRevision == "" {
			return nil
		}
		for _, x := range s.revs.List() {
			if cr := x.(*appsv1.ControllerRevision); cr.Name == o.Status.UpdateRevision {
				out.Revision = cr.Revision
				out.newRevisionUIDs = append(out.newRevisionUIDs, string(cr.UID))
			}
		}
		return &revisionPods{appsv1.ControllerRevisionHashLabelKey, o.Status.UpdateRevision}
	case *appsv1.DaemonSet:
		if o.Status.ObservedGeneration < o.Generation {
			return nil
		}
		var newest *appsv1.ControllerRevision
		for _, x := range s.revs.List() {
			cr := x.(*appsv1.ControllerRevision)
			if ownedBy(cr.OwnerReferences, o.UID) && (newest == nil || cr.Revision > newest.Revision) {
				newest = cr
			}
		}
		if newest != nil {
			out.Revision = newest.Revision
			out.newRevisionUIDs = append(out.newRevisionUIDs, string(newest.UID))
			return &revisionPods{appsv1.DefaultDaemonSetUniqueLabelKey, newest.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]}
		}
	}
	return nil
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller && r.UID == uid {
			return true
		}
	}
	return false
}

// problems classifies the new revision's pods and lists those not ready as pending.
func (s *watchState) problems(cur *revisionPods, now time.Time) []podstatus.Problem {
	if cur == nil || cur.labelValue == "" {
		return nil
	}
	var out []podstatus.Problem
	pods := s.pods.List()
	slices.SortFunc(pods, func(a, b any) int { return strings.Compare(a.(*corev1.Pod).Name, b.(*corev1.Pod).Name) })
	for _, x := range pods {
		p := x.(*corev1.Pod)
		if p.Labels[cur.labelKey] != cur.labelValue {
			continue
		}
		out = append(out, podstatus.Classify(p, now)...)
	}
	return out
}

// Bounds of a report on many pods.
const (
	maxExamples = 3  // pods shown per reason
	maxPending  = 10 // pods named as not ready at a timeout
)

// ProblemGroup counts the pods' problems of one reason.
type ProblemGroup struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// grouped keeps maxExamples problems of each reason and counts them all.
func grouped(probs []podstatus.Problem) ([]podstatus.Problem, []ProblemGroup) {
	var kept []podstatus.Problem
	var groups []ProblemGroup
	at := map[string]int{}
	for _, p := range probs {
		i, ok := at[p.Reason]
		if !ok {
			i = len(groups)
			at[p.Reason] = i
			groups = append(groups, ProblemGroup{Reason: p.Reason})
		}
		groups[i].Count++
		if groups[i].Count <= maxExamples {
			kept = append(kept, p)
		}
	}
	return kept, groups
}

// pendingPods lists the new revision's pods that are not ready, for a timeout report: the
// first maxPending by name, and how many more there are.
func pendingPods(pods cache.Store, cur *revisionPods, out *Outcome) ([]string, int) {
	var pending []*corev1.Pod
	for _, x := range pods.List() {
		p := x.(*corev1.Pod)
		if cur != nil && p.Labels[cur.labelKey] != cur.labelValue {
			continue
		}
		out.podUIDs[p.Name] = string(p.UID)
		ready := false
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready && p.DeletionTimestamp == nil {
			pending = append(pending, p)
		}
	}
	slices.SortFunc(pending, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	more := max(0, len(pending)-maxPending)
	var names []string
	for _, p := range pending[:len(pending)-more] {
		names = append(names, fmt.Sprintf("pod/%s (%s)", p.Name, p.Status.Phase))
		out.pendingUIDs = append(out.pendingUIDs, string(p.UID))
	}
	return names, more
}

// counts is the progress line: "2/3 updated, 1/3 available".
func counts(obj runtime.Object) string {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		want := int32(1)
		if o.Spec.Replicas != nil {
			want = *o.Spec.Replicas
		}
		s := fmt.Sprintf("%d/%d updated, %d available", o.Status.UpdatedReplicas, want, o.Status.AvailableReplicas)
		if old := o.Status.Replicas - o.Status.UpdatedReplicas; old > 0 {
			s += fmt.Sprintf(", %d old", old)
		}
		return s
	case *appsv1.StatefulSet:
		want := int32(1)
		if o.Spec.Replicas != nil {
			want = *o.Spec.Replicas
		}
		return fmt.Sprintf("%d/%d updated, %d/%d ready", o.Status.UpdatedReplicas, want, o.Status.ReadyReplicas, want)
	case *appsv1.DaemonSet:
		want := o.Status.DesiredNumberScheduled
		return fmt.Sprintf("%d/%d updated, %d/%d available", o.Status.UpdatedNumberScheduled, want, o.Status.NumberAvailable, want)
	}
	return ""
}
