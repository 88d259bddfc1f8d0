// Package apply is glcd apply: Prepare reads and checks the manifests (every problem before
// anything reaches the cluster); Run applies them with server-side apply in dependency order,
// names field conflicts (or takes the fields with ForceConflicts), shows a server dry run's
// diff with Secret values masked, then watches the rollouts it started with package rollout.
package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/rollout"
)

// FieldManager is the server-side apply field manager glcd applies as.
const FieldManager = "glcd"

// Input is what the command line and the environment give glcd apply.
type Input struct {
	Args      []string // apply takes none: files come with -f
	Paths     []string // -f FILE|DIR; none: kubernetes/$PROJECT_NAME.yaml
	DryRun    string   // "none" (or "") or "server"
	Force     bool     // --force-conflicts
	Wait      bool     // watch the rollouts of the workloads applied
	Timeout   time.Duration
	FailAfter time.Duration
}

// Plan is a checked apply: the manifests read, in apply order, and what to do with them.
type Plan struct {
	Paths     []string
	Manifests []*Manifest
	DryRun    bool // server-side dry run: report what would change, change nothing
	// ForceConflicts takes over fields another field manager owns (kubectl's
	// --force-conflicts); without it such a conflict fails the apply, naming each field.
	ForceConflicts bool
	Wait           bool
	Timeout        time.Duration
	FailAfter      time.Duration
}

// Prepare checks in and the variables apply uses (every problem at once), then reads the
// manifests: bad input is reported before anything reaches the cluster.
func Prepare(in Input, env *ci.Env) (*Plan, error) {
	if len(in.Args) > 0 {
		return nil, exitcode.UsageError(fmt.Errorf("apply takes files with -f, not arguments (got %q)", in.Args[0]))
	}
	var probs []ci.Problem
	p := &Plan{Paths: in.Paths, ForceConflicts: in.Force, Wait: in.Wait, Timeout: in.Timeout, FailAfter: in.FailAfter}
	if len(p.Paths) == 0 {
		if env.Deploy.Project == "" {
			probs = append(probs, ci.Problem{Name: "PROJECT_NAME", Reason: "is not set and no -f FILE was given (the default is kubernetes/$PROJECT_NAME.yaml)", Hint: ci.Hint("PROJECT_NAME")})
		}
		p.Paths = []string{"kubernetes/" + env.Deploy.Project + ".yaml"}
	}
	probs = append(probs, env.SetProblems("PROJECT_NAME", "KUBECONFIG", "KUBE_NAMESPACE")...)
	switch in.DryRun {
	case "none", "":
	case "server":
		p.DryRun = true
	default:
		probs = append(probs, ci.Problem{Name: "--dry-run", Reason: fmt.Sprintf("is %q: glcd asks the server (--dry-run=server) or nothing (none)", in.DryRun)})
	}
	if err := ci.ProblemsError(probs); err != nil {
		return nil, err
	}
	var err error
	if p.Manifests, err = ReadManifests(p.Paths); err != nil {
		return nil, err
	}
	return p, nil
}

// Deps are what Run works through.
type Deps struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	Mapper  meta.ResettableRESTMapper
	// Namespace is for namespaced objects that name none: the one the kubeconfig,
	// --namespace, KUBE_NAMESPACE or PROJECT_NAME gave.
	Namespace string
	Progress  io.Writer // what each object became, the rollouts' progress
}

// Applied is one object Apply sent.
type Applied struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Action    string `json:"action"` // created, configured, unchanged
	Source    string `json:"source"` // file:document
	Diff      string `json:"diff,omitempty"`
}

func (a Applied) String() string {
	s := strings.ToLower(a.Kind) + "/" + a.Name
	if a.Namespace != "" {
		s = a.Namespace + " " + s
	}
	return s
}

// Result is what Run did.
type Result struct {
	Status   rollout.Status    `json:"status"`
	DryRun   bool              `json:"dryRun,omitempty"`
	Objects  []Applied         `json:"objects"`
	Rollouts []*rollout.Result `json:"rollouts,omitempty"`
	Duration float64           `json:"durationSeconds"`
}

