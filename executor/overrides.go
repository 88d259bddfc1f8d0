package executor

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"gitlab.com/glcd/glcd/internal/ci"
)

// Variables through which a job changes its pod, GitLab's Kubernetes executor's names. Each
// works only within an allow-list of the executor settings; none is allowed by default.
const (
	NodeSelectorPrefix     = "KUBERNETES_NODE_SELECTOR_"
	NodeTolerationsPrefix  = "KUBERNETES_NODE_TOLERATIONS_"
	PodLabelsPrefix        = "KUBERNETES_POD_LABELS_"
	PodAnnotationsPrefix   = "KUBERNETES_POD_ANNOTATIONS_"
	ServiceAccountVariable = "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE"
)

// reservedPrefix is the label and annotation namespace of the driver: the identity of a
// job's pod (project, job, nonce, protected) lives there, so no job may set anything in it.
const reservedPrefix = "glcd.gitlab.com/"

// overrides are what the job's KUBERNETES_* variables make of the settings' pod: the
// settings' own values with the job's allowed changes applied.
type overrides struct {
	nodeSelector   map[string]string
	tolerations    []corev1.Toleration
	labels         map[string]string
	annotations    map[string]string
	serviceAccount string
	build, helper  corev1.ResourceRequirements
	services       []corev1.ResourceRequirements
}

// jobOverrides applies the job's variables to the settings and lists every variable the
// settings do not allow, or whose value is not valid, with the allow-list that refused it.
func jobOverrides(s *Settings, j *Job) (*overrides, []string) {
	o := &overrides{
		nodeSelector: maps.Clone(s.NodeSelector), labels: maps.Clone(s.Labels), annotations: maps.Clone(s.Annotations),
		tolerations: slices.Clone(s.Tolerations), serviceAccount: s.ServiceAccount,
	}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	vals := jobValues(j, j.Variables, nil)

	allow := s.allowLists()
	// each takes key=value pairs that must match its allow-list; check says what is wrong
	// with a valid-looking pair, if anything
	for _, kv := range []struct {
		prefix, setting, what, example string
		into                           *map[string]string
		check                          func(k, val string) string
	}{
		{NodeSelectorPrefix, "nodeSelectorOverwriteAllowed", "the node selector", "kubernetes.io/arch=arm64", &o.nodeSelector, func(k, val string) string {
			return invalid("not a node label", append(validation.IsQualifiedName(k), validation.IsValidLabelValue(val)...))
		}},
		{PodLabelsPrefix, "podLabelsOverwriteAllowed", "pod labels", "team=payments", &o.labels, func(k, val string) string {
			if reserved(k) {
				return fmt.Sprintf("%s is the executor's own label (%s*, %s): a job cannot set it", k, reservedPrefix, LabelManagedBy)
			}
			return invalid("not a valid label", append(validation.IsQualifiedName(k), validation.IsValidLabelValue(val)...))
		}},
		{PodAnnotationsPrefix, "podAnnotationsOverwriteAllowed", "pod annotations", "team=payments", &o.annotations, func(k, _ string) string {
			if reserved(k) {
				return fmt.Sprintf("%s is the executor's own annotation (%s*): a job cannot set it", k, reservedPrefix)
			}
			return invalid("not a valid annotation name", validation.IsQualifiedName(k))
		}},
	} {
		for _, v := range vals.prefixed(kv.prefix) {
			value, ok := vals.expanded(v, add)
			if !ok {
				continue
			}
			if !allowedBy(allow[kv.setting], value) {
				add("%s", refusal(v, value, kv.setting, s.allowListSources()[kv.setting], kv.what))
				continue
			}
			k, val, ok := strings.Cut(value, "=")
			if !ok {
				add("%s=%q: want key=value, such as %s", v, value, kv.example)
				continue
			}
			if why := kv.check(k, val); why != "" {
				add("%s=%q: %s", v, value, why)
				continue
			}
			if *kv.into == nil {
				*kv.into = map[string]string{}
			}
			(*kv.into)[k] = val
		}
	}
	for _, v := range vals.prefixed(NodeTolerationsPrefix) {
		value, ok := vals.expanded(v, add)
		if !ok {
			continue
		}
		if !allowedBy(allow["nodeTolerationsOverwriteAllowed"], value) {
			add("%s", refusal(v, value, "nodeTolerationsOverwriteAllowed", s.NodeTolerationsOverwriteAllowed, "tolerations"))
			continue
		}
		t, err := parseToleration(value)
		if err != nil {
			add("%s=%q: %v", v, value, err)
			continue
		}
		o.tolerations = append(o.tolerations, t)
	}
	if _, ok := vals.raw[ServiceAccountVariable]; ok {
		if value, ok := vals.expanded(ServiceAccountVariable, add); ok && value != "" {
			switch {
			case !allowedBy(allow["serviceAccountOverwriteAllowed"], value):
				add("%s", refusal(ServiceAccountVariable, value, "serviceAccountOverwriteAllowed", s.ServiceAccountOverwriteAllowed, "the service account"))
			case len(validation.IsDNS1123Subdomain(value)) > 0:
				add("%s=%q: not a service account name: %s", ServiceAccountVariable, value, strings.Join(validation.IsDNS1123Subdomain(value), "; "))
			default:
				o.serviceAccount = value
			}
		}
	}

	var p []string
	o.build, p = containerResources(s.Resources, "resources", "KUBERNETES_", vals)
	problems = append(problems, p...)
	o.helper, p = containerResources(s.HelperResources, "helperResources", "KUBERNETES_HELPER_", vals)
	problems = append(problems, p...)
	for _, svc := range j.Services {
		// a service's own variables: (GitLab's per-service KUBERNETES_SERVICE_*) come first
		r, p := containerResources(s.ServiceResources, "serviceResources", "KUBERNETES_SERVICE_", jobValues(j, svc.Variables, vals))
		o.services = append(o.services, r)
		problems = append(problems, p...)
	}
	return o, problems
}

