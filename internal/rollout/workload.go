// Package rollout sets images on Deployments, StatefulSets and DaemonSets, applies manifests
// with server-side apply, and watches rollouts to their end: success exactly when
// `kubectl rollout status` would say so, failure as soon as the new revision's pods show why.
package rollout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distribution/reference"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// Kind is a workload kind glcd rolls out.
type Kind string

// The workload kinds.
const (
	Deployment  Kind = "Deployment"
	StatefulSet Kind = "StatefulSet"
	DaemonSet   Kind = "DaemonSet"
)

// GroupKind returns the kind's API group and kind.
// FieldManager is the field manager of glcd rollout's image patch. glcd apply takes over what
// it set (the image a deploy put there) without asking: it is glcd's own field.
const FieldManager = "glcd-rollout"

func (k Kind) GroupKind() schema.GroupKind { return schema.GroupKind{Group: "apps", Kind: string(k)} }

// Ref names a workload: deployment/web, sts/db, ds/agent, or a bare name (a Deployment).
type Ref struct {
	Kind Kind
	Name string
}

func (r Ref) String() string { return strings.ToLower(string(r.Kind)) + "/" + r.Name }

// ParseRef parses [KIND/]NAME.
func ParseRef(s string) (Ref, error) {
	kind, name, ok := strings.Cut(s, "/")
	if !ok {
		kind, name = "deployment", s
	}
	var k Kind
	switch strings.ToLower(kind) {
	case "deployment", "deployments", "deploy", "deployment.apps":
		k = Deployment
	case "statefulset", "statefulsets", "sts", "statefulset.apps":
		k = StatefulSet
	case "daemonset", "daemonsets", "ds", "daemonset.apps":
		k = DaemonSet
	default:
		return Ref{}, exitcode.UsageError(fmt.Errorf("workload %q: kind %q is not one of deployment, statefulset, daemonset", s, kind))
	}
	if name == "" {
		return Ref{}, exitcode.UsageError(fmt.Errorf("workload %q has no name: want [KIND/]NAME, such as deployment/web", s))
	}
	return Ref{Kind: k, Name: name}, nil
}

// workload is the part of a Deployment, StatefulSet or DaemonSet the rollout needs.
type workload struct {
	ref      Ref
	obj      runtime.Object
	meta     *metav1.ObjectMeta
	selector *metav1.LabelSelector
	template *corev1.PodTemplateSpec
}

func getWorkload(ctx context.Context, cs kubernetes.Interface, ns string, ref Ref) (*workload, error) {
	var (
		obj runtime.Object
		err error
	)
	switch ref.Kind {
	case Deployment:
		obj, err = cs.AppsV1().Deployments(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	case StatefulSet:
		obj, err = cs.AppsV1().StatefulSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	case DaemonSet:
		obj, err = cs.AppsV1().DaemonSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil, exitcode.UsageError(notFound(ctx, cs, ns, ref))
	}
	if err != nil {
		return nil, fmt.Errorf("get %s in namespace %s: %w", ref, ns, err)
	}
	return wrapWorkload(ref, obj), nil
}

func wrapWorkload(ref Ref, obj runtime.Object) *workload {
	w := &workload{ref: ref, obj: obj}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		w.meta, w.selector, w.template = &o.ObjectMeta, o.Spec.Selector, &o.Spec.Template
	case *appsv1.StatefulSet:
		w.meta, w.selector, w.template = &o.ObjectMeta, o.Spec.Selector, &o.Spec.Template
	case *appsv1.DaemonSet:
		w.meta, w.selector, w.template = &o.ObjectMeta, o.Spec.Selector, &o.Spec.Template
	}
	return w
}

// notFound explains a missing workload: is the namespace missing, or which workloads does it have?
func notFound(ctx context.Context, cs kubernetes.Interface, ns string, ref Ref) error {
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %q does not exist (set --namespace, KUBE_NAMESPACE or PROJECT_NAME to the workload's namespace)", ns)
	}
	var names []string
	switch ref.Kind {
	case Deployment:
		if l, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{}); err == nil {
			for _, d := range l.Items {
				names = append(names, d.Name)
			}
		}
	case StatefulSet:
		if l, err := cs.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{}); err == nil {
			for _, d := range l.Items {
				names = append(names, d.Name)
			}
		}
	case DaemonSet:
		if l, err := cs.AppsV1().DaemonSets(ns).List(ctx, metav1.ListOptions{}); err == nil {
			for _, d := range l.Items {
				names = append(names, d.Name)
			}
		}
	}
	have := "none"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return fmt.Errorf("%s not found in namespace %s (%ss there: %s)", ref, ns, strings.ToLower(string(ref.Kind)), have)
}