// Report writes the counts of what the objects became and each rollout's report.
func (r *Result) Report(w io.Writer) {
	counts := map[string]int{}
	for _, o := range r.Objects {
		counts[o.Action]++
	}
	fmt.Fprintf(w, "applied %d objects: %d created, %d configured, %d unchanged%s\n", len(r.Objects),
		counts["created"], counts["configured"], counts["unchanged"], map[bool]string{true: " (server dry run: nothing changed)"}[r.DryRun])
	for _, ro := range r.Rollouts {
		rollout.WriteReport(w, ro)
	}
}

// Dotenv is the result as GLCD_* variables for artifacts:reports:dotenv.
func (r *Result) Dotenv() [][2]string {
	return [][2]string{{"GLCD_APPLY_STATUS", string(r.Status)}, {"GLCD_APPLIED_OBJECTS", fmt.Sprint(len(r.Objects))}}
}

// Err is the error the result ends the command with: a failed rollout (exit 1) or one that
// timed out (exit 3); nil when all went well.
func (r *Result) Err() error {
	switch r.Status {
	case rollout.StatusFailed:
		return exitcode.FailedError(errors.New("apply: a rollout failed"))
	case rollout.StatusTimeout:
		return exitcode.TimeoutError(errors.New("apply: a rollout timed out"))
	}
	return nil
}

// Manifest is one Kubernetes object read from a file, with where it came from.
type Manifest struct {
	obj    *unstructured.Unstructured
	source string
}

// Kind is the object's kind.
func (m *Manifest) Kind() string { return m.obj.GetKind() }

// installOrder puts what others depend on first: namespaces and CRDs, then policies,
// accounts, configuration and storage, then services and workloads.
var installOrder = []string{"Namespace", "CustomResourceDefinition", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume",
	"PersistentVolumeClaim", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet",
	"Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress"}

func kindRank(kind string) int {
	if i := slices.Index(installOrder, kind); i >= 0 {
		return i
	}
	return len(installOrder) // custom resources and the rest last
}