// allowedBy says whether the allow-list (compiled to match whole values) matches the value.
// A nil allow-list allows nothing.
func allowedBy(allow *regexp.Regexp, value string) bool {
	return allow != nil && allow.MatchString(value)
}

// invalid is what a validation's errors say, or "" when there are none.
func invalid(what string, errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return what + ": " + strings.Join(errs, "; ")
}

// refusal is the build failure of a value outside its allow-list.
func refusal(v, value, setting, allow, what string) string {
	if allow == "" {
		return fmt.Sprintf("%s=%q: this runner does not let jobs change %s (%s is not set in the executor settings)", v, value, what, setting)
	}
	return fmt.Sprintf("%s=%q is not allowed by this runner: the value must match %s %q", v, value, setting, allow)
}

func reserved(key string) bool {
	return strings.HasPrefix(key, reservedPrefix) || key == LabelManagedBy
}

// parseToleration reads GitLab's toleration form: key=value:Effect (Equal), key:Effect or key
// (Exists), :Effect or "" (every taint, of that effect).
func parseToleration(s string) (corev1.Toleration, error) {
	kv, effect, _ := strings.Cut(s, ":")
	t := corev1.Toleration{Key: kv, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffect(effect)}
	if k, v, ok := strings.Cut(kv, "="); ok {
		t = corev1.Toleration{Key: k, Operator: corev1.TolerationOpEqual, Value: v, Effect: t.Effect}
		if k == "" {
			return t, fmt.Errorf("key=value needs a key")
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return t, fmt.Errorf("value %q: %s", v, strings.Join(errs, "; "))
		}
	}
	if t.Key != "" {
		if errs := validation.IsQualifiedName(t.Key); len(errs) > 0 {
			return t, fmt.Errorf("key %q: %s", t.Key, strings.Join(errs, "; "))
		}
	}
	switch t.Effect {
	case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
	default:
		return t, fmt.Errorf("effect %q: want NoSchedule, PreferNoSchedule or NoExecute", t.Effect)
	}
	return t, nil
}

// values are a job's variables by name (the last definition of each wins, as in the job's
// shell), in the order they first appear, with fallback to another set (a service's
// variables fall back to the job's).
type values struct {
	j     *Job
	order []string
	raw   map[string]string
	vars  map[string]Variable
	next  *values
}

