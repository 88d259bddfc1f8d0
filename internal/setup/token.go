package setup

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// WaitToken returns the robot's token Secret once Kubernetes' token controller has filled in
// its token (at once, for an existing robot; a watch, for one just created).
func WaitToken(ctx context.Context, cs kubernetes.Interface, ns, name string) (*corev1.Secret, error) {
	secrets := cs.CoreV1().Secrets(ns)
	s, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("the robot's token Secret %s in %s: %w (create the robot first: glcd setup robot --apply)", name, ns, err)
	}
	if s.Type != corev1.SecretTypeServiceAccountToken {
		return nil, fmt.Errorf("secret %s in %s is of type %s, not %s", name, ns, s.Type, corev1.SecretTypeServiceAccountToken)
	}
	if len(s.Data[corev1.ServiceAccountTokenKey]) > 0 {
		return s, nil
	}
	w, err := secrets.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: s.ResourceVersion})
	if err != nil {
		return nil, fmt.Errorf("watch Secret %s in %s: %w", name, ns, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("secret %s in %s: no token yet (is kube-controller-manager running with --service-account-private-key-file?): %w", name, ns, ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return WaitToken(ctx, cs, ns, name)
			}
			if ev.Type == watch.Deleted {
				return nil, fmt.Errorf("secret %s in %s was deleted", name, ns)
			}
			if s, ok := ev.Object.(*corev1.Secret); ok && len(s.Data[corev1.ServiceAccountTokenKey]) > 0 {
				return s, nil
			}
		}
	}
}