// ReadManifests reads every object of the given files and folders, in dependency order.
func ReadManifests(paths []string) ([]*Manifest, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, exitcode.UsageError(fmt.Errorf("manifests: %w", err))
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, exitcode.UsageError(fmt.Errorf("manifests: %w", err))
		}
		for _, e := range ents {
			if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	var objs []*Manifest
	for _, f := range files {
		data, err := ci.ReadFile(f)
		if err != nil {
			return nil, exitcode.UsageError(fmt.Errorf("manifests: %w", err))
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for doc := 1; ; doc++ {
			var m map[string]any
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, exitcode.UsageError(fmt.Errorf("%s: document %d: %w", f, doc, err))
			}
			if len(m) == 0 {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			src := fmt.Sprintf("%s:%d", f, doc)
			if u.IsList() {
				list, err := u.ToList()
				if err != nil {
					return nil, exitcode.UsageError(fmt.Errorf("%s: %w", src, err))
				}
				for i := range list.Items {
					objs = append(objs, &Manifest{obj: &list.Items[i], source: src})
				}
				continue
			}
			objs = append(objs, &Manifest{obj: u, source: src})
		}
	}
	var bad []string
	for _, o := range objs {
		if o.obj.GetAPIVersion() == "" || o.obj.GetKind() == "" || o.obj.GetName() == "" {
			bad = append(bad, o.source+" lacks apiVersion, kind or metadata.name")
		}
	}
	if len(bad) > 0 {
		return nil, exitcode.UsageError(errors.New(strings.Join(bad, "; ")))
	}
	if len(objs) == 0 {
		return nil, exitcode.UsageError(fmt.Errorf("no Kubernetes objects in %s", strings.Join(paths, ", ")))
	}
	slices.SortStableFunc(objs, func(a, b *Manifest) int { return kindRank(a.obj.GetKind()) - kindRank(b.obj.GetKind()) })
	return objs, nil
}

// Run applies the plan's manifests with server-side apply (field manager glcd), reports what
// each object became, then watches the rollouts of the Deployments, StatefulSets and
// DaemonSets it touched with rollout's watcher and failure report.
func Run(ctx context.Context, d Deps, opts *Plan) (*Result, error) {
	start := time.Now()
	progress := d.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := &Result{Status: rollout.StatusSuccess, DryRun: opts.DryRun}
	var workloads []rollout.Ref
	var workloadNS []string
	for _, in := range opts.Manifests {
		a, err := applyOne(ctx, d.Dynamic, d.Mapper, in, d.Namespace, opts)
		if err != nil {
			return nil, err
		}
		res.Objects = append(res.Objects, *a)
		verb := a.Action
		if opts.DryRun {
			verb += " (server dry run)"
		}
		fmt.Fprintf(progress, "%s %s\n", a, verb)
		if a.Diff != "" {
			fmt.Fprint(progress, indent(a.Diff))
		}
		if gv := in.obj.GroupVersionKind(); gv.Group == "apps" && !opts.DryRun {
			switch rollout.Kind(gv.Kind) {
			case rollout.Deployment, rollout.StatefulSet, rollout.DaemonSet:
				workloads = append(workloads, rollout.Ref{Kind: rollout.Kind(gv.Kind), Name: a.Name})
				workloadNS = append(workloadNS, a.Namespace)
			}
		}
	}
	if opts.Wait && len(workloads) > 0 {
		res.Rollouts = make([]*rollout.Result, len(workloads))
		errs := make([]error, len(workloads))
		var wg sync.WaitGroup
		for i := range workloads {
			wg.Go(func() {
				o := rollout.Options{Namespace: workloadNS[i], Workload: workloads[i], Timeout: opts.Timeout, FailAfter: opts.FailAfter, Progress: progress}
				res.Rollouts[i], errs[i] = rollout.Watch(ctx, d.Client, o)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for _, r := range res.Rollouts {
			switch {
			case r.Status == rollout.StatusFailed:
				res.Status = rollout.StatusFailed
			case r.Status == rollout.StatusTimeout && res.Status != rollout.StatusFailed:
				res.Status = rollout.StatusTimeout
			}
		}
	}
	res.Duration = time.Since(start).Seconds()
	return res, nil
}

func applyOne(ctx context.Context, dyn dynamic.Interface, mapper meta.ResettableRESTMapper, in *Manifest, namespace string, opts *Plan) (*Applied, error) {
	obj := in.obj
	gvk := obj.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	for attempt := 0; meta.IsNoMatchError(err) && attempt < 20; attempt++ {
		// a CRD applied a moment ago takes a moment to be served
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		mapper.Reset()
		mapping, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if meta.IsNoMatchError(err) {
		return nil, exitcode.UsageError(fmt.Errorf("%s: the cluster does not serve kind %s in %s", in.source, gvk.Kind, gvk.GroupVersion()))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.source, err)
	}
	var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
	ns := ""
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns = obj.GetNamespace()
		if ns == "" {
			ns = namespace
			obj.SetNamespace(ns)
		}
		ri = dyn.Resource(mapping.Resource).Namespace(ns)
	}
	a := &Applied{Kind: gvk.Kind, Namespace: ns, Name: obj.GetName(), Source: in.source}
	existing, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		existing, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: get %s: %w", in.source, a, err)
	}
	ao := metav1.ApplyOptions{FieldManager: FieldManager, Force: opts.ForceConflicts}
	if opts.DryRun {
		ao.DryRun = []string{metav1.DryRunAll}
	}
	applied, err := ri.Apply(ctx, obj.GetName(), obj, ao)
	if apierrors.IsConflict(err) && !ao.Force && onlyRolloutConflicts(err) {
		ao.Force = true // the image glcd rollout set: the manifest (kept current by writeback) wins
		applied, err = ri.Apply(ctx, obj.GetName(), obj, ao)
	}
	if err != nil {
		if apierrors.IsConflict(err) {
			return nil, exitcode.FailedError(conflictError(in.source, a.String(), err))
		}
		if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
			return nil, exitcode.UsageError(fmt.Errorf("%s: apply %s: %w", in.source, a, err))
		}
		return nil, fmt.Errorf("%s: apply %s: %w", in.source, a, err)
	}
	switch {
	case existing == nil:
		a.Action = "created"
	case existing.GetResourceVersion() == applied.GetResourceVersion() && !opts.DryRun:
		a.Action = "unchanged"
	default:
		// a new resourceVersion may only be bookkeeping (managed fields): compare the content
		d, err := diff(existing, applied)
		if err != nil {
			return nil, err
		}
		a.Action = "unchanged"
		if d != "" {
			a.Action = "configured"
		}
		if opts.DryRun {
			a.Diff = d
		}
	}
	return a, nil
}

// onlyRolloutConflicts says every field in conflict was set by glcd itself: rollout's patch
// (glcd-rollout) or another of its updates, such as an undo (client-go names those after the
// user agent, "glcd"; an apply by glcd never conflicts with itself).
func onlyRolloutConflicts(err error) bool {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Details == nil || len(se.ErrStatus.Details.Causes) == 0 {
		return false
	}
	for _, c := range se.ErrStatus.Details.Causes {
		if c.Type == metav1.CauseTypeFieldManagerConflict &&
			!strings.Contains(c.Message, `"`+rollout.FieldManager+`"`) && !strings.Contains(c.Message, `"`+FieldManager+`"`) {
			return false
		}
	}
	return true
}

// conflictError names each field another manager owns, who owns it, and the two ways out.
func conflictError(source, obj string, err error) error {
	var lines []string
	var se *apierrors.StatusError
	if errors.As(err, &se) && se.ErrStatus.Details != nil {
		for _, c := range se.ErrStatus.Details.Causes {
			if c.Type == metav1.CauseTypeFieldManagerConflict {
				lines = append(lines, fmt.Sprintf("  - %s: %s", c.Field, c.Message))
			}
		}
	}
	if len(lines) == 0 {
		lines = append(lines, "  - "+err.Error())
	}
	return fmt.Errorf("%s: apply %s: fields the manifest sets are managed by another field manager (an autoscaler, an "+
		"injector, a kubectl edit):\n%s\n  Drop these fields from the manifest to leave them to that manager, or pass "+
		"--force-conflicts (GLCD_FORCE_CONFLICTS) to take them over on every deploy", source, obj, strings.Join(lines, "\n"))
}

// diff shows how a dry-run result differs from the live object, without server bookkeeping
// and without a Secret's values.
func diff(live, dry *unstructured.Unstructured) (string, error) {
	live, dry = maskSecrets(live, dry)
	clean := func(u *unstructured.Unstructured) (string, error) {
		c := u.DeepCopy()
		for _, f := range []string{"managedFields", "resourceVersion", "generation", "creationTimestamp", "uid"} {
			unstructured.RemoveNestedField(c.Object, "metadata", f)
		}
		unstructured.RemoveNestedField(c.Object, "status")
		b, err := yaml.Marshal(c.Object)
		return string(b), err
	}
	a, err := clean(live)
	if err != nil {
		return "", err
	}
	b, err := clean(dry)
	if err != nil {
		return "", err
	}
	if a == b {
		return "", nil
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: "live", ToFile: "after apply", Context: 2})
}