func jobValues(j *Job, vars []Variable, next *values) *values {
	v := &values{j: j, raw: map[string]string{}, vars: map[string]Variable{}, next: next}
	for _, x := range vars {
		if _, ok := v.raw[x.Key]; !ok {
			v.order = append(v.order, x.Key)
		}
		v.raw[x.Key] = x.Value
		v.vars[x.Key] = x
	}
	return v
}

// prefixed are the names with prefix, in order.
func (v *values) prefixed(prefix string) []string {
	var out []string
	for _, k := range v.order {
		if strings.HasPrefix(k, prefix) && len(k) > len(prefix) {
			out = append(out, k)
		}
	}
	return out
}

// lookup finds name here or in the fallback.
func (v *values) lookup(name string) (Variable, bool) {
	for x := v; x != nil; x = x.next {
		if val, ok := x.vars[name]; ok {
			return val, true
		}
	}
	return Variable{}, false
}

// expanded is the variable's value with $NAME and ${NAME} expanded from the job's variables,
// as GitLab does (unless the variable is raw). It refuses (reporting through add) a value
// that takes in a masked, credential or file variable, or holds a secret of the job: the
// value ends up in the pod's metadata, which whoever may list pods reads.
func (v *values) expanded(name string, add func(string, ...any)) (string, bool) {
	x, ok := v.lookup(name)
	if !ok {
		return "", false
	}
	value := x.Value
	var refused []string
	if !x.Raw {
		value = expandVars(value, func(ref string) string {
			r, ok := v.lookup(ref)
			if !ok {
				return ""
			}
			if r.Masked || r.File || !r.Public && looksSecret(r.Key) {
				refused = append(refused, ref)
				return ""
			}
			return r.Value
		})
	}
	if len(refused) > 0 {
		add("%s refers to %s: a masked, file or credential variable cannot go into the pod's labels, annotations or scheduling", name, strings.Join(refused, ", "))
		return "", false
	}
	for _, s := range v.j.Secrets() {
		if len(s) >= 4 && strings.Contains(value, s) {
			add("%s holds a secret of the job (a masked variable's value or the job token): it cannot go into the pod's metadata", name)
			return "", false
		}
	}
	return value, true
}

// containerResources applies the PREFIX{CPU,MEMORY}_{REQUEST,LIMIT} variables to a kind of
// container's resources, within its max. A request raised above the settings' limit raises
// the limit with it, unless the job set the limit too.
func containerResources(base Resources, setting, prefix string, vals *values) (corev1.ResourceRequirements, []string) {
	res := corev1.ResourceRequirements{Requests: base.Requests.DeepCopy(), Limits: base.Limits.DeepCopy()}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	jobLimit := map[corev1.ResourceName]bool{}
	for _, rv := range resourceVariables {
		key := prefix + rv.suffix
		v, ok := vals.expanded(key, add)
		if !ok || v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			add("%s=%q is not a Kubernetes quantity (such as 500m, 2, 1Gi)", key, v)
			continue
		}
		max, ok := base.Max[rv.resource]
		if !ok {
			add("%s: this runner does not let jobs set %s (%s.max.%s in the executor settings)", key, rv.resource, setting, rv.resource)
			continue
		}
		if q.Cmp(max) > 0 {
			add("%s=%s is above this runner's maximum %s (%s.max.%s)", key, v, max.String(), setting, rv.resource)
			continue
		}
		list := &res.Requests
		if rv.limit {
			list = &res.Limits
			jobLimit[rv.resource] = true
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[rv.resource] = q
	}
	for _, r := range jobResources {
		req, hasReq := res.Requests[r]
		lim, hasLim := res.Limits[r]
		if !hasReq || !hasLim || req.Cmp(lim) <= 0 {
			continue
		}
		if !jobLimit[r] {
			res.Limits[r] = req.DeepCopy()
			continue
		}
		add("%s%s request %s is above its limit %s", prefix, strings.ToUpper(string(r)), req.String(), lim.String())
	}
	return res, problems
}

// looksSecret says whether a variable's name says it holds a credential.
func looksSecret(name string) bool { return ci.LooksSecret(name) }

// expandVars expands $NAME and ${NAME} as GitLab expands a variable's value; $$ is a $.
func expandVars(s string, mapping func(string) string) string {
	return os.Expand(s, func(name string) string {
		if name == "$" {
			return "$"
		}
		return mapping(name)
	})
}
