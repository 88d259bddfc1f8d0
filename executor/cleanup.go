package executor

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Cleanup deletes the job's pod and Secret. It is idempotent and works whatever prepare got
// to: what does not exist is simply not there to delete.
func (d *Driver) Cleanup(ctx context.Context) error {
	name, ns := d.podName(), d.namespace()
	if err := d.remove(ctx, name, ns); err != nil {
		return SystemFailure(err)
	}
	fmt.Fprintf(d.Log, "Removed pod %s/%s\n", ns, name)
	return nil
}

// remove deletes the pod (at once: no grace period) and the Secret named name.
func (d *Driver) remove(ctx context.Context, name, ns string) error {
	zero := int64(0)
	opts := metav1.DeleteOptions{GracePeriodSeconds: &zero}
	if err := d.Client.CoreV1().Pods(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
	}
	if err := d.Client.CoreV1().Secrets(ns).Delete(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete secret %s/%s: %w", ns, name, err)
	}
	return nil
}

// GC deletes the pods and Secrets the driver made whose job has not called the driver for
// longer than olderThan (a runner that crashed never runs cleanup). It selects by the
// driver's label only, so no other pod is ever touched, and returns the pods it deleted.
func (d *Driver) GC(ctx context.Context, olderThan time.Duration) ([]string, error) {
	ns := d.namespace()
	sel := labels.SelectorFromSet(labels.Set{LabelManagedBy: ManagedBy}).String()
	pods, err := d.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("list job pods in %s: %w", ns, err)
	}
	cutoff := d.now().Add(-olderThan)
	live := map[string]bool{}
	var removed []string
	for _, p := range pods.Items {
		active := p.CreationTimestamp.Time
		if t, err := time.Parse(time.RFC3339Nano, p.Annotations[AnnotationActiveAt]); err == nil {
			active = t
		}
		if !active.Before(cutoff) {
			live[p.Name] = true
			continue
		}
		if err := d.remove(ctx, p.Name, ns); err != nil {
			return removed, err
		}
		removed = append(removed, p.Name)
		fmt.Fprintf(d.Log, "Removed pod %s/%s (idle since %s)\n", ns, p.Name, active.Format(time.RFC3339))
	}
	// Secrets whose pod is gone (a prepare that stopped between the two creates)
	secrets, err := d.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return removed, fmt.Errorf("list job secrets in %s: %w", ns, err)
	}
	for _, s := range secrets.Items {
		if live[s.Name] || !s.CreationTimestamp.Time.Before(cutoff) {
			continue
		}
		if err := d.Client.CoreV1().Secrets(ns).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return removed, fmt.Errorf("delete secret %s/%s: %w", ns, s.Name, err)
		}
	}
	return removed, nil
}
