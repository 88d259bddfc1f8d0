// Package setup creates what a GitLab deploy job needs on the cluster side: a least-privilege
// robot (Namespace, ServiceAccount, token Secret, Role and RoleBinding from the permission lists
// of internal/access) and the values GitLab needs to act as it, proven to work before they are
// handed out.
package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"gitlab.com/glcd/glcd/internal/access"
)

// FieldManager is the server-side apply field manager of everything glcd setup applies. It is
// not glcd apply's "glcd": one manager owning both a manifest's Namespace fields and the
// robot's would drop the manifest's labels from the Namespace at the robot's next apply.
const FieldManager = "glcd-setup"

// AnnotationFor on the robot's ServiceAccount lists the commands its Role was made for:
// `glcd setup gitlab-vars` checks exactly those.
const AnnotationFor = "glcd.gitlab.com/for"

// Robot says which robot to make.
type Robot struct {
	Namespace string
	Name      string           // ServiceAccount, Role, RoleBinding; the Secret is Name-token
	For       []access.Command // the commands it may run
	// PullSecret is NAMESPACE/NAME of a docker-registry Secret to copy into Namespace ("" for none).
	PullSecret string
}

// TokenSecret is the name of the robot's token Secret.
func (r Robot) TokenSecret() string { return r.Name + "-token" }

// Check returns every problem with r at once.
func (r Robot) Check() error {
	var errs []error
	if r.Namespace == "" {
		errs = append(errs, errors.New("--namespace: name the namespace the robot deploys to"))
	} else if p := validation.IsDNS1123Label(r.Namespace); len(p) > 0 {
		errs = append(errs, fmt.Errorf("--namespace %q: %s", r.Namespace, strings.Join(p, "; ")))
	}
	if p := validation.IsDNS1123Subdomain(r.Name); len(p) > 0 {
		errs = append(errs, fmt.Errorf("--name %q: %s", r.Name, strings.Join(p, "; ")))
	}
	if r.PullSecret != "" {
		ns, name, ok := strings.Cut(r.PullSecret, "/")
		if !ok || len(validation.IsDNS1123Label(ns)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
			errs = append(errs, fmt.Errorf("--pull-secret %q: want NAMESPACE/NAME of a kubernetes.io/dockerconfigjson Secret", r.PullSecret))
		}
	}
	return errors.Join(errs...)
}

// Rules are the robot's permissions: exactly the union of its commands' lists.
func (r Robot) Rules() []access.Rule { return access.Union(r.For...) }

func (r Robot) forList() string {
	s := make([]string, len(r.For))
	for i, c := range r.For {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

var labels = map[string]string{"app.kubernetes.io/managed-by": "glcd"}

// Objects are the robot's objects in the order they are applied (a copied pull secret, read
// from the cluster, is not among them: see Apply).
func (r Robot) Objects() []*unstructured.Unstructured {
	meta := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
	}
	no := false
	sa := &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta(r.Namespace, r.Name),
		AutomountServiceAccountToken: &no}
	sa.Annotations = map[string]string{AnnotationFor: r.forList()}
	if r.PullSecret != "" {
		_, name, _ := strings.Cut(r.PullSecret, "/")
		sa.ImagePullSecrets = []corev1.LocalObjectReference{{Name: name}}
	}
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta(r.Namespace, r.TokenSecret()),
		Type: corev1.SecretTypeServiceAccountToken}
	secret.Annotations = map[string]string{corev1.ServiceAccountNameKey: r.Name}
	objs := []any{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: meta("", r.Namespace)},
		sa, secret,
		&rbacv1.Role{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"}, ObjectMeta: meta(r.Namespace, r.Name),
			Rules: access.PolicyRules(r.Rules())},
		&rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}, ObjectMeta: meta(r.Namespace, r.Name),
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: r.Name},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: r.Name, Namespace: r.Namespace}}},
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		out = append(out, toUnstructured(o))
	}
	return out
}

// toUnstructured converts a typed object, without the empty status and creationTimestamp a
// typed object always carries (neither belongs in an apply).
func toUnstructured(o any) *unstructured.Unstructured {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		panic(fmt.Sprintf("setup: %T does not convert: %v", o, err)) // our own types: a programming error
	}
	delete(m, "status")
	if spec, ok := m["spec"].(map[string]any); ok && len(spec) == 0 {
		delete(m, "spec")
	}
	unstructured.RemoveNestedField(m, "metadata", "creationTimestamp")
	return &unstructured.Unstructured{Object: m}
}

