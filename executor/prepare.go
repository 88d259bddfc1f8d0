package executor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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

	"gitlab.com/glcd/glcd/internal/podstatus"
)

// errNoNonce is a later stage called without config's job_env.
var errNoNonce = fmt.Errorf("the runner passed no %s: config_exec must be `glcd executor config` (its job_env carries the job's nonce)", JobEnvNonce)

// Prepare creates the job's pod and waits until its build and helper containers run. The pod
// is created held at a scheduling gate; its Secret is then created owned by it (so the Secret
// goes with the pod whatever happens next), and the gate lifted. A pod that cannot start
// because of the job (an image that does not exist or may not be pulled, a disallowed image)
// is a build failure at once; one that waits on the cluster (unschedulable, a registry not
// answering) is a system failure after the pod start timeout. A pod name that is taken is a
// system failure too: prepare never deletes or replaces a pod it did not create for this job.
func (d *Driver) Prepare(ctx context.Context) error {
	if d.Nonce == "" {
		return SystemFailure(errNoNonce)
	}
	start := d.now()
	name, ns := d.podName(), d.namespace()
	pod, secret, err := PodSpec(d.Settings, d.Job, name, d.Nonce, start)
	if err != nil {
		return BuildFailure(err)
	}
	fmt.Fprintf(d.Log, "Preparing pod %s/%s: image %s, helper %s%s\n", ns, name, pod.Spec.Containers[0].Image,
		d.Settings.HelperImage, serviceList(d.Job))
	if d.Job.Cache && cacheSource(d.Settings) == nil {
		fmt.Fprintf(d.Log, "WARNING: this job declares cache: but this runner keeps no cache volume (cache.pvc in glcd's executor settings): "+
			"the cache is written inside the job's pod and is gone with it\n")
	}
	created, err := d.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return SystemFailure(fmt.Errorf("create pod %s/%s: the name is taken by a pod this job did not create; it is left alone", ns, name))
	}
	if err != nil {
		return d.createFailed(err, fmt.Sprintf("create pod %s/%s", ns, name))
	}
	secret.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: created.Name, UID: created.UID}}
	if _, err := d.Client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		d.removeCreated(ctx, created)
		return d.createFailed(err, fmt.Sprintf("create secret %s/%s", ns, name))
	}
	// the pod may be scheduled now: test the UID, so the patch only ever lifts this pod's gate
	ungate := fmt.Sprintf(`[{"op":"test","path":"/metadata/uid","value":%q},{"op":"remove","path":"/spec/schedulingGates"}]`, created.UID)
	if _, err := d.Client.CoreV1().Pods(ns).Patch(ctx, name, types.JSONPatchType, []byte(ungate), metav1.PatchOptions{}); err != nil {
		d.removeCreated(ctx, created)
		return SystemFailure(fmt.Errorf("release pod %s/%s to the scheduler: %w", ns, name, err))
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

// createFailed sorts a refused create: the API's refusal of the job's pod for what the job
// asked (quota, an invalid spec) is the job's problem; a PodSecurity refusal is the settings'
// (no job variable changes the pod's security) and anything else the system's.
func (d *Driver) createFailed(err error, what string) error {
	err = fmt.Errorf("%s: %w", what, err)
	switch {
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "PodSecurity"):
		return SystemFailure(fmt.Errorf("%w (the namespace enforces a stricter level than the pods are built for: "+
			"set podSecurity in glcd's executor settings to the namespace's level)", err))
	case apierrors.IsInvalid(err) || apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota"):
		return BuildFailure(err)
	}
	return SystemFailure(err)
}

// removeCreated deletes the pod prepare has just created (its Secret, if any, goes with it).
func (d *Driver) removeCreated(ctx context.Context, p *corev1.Pod) {
	_ = d.deletePod(context.WithoutCancel(ctx), p.Namespace, p.Name, p.UID)
}

// errPullGrace ends the wait for a pod whose image pull failed for a network reason for
// longer than the settings' pullGrace.
type errPullGrace struct{ problem podstatus.Problem }

func (e errPullGrace) Error() string { return e.problem.String() }

// waitRunning watches the pod until the build and helper containers run, reporting each
// problem once as it appears. A pull that keeps failing for a network reason ends the wait
// after pullGrace: a registry host that does not resolve is the job's doing (its image's
// name), any other network trouble a system failure the runner may retry.
func (d *Driver) waitRunning(ctx context.Context, pod *corev1.Pod) error {
	timeout := time.Duration(d.Settings.PodStartTimeout)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wctx, stop := context.WithCancelCause(tctx)
	defer stop(nil)
	pulling := map[string]*time.Timer{}
	defer func() {
		for _, t := range pulling {
			t.Stop()
		}
	}()
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
		if !ok || p.UID != pod.UID {
			return false, nil
		}
		last = last[:0]
		for _, pr := range podstatus.Classify(p, d.now()) {
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
			if pr.Reason == podstatus.ErrImagePull && pulling[pr.Container] == nil {
				pr := pr
				pulling[pr.Container] = time.AfterFunc(time.Duration(d.Settings.PullGrace), func() { stop(errPullGrace{pr}) })
			}
		}
		if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			jobErr = BuildFailure(fmt.Errorf("the job's pod ended (%s) before the job ran: %s", p.Status.Phase,
				strings.TrimSpace(p.Status.Reason+" "+p.Status.Message)))
			return false, jobErr
		}
		return running(p), nil
	})
	var grace errPullGrace
	switch {
	case err == nil:
		return nil
	case jobErr != nil:
		return jobErr
	case errors.As(err, new(*Failure)):
		return err
	case errors.As(context.Cause(wctx), &grace):
		return pullFailed(grace.problem, time.Duration(d.Settings.PullGrace))
	case ctx.Err() != nil:
		return BuildFailure(fmt.Errorf("canceled while pod %s/%s started", ns, pod.Name))
	case tctx.Err() != nil:
		why := "no reason reported"
		if len(last) > 0 {
			why = strings.Join(last, "; ")
		}
		return SystemFailure(fmt.Errorf("pod %s/%s did not start within %s (podStartTimeout): %s", ns, pod.Name, timeout, why))
	}
	return SystemFailure(fmt.Errorf("watch pod %s/%s: %w", ns, pod.Name, err))
}

func imageProblem(reason string) bool {
	return slices.Contains([]string{podstatus.ImageNotFound, podstatus.ImagePullUnauthorized, podstatus.InvalidImageName,
		podstatus.RegistryHostUnknown}, reason)
}

// lookupFailed finds "lookup HOST" in a pull error: the registry's name did not resolve.
var lookupFailed = regexp.MustCompile(`lookup ([^ :]+)`)

// pullFailed is a pull that failed for a network reason for the whole grace: a registry
// host whose name does not resolve is the job's (its image's name, not retried), anything
// else the system's (the runner retries prepare).
func pullFailed(p podstatus.Problem, grace time.Duration) error {
	if m := lookupFailed.FindStringSubmatch(p.Message); m != nil {
		return BuildFailure(fmt.Errorf("the registry host %s of the job's image does not resolve (%s for %s, pullGrace): %s", m[1], p.Reason, grace, p.Message))
	}
	return SystemFailure(fmt.Errorf("the job's image could not be pulled for %s (pullGrace): %s", grace, p))
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
