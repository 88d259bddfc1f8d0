package testbed

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
)

// WaitPodDone waits until pod ns/name has succeeded or failed and returns its phase.
func (c *Cluster) WaitPodDone(ctx context.Context, ns, name string) (corev1.PodPhase, error) {
	var phase corev1.PodPhase
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		p, err := c.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		phase = p.Status.Phase
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed, nil
	})
	if err != nil {
		return phase, fmt.Errorf("pod %s/%s: %w (phase %s)", ns, name, err, phase)
	}
	return phase, nil
}

// PullSecret creates the image pull secret name in ns: RegistryUser's credentials for
// PodRegistry(true), the registry address pods pull from.
func (c *Cluster) PullSecret(ctx context.Context, ns, name string) error {
	auth := base64.StdEncoding.EncodeToString([]byte(RegistryUser + ":" + RegistryPassword))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, c.PodRegistry(true), auth)
	pull := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(cfg)}}
	_, err := c.Client.CoreV1().Secrets(ns).Create(ctx, pull, metav1.CreateOptions{})
	return err
}

// DeployImage runs image (from the registry at PodRegistry(true), with a pull secret) as
// Deployment "web" of one replica, non-root and without capabilities, whose readiness probe
// asks GET /healthz on port, and waits until it is available: the image answered /healthz.
func (c *Cluster) DeployImage(ctx context.Context, ns, image string, port int32) error {
	if err := c.PullSecret(ctx, ns, "pull"); err != nil {
		return err
	}
	replicas, zero, yes, no := int32(1), int64(0), true, false
	lbl := map[string]string{"app": "web"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbl},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}, Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &zero, ImagePullSecrets: []corev1.LocalObjectReference{{Name: "pull"}},
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{Name: "web", Image: image,
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
					HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(port)}}}}},
		}},
	}}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return err
	}
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 1, nil
	})
	if err != nil {
		var states []string
		pods, _ := c.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
		for _, p := range pods.Items {
			states = append(states, fmt.Sprintf("pod %s: %+v", p.Name, p.Status.ContainerStatuses))
		}
		return fmt.Errorf("%s did not become ready (GET /healthz): %w; %s", image, err, strings.Join(states, "; "))
	}
	return nil
}

// EnforcePodSecurity labels namespace ns to enforce the Pod Security Standard level
// (baseline, restricted), as examples/runner/rbac.yaml labels the jobs' namespace.
func (c *Cluster) EnforcePodSecurity(ctx context.Context, ns, level string) error {
	n, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	n.Labels["pod-security.kubernetes.io/enforce"] = level
	_, err = c.Client.CoreV1().Namespaces().Update(ctx, n, metav1.UpdateOptions{})
	return err
}
