package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

// DefaultCleanupTimeout is how long cleanup keeps trying to reach an API server that does
// not answer before it reports what it left behind.
const DefaultCleanupTimeout = time.Minute

// Cleanup deletes the job's pod and Secret. It is idempotent and works whatever prepare got
// to: what does not exist is simply not there to delete. It deletes only the pod that carries
// this job's nonce. While the API server does not answer it retries with backoff, up to the
// settings' cleanupTimeout; then it names what it left for gc.
func (d *Driver) Cleanup(ctx context.Context) error {
	if d.Nonce == "" {
		return SystemFailure(errNoNonce)
	}
	name, ns := d.podName(), d.namespace()
	var removed bool
	err := d.retryAPI(ctx, time.Duration(d.Settings.CleanupTimeout), "cleanup", func(ctx context.Context) error {
		p, err := d.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return d.deleteSecret(ctx, ns, name) // a prepare that stopped before the pod
		}
		if err != nil {
			return err
		}
		if p.Labels[LabelNonce] != d.Nonce {
			return permanent(fmt.Errorf("pod %s/%s is not this job's (its nonce differs): left alone", ns, name))
		}
		removed = true
		return d.deletePod(ctx, ns, name, p.UID)
	})
	if err != nil {
		return SystemFailure(fmt.Errorf("%w: `glcd executor gc` removes the pod %s/%s and its Secret later", err, ns, name))
	}
	if removed {
		fmt.Fprintf(d.debug(), "Removed pod %s/%s\n", ns, name)
	}
	return nil
}

// deletePod deletes the pod with this UID at once (no grace period) and its Secret.
func (d *Driver) deletePod(ctx context.Context, ns, name string, uid types.UID) error {
	zero := int64(0)
	opts := metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}}
	if err := d.Client.CoreV1().Pods(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
	}
	return d.deleteSecret(ctx, ns, name)
}

// deleteSecret deletes the job's Secret by name (the driver may not read Secrets); the
// garbage collector would remove it with its pod anyway.
func (d *Driver) deleteSecret(ctx context.Context, ns, name string) error {
	zero := int64(0)
	err := d.Client.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete secret %s/%s: %w", ns, name, err)
	}
	return nil
}

// permanentError is an error retryAPI does not retry.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

func permanent(err error) error { return permanentError{err} }

// authSettle is how long a "forbidden" or "unauthorized" answer is retried when the API server
// has just come back from an outage.
const authSettle = 15 * time.Second

// retryAPI runs f until it succeeds, fails for good, or the API server has not answered for
// limit: connection errors and the API's own "try again" answers (429, 5xx, timeouts) are
// retried with backoff (0.2 s doubling to 5 s); the driver says once that it is waiting. Once
// the server did not answer, "forbidden" is retried too for authSettle.
func (d *Driver) retryAPI(ctx context.Context, limit time.Duration, what string, f func(context.Context) error) error {
	if limit <= 0 {
		limit = DefaultCleanupTimeout
	}
	start := d.now()
	backoff := wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 1 << 30, Cap: 5 * time.Second}
	said := false
	var back time.Time // when the server first answered "forbidden" after it did not answer
	for {
		err := f(ctx)
		if err == nil {
			if said {
				fmt.Fprintf(d.Log, "The API server answers again: %s done after %s\n", what, d.now().Sub(start).Round(time.Second))
			}
			return nil
		}
		var p permanentError
		switch {
		case errors.As(err, &p):
			return err
		case said && (apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)):
			// a restarted API server answers before its RBAC and token caches are filled:
			// for a while it refuses what it allowed before the outage
			if back.IsZero() {
				back = d.now()
			}
			if d.now().Sub(back) >= authSettle {
				return err
			}
		case !retriable(err):
			return err
		}
		if d.now().Sub(start) >= limit || ctx.Err() != nil {
			return fmt.Errorf("the API server did not answer for %s: %w", d.now().Sub(start).Round(time.Second), err)
		}
		if !said {
			fmt.Fprintf(d.Log, "The API server does not answer (%s); %s retries for up to %s\n", shortErr(err), what, limit)
			said = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff.Step()):
		}
	}
}

// retriable says an API call may succeed if tried again: the server was not reached, or said
// to come back (throttled, overloaded, timed out, an internal error).
func retriable(err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
			apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err)
	}
	return true // no answer from the server: connection refused, reset, EOF, timeouts
}

// shortErr is err's innermost message: "connection refused", not a whole URL.
func shortErr(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// GC deletes the pods the driver made whose job has not been worked on for longer than
// olderThan (a runner that crashed never runs cleanup). A running stage renews its pod's
// mark every heartbeat interval, so a long stage keeps its pod. It selects by the driver's
// label only, so no other pod is ever touched, and returns the pods it deleted; their
// Secrets go with them.
func (d *Driver) GC(ctx context.Context, olderThan time.Duration) ([]string, error) {
	if beat := time.Duration(d.Settings.HeartbeatInterval); olderThan < 3*beat {
		return nil, fmt.Errorf("--older-than %s: want at least %s (running stages mark their pods every %s: heartbeatInterval)", olderThan, 3*beat, beat)
	}
	ns := d.namespace()
	sel := labels.SelectorFromSet(labels.Set{LabelManagedBy: ManagedBy}).String()
	pods, err := d.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("list job pods in %s: %w", ns, err)
	}
	cutoff := d.now().Add(-olderThan)
	var removed []string
	for i := range pods.Items {
		p := &pods.Items[i]
		active := LastActive(p)
		if !active.Before(cutoff) {
			continue
		}
		if err := d.deletePod(ctx, ns, p.Name, p.UID); err != nil {
			return removed, err
		}
		removed = append(removed, p.Name)
		fmt.Fprintf(d.Log, "Removed pod %s/%s (idle since %s)\n", ns, p.Name, active.Format(time.RFC3339))
	}
	return removed, nil
}

// LastActive is when the driver last worked for the pod's job: its mark, or its creation.
func LastActive(p *corev1.Pod) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, p.Annotations[AnnotationActiveAt]); err == nil {
		return t
	}
	return p.CreationTimestamp.Time
}
