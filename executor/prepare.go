package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"gitlab.com/glcd/glcd/internal/rollout"
)

// Prepare creates the job's pod and waits until its build and helper containers run. A
// pod that cannot start because of the job (an image that does not exist or may not be
// pulled, a disallowed image) is a build failure at once; one that waits on the cluster
// (unschedulable, a registry not answering) is a system failure after the pod start timeout.
func (d *Driver) Prepare(ctx context.Context) error {
	start := d.now()
	name, ns := d.podName(), d.namespace()
	pod, secret, err := PodSpec(d.Settings, d.Job, name, start)
	if err != nil {
		return BuildFailure(err)
	}
	fmt.Fprintf(d.Log, "Preparing pod %s/%s: image %s, helper %s%s\n", ns, name, pod.Spec.Containers[0].Image,
		d.Settings.HelperImage, serviceList(d.Job))
	// a retried prepare (after a system failure) starts from nothing
	if err := d.remove(ctx, name, ns); err != nil {
		return SystemFailure(err)
	}
	secret, err = d.Client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{})
	if err != nil {
		return SystemFailure(fmt.Errorf("create secret %s/%s: %w", ns, name, err))
	}
	created, err := d.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return d.createFailed(ctx, name, ns, err)
	}
	// the Secret goes with the pod even if cleanup never runs
	owner := fmt.Sprintf(`{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":%q,"uid":%q}]}}`, created.Name, created.UID)
	if _, err := d.Client.CoreV1().Secrets(ns).Patch(ctx, secret.Name, types.StrategicMergePatchType, []byte(owner), metav1.PatchOptions{}); err != nil {
		return SystemFailure(fmt.Errorf("secret %s/%s owner: %w", ns, name, err))
	}
	if err := d.waitRunning(ctx, created); err != nil {
		return err
	}
	fmt.Fprintf(d.Log, "Pod %s/%s is running (%s)\n", ns, name, d.now().Sub(start).Round(10*time.Millisecond))
	return nil
}

func serviceList(j *Job) string {
	if len(j.Services) == 0 {
		return ""
	}
	var s []string
	for _, svc := range j.Services {
		s = append(s, svc.Name+" as "+strings.Join(svc.Aliases(), ","))
	}
	return ", services " + strings.Join(s, "; ")
}

// createFailed sorts a refused pod: the API's refusal of the job's pod (admission, quota,
// invalid spec) is the job's or the settings' problem, anything else the system's.
func (d *Driver) createFailed(ctx context.Context, name, ns string, err error) error {
	_ = d.remove(context.WithoutCancel(ctx), name, ns)
	err = fmt.Errorf("create pod %s/%s: %w", ns, name, err)
	if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota") {
		return BuildFailure(err)
	}
	return SystemFailure(err)
}

// waitRunning watches the pod until the build and helper containers run, reporting each
// problem once as it appears.
func (d *Driver) waitRunning(ctx context.Context, pod *corev1.Pod) error {
	timeout := time.Duration(d.Settings.PodStartTimeout)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ns := pod.Namespace
	sel := fields.OneTermEqualSelector("metadata.name", pod.Name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = sel
			return d.Client.CoreV1().Pods(ns).List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = sel
			return d.Client.CoreV1().Pods(ns).Watch(ctx, o)
		},
	}
	seen := map[string]bool{}
	var last []string
	var jobErr error
	_, err := watchtools.UntilWithSync(wctx, lw, &corev1.Pod{}, nil, func(ev watch.Event) (bool, error) {
		if ev.Type == watch.Deleted {
			return false, SystemFailure(fmt.Errorf("pod %s/%s was deleted while it started", ns, pod.Name))
		}
		p, ok := ev.Object.(*corev1.Pod)
		if !ok {
			return false, nil
		}
		last = last[:0]
		for _, pr := range rollout.ClassifyPod(p, d.now()) {
			line := pr.String()
			last = append(last, line)
			service := strings.HasPrefix(pr.Container, "svc-")
			if !seen[line] {
				seen[line] = true
				prefix := ""
				if service && !imageProblem(pr.Reason) {
					prefix = "WARNING: service "
				}
				fmt.Fprintf(d.Log, "%s%s\n", prefix, line)
			}
			if pr.Definitive && (!service || imageProblem(pr.Reason)) {
				jobErr = BuildFailure(fmt.Errorf("the job's pod cannot start: %s", line))
				return false, jobErr
			}
		}
		if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			jobErr = BuildFailure(fmt.Errorf("the job's pod ended (%s) before the job ran: %s", p.Status.Phase,
				strings.TrimSpace(p.Status.Reason+" "+p.Status.Message)))
			return false, jobErr
		}
		return running(p), nil
	})
	switch {
	case err == nil:
		return nil
	case jobErr != nil:
		return jobErr
	case errors.As(err, new(*Failure)):
		return err
	case ctx.Err() != nil:
		return BuildFailure(fmt.Errorf("canceled while pod %s/%s started", ns, pod.Name))
	case wctx.Err() != nil:
		why := "no reason reported"
		if len(last) > 0 {
			why = strings.Join(last, "; ")
		}
		return SystemFailure(fmt.Errorf("pod %s/%s did not start within %s (podStartTimeout): %s", ns, pod.Name, timeout, why))
	}
	return SystemFailure(fmt.Errorf("watch pod %s/%s: %w", ns, pod.Name, err))
}

func imageProblem(reason string) bool {
	return slices.Contains([]string{rollout.ReasonImageNotFound, rollout.ReasonImageUnauthorized, rollout.ReasonInvalidImageName}, reason)
}

// running says the build and helper containers run and every service has started or ended.
func running(p *corev1.Pod) bool {
	up := 0
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.Name == BuildContainer || cs.Name == HelperContainer:
			if cs.State.Running == nil {
				return false
			}
			up++
		case cs.State.Running == nil && cs.State.Terminated == nil:
			return false
		}
	}
	return up == 2
}