// lastApplied is the annotation kubectl apply keeps the whole applied object in.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// maskSecrets replaces, as `kubectl diff` does, every value of a Secret's data and stringData
// (and its last-applied annotation) with *** when it is the same on both sides, and with
// *** (before) / *** (after) when it changes: a diff shows that a value changes, never what
// it is. Other objects are returned as they are.
func maskSecrets(live, dry *unstructured.Unstructured) (*unstructured.Unstructured, *unstructured.Unstructured) {
	if dry.GetKind() != "Secret" || dry.GroupVersionKind().Group != "" {
		return live, dry
	}
	live, dry = live.DeepCopy(), dry.DeepCopy()
	for _, field := range []string{"data", "stringData"} {
		l, _, _ := unstructured.NestedMap(live.Object, field)
		d, _, _ := unstructured.NestedMap(dry.Object, field)
		for k, dv := range d {
			lv, ok := l[k]
			switch {
			case ok && lv == dv:
				l[k], d[k] = "***", "***"
			case ok:
				l[k], d[k] = "*** (before)", "*** (after)"
			default:
				d[k] = "*** (after)"
			}
		}
		for k := range l {
			if _, ok := d[k]; !ok {
				l[k] = "*** (before)"
			}
		}
		if l != nil {
			_ = unstructured.SetNestedMap(live.Object, l, field)
		}
		if d != nil {
			_ = unstructured.SetNestedMap(dry.Object, d, field)
		}
	}
	la, da := live.GetAnnotations()[lastApplied], dry.GetAnnotations()[lastApplied]
	for _, side := range []struct {
		u    *unstructured.Unstructured
		v    string
		mark string
	}{{live, la, " (before)"}, {dry, da, " (after)"}} {
		if side.v == "" {
			continue
		}
		ann := side.u.GetAnnotations()
		ann[lastApplied] = "***"
		if la != da {
			ann[lastApplied] += side.mark
		}
		side.u.SetAnnotations(ann)
	}
	return live, dry
}

func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	return b.String()
}