// ParseImage validates an image reference; it must carry a tag or a digest.
func ParseImage(s string) (reference.Named, error) {
	n, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return nil, exitcode.UsageError(fmt.Errorf("image %q: %w", s, err))
	}
	if reference.IsNameOnly(n) {
		return nil, exitcode.UsageError(fmt.Errorf("image %q has no tag or digest: want %s:TAG or %s@sha256:DIGEST", s, s, s))
	}
	return n, nil
}

// sameRepository reports whether image (as written in a pod spec) is in repository repo.
func sameRepository(image string, repo reference.Named) bool {
	n, err := reference.ParseNormalizedNamed(image)
	return err == nil && n.Name() == repo.Name()
}

// containerChange is one container whose image the rollout sets.
type containerChange struct {
	Name     string `json:"name"`
	Init     bool   `json:"init,omitempty"`
	OldImage string `json:"oldImage"`
}

// ContainerNotFoundError says which containers a workload has, when none matched.
type ContainerNotFoundError struct {
	Workload   string
	Wanted     string // container name or image repository
	Containers []string
}

func (e *ContainerNotFoundError) Error() string {
	return fmt.Sprintf("%s has no container %s; its containers: %s", e.Workload, e.Wanted, strings.Join(e.Containers, ", "))
}

// pickContainers finds the containers to update: the named one, or every container and init
// container whose image is in the new image's repository.
func pickContainers(w *workload, container string, image reference.Named) ([]containerChange, error) {
	var out []containerChange
	var all []string
	spec := &w.template.Spec
	visit := func(cs []corev1.Container, init bool) {
		for _, c := range cs {
			label := fmt.Sprintf("%s (%s)", c.Name, c.Image)
			if init {
				label = fmt.Sprintf("%s (init, %s)", c.Name, c.Image)
			}
			all = append(all, label)
			if (container != "" && c.Name == container) || (container == "" && sameRepository(c.Image, image)) {
				out = append(out, containerChange{Name: c.Name, Init: init, OldImage: c.Image})
			}
		}
	}
	visit(spec.InitContainers, true)
	visit(spec.Containers, false)
	if len(out) == 0 {
		wanted := fmt.Sprintf("named %q", container)
		if container == "" {
			wanted = "with an image in " + image.Name() + " (name one with --container or POD_NAME)"
		}
		return nil, exitcode.UsageError(&ContainerNotFoundError{Workload: w.ref.String(), Wanted: wanted, Containers: all})
	}
	return out, nil
}

// ChangeCauseAnnotation is the annotation `kubectl rollout history` shows.
const ChangeCauseAnnotation = "kubernetes.io/change-cause"

// imagePatch builds one strategic merge patch setting the images and the change cause.
func imagePatch(changes []containerChange, image, cause string) ([]byte, error) {
	var containers, inits []map[string]string
	for _, c := range changes {
		entry := map[string]string{"name": c.Name, "image": image}
		if c.Init {
			inits = append(inits, entry)
		} else {
			containers = append(containers, entry)
		}
	}
	podSpec := map[string]any{}
	if len(containers) > 0 {
		podSpec["containers"] = containers
	}
	if len(inits) > 0 {
		podSpec["initContainers"] = inits
	}
	patch := map[string]any{"spec": map[string]any{"template": map[string]any{"spec": podSpec}}}
	if cause != "" {
		patch["metadata"] = map[string]any{"annotations": map[string]string{ChangeCauseAnnotation: cause}}
	}
	return json.Marshal(patch)
}

func patchWorkload(ctx context.Context, cs kubernetes.Interface, ns string, ref Ref, patch []byte) (runtime.Object, error) {
	opts := metav1.PatchOptions{FieldManager: FieldManager}
	var (
		obj runtime.Object
		err error
	)
	switch ref.Kind {
	case Deployment:
		obj, err = cs.AppsV1().Deployments(ns).Patch(ctx, ref.Name, types.StrategicMergePatchType, patch, opts)
	case StatefulSet:
		obj, err = cs.AppsV1().StatefulSets(ns).Patch(ctx, ref.Name, types.StrategicMergePatchType, patch, opts)
	case DaemonSet:
		obj, err = cs.AppsV1().DaemonSets(ns).Patch(ctx, ref.Name, types.StrategicMergePatchType, patch, opts)
	}
	if err != nil {
		var se *apierrors.StatusError
		if errors.As(err, &se) && apierrors.IsInvalid(err) {
			return nil, exitcode.UsageError(fmt.Errorf("set image on %s: %w", ref, err))
		}
		return nil, fmt.Errorf("set image on %s: %w", ref, err)
	}
	return obj, nil
}

func containerNames(cs []containerChange) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}