// Notes are what the user should know about the robot: its permissions, what apply adds, and
// the better token choices.
func (r Robot) Notes() []string {
	n := []string{fmt.Sprintf("Role %s grants exactly what glcd %s needs in namespace %s (%d permissions, the lists `glcd doctor --for %s` checks), nothing cluster-wide.",
		r.Name, strings.Join(strings.Split(r.forList(), ","), ", glcd "), r.Namespace, len(access.Grants(r.Rules())), r.forList())}
	kinds := make([]string, 0, len(access.AppliedKinds))
	for _, k := range access.AppliedKinds {
		kinds = append(kinds, k.Name())
	}
	extra := fmt.Sprintf("get, create and patch on %s (server-side apply; other kinds need rules of your own)", strings.Join(kinds, ", "))
	if slices.Contains(r.For, access.Apply) {
		n = append(n, "apply needs more than rollout: "+extra+".")
	} else {
		n = append(n, "glcd apply is not granted: it needs, beyond rollout, "+extra+"; add --for apply to grant it.")
	}
	n = append(n, fmt.Sprintf("The Secret %s holds a long-lived token. Prefer a short-lived one where the job can get it "+
		"(the TokenRequest API: kubectl -n %s create token %s --duration 1h) or the GitLab agent for Kubernetes (no token stored in GitLab at all).",
		r.TokenSecret(), r.Namespace, r.Name))
	return n
}

// WriteYAML writes the notes as comments and the objects as one YAML stream (for kubectl
// apply -f -). A pull secret is only named: its data is a credential and is never printed.
func (r Robot) WriteYAML(w io.Writer) error {
	var b strings.Builder
	for _, n := range r.Notes() {
		b.WriteString("# " + n + "\n")
	}
	if r.PullSecret != "" {
		fmt.Fprintf(&b, "# --pull-secret %s: with --apply, that Secret is copied into %s (its data is not printed here).\n", r.PullSecret, r.Namespace)
	}
	for _, o := range r.Objects() {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("yaml of %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Change is what applying one object did.
type Change struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Result    string `json:"result"` // created, changed or unchanged
}

func (c Change) String() string {
	s := strings.ToLower(c.Kind) + "/" + c.Name
	if c.Namespace != "" {
		s += " in " + c.Namespace
	}
	return s + " " + c.Result
}

// Results of Apply.
const (
	Created   = "created"
	Changed   = "changed"
	Unchanged = "unchanged"
)

var gvrs = map[string]schema.GroupVersionResource{
	"Namespace":      {Version: "v1", Resource: "namespaces"},
	"ServiceAccount": {Version: "v1", Resource: "serviceaccounts"},
	"Secret":         {Version: "v1", Resource: "secrets"},
	"Role":           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"RoleBinding":    {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
}

// Apply server-side applies the robot's objects (field manager glcd), copying the pull secret
// first, and says per object whether it was created, changed or left unchanged.
func (r Robot) Apply(ctx context.Context, dyn dynamic.Interface, cs kubernetes.Interface) ([]Change, error) {
	objs := r.Objects()
	if ns, _, _ := strings.Cut(r.PullSecret, "/"); r.PullSecret != "" && ns != r.Namespace {
		ps, err := r.pullSecretCopy(ctx, cs)
		if err != nil {
			return nil, err
		}
		objs = slices.Insert(objs, 1, ps) // after the Namespace
	}
	force := true
	var changes []Change
	for _, o := range objs {
		var ri dynamic.ResourceInterface = dyn.Resource(gvrs[o.GetKind()])
		if o.GetNamespace() != "" {
			ri = dyn.Resource(gvrs[o.GetKind()]).Namespace(o.GetNamespace())
		}
		c := Change{Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName(), Result: Created}
		before, err := ri.Get(ctx, o.GetName(), metav1.GetOptions{})
		switch {
		case err == nil:
			c.Result = Unchanged
		case !apierrors.IsNotFound(err):
			return changes, fmt.Errorf("read %s: %w", c.ref(), err)
		}
		data, err := o.MarshalJSON()
		if err != nil {
			return changes, fmt.Errorf("%s: %w", c.ref(), err)
		}
		after, err := ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
		if err != nil {
			return changes, fmt.Errorf("apply %s: %w", c.ref(), err)
		}
		if before != nil && c.Result == Unchanged && before.GetResourceVersion() != after.GetResourceVersion() {
			c.Result = Changed
		}
		changes = append(changes, c)
	}
	return changes, nil
}

func (c Change) ref() string {
	if c.Namespace == "" {
		return strings.ToLower(c.Kind) + "/" + c.Name
	}
	return strings.ToLower(c.Kind) + "/" + c.Name + " in namespace " + c.Namespace
}

// pullSecretCopy reads the docker-registry Secret to copy and returns its copy for Namespace.
func (r Robot) pullSecretCopy(ctx context.Context, cs kubernetes.Interface) (*unstructured.Unstructured, error) {
	ns, name, _ := strings.Cut(r.PullSecret, "/")
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("--pull-secret %s: %w", r.PullSecret, err)
	}
	if s.Type != corev1.SecretTypeDockerConfigJson && s.Type != corev1.SecretTypeDockercfg {
		return nil, fmt.Errorf("--pull-secret %s: type %s is not an image pull secret (want %s, as kubectl create secret docker-registry makes)",
			r.PullSecret, s.Type, corev1.SecretTypeDockerConfigJson)
	}
	return toUnstructured(&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: name, Labels: labels,
			Annotations: map[string]string{"glcd.gitlab.com/copied-from": r.PullSecret}},
		Type: s.Type, Data: s.Data}), nil
}
