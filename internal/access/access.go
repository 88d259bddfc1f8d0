// Package access holds the Kubernetes permissions each glcd command needs, as data: the commands'
// documentation, `glcd doctor`'s SelfSubjectAccessReviews and `glcd setup robot`'s Roles all read
// these lists, so they cannot drift apart.
//
// Every rule is namespaced: glcd acts inside one namespace, so a Role (not a ClusterRole) grants
// all of it.
package access

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Command is a glcd command that talks to a cluster (or, for writeback and trigger, does not).
type Command string

// The commands with a permission list.
const (
	Rollout   Command = "rollout"
	Apply     Command = "apply"
	Writeback Command = "writeback"
	Trigger   Command = "trigger"
	Executor  Command = "executor"
)

// Commands lists every command in a stable order.
func Commands() []Command { return []Command{Rollout, Apply, Writeback, Trigger, Executor} }

// ParseCommand returns the command named s ("all" is not a command: see ParseFor).
func ParseCommand(s string) (Command, error) {
	for _, c := range Commands() {
		if string(c) == s {
			return c, nil
		}
	}
	names := make([]string, 0, 5)
	for _, c := range Commands() {
		names = append(names, string(c))
	}
	return "", fmt.Errorf("unknown command %q: want one of %s, or all", s, strings.Join(names, ", "))
}

// Rule is one resource and the verbs a command uses on it, with the reason.
type Rule struct {
	Group       string   `json:"group"` // "" is the core group
	Resource    string   `json:"resource"`
	Subresource string   `json:"subresource,omitempty"`
	Verbs       []string `json:"verbs"`
	Why         string   `json:"why"`
}

// Name is the resource as RBAC and kubectl write it: "pods/log", "deployments.apps".
func (r Rule) Name() string {
	n := r.Resource
	if r.Subresource != "" {
		n += "/" + r.Subresource
	}
	if r.Group != "" {
		n += "." + r.Group
	}
	return n
}

// workloadKinds are the kinds rollout sets images on and watches.
var workloadKinds = []string{"deployments", "statefulsets", "daemonsets"}

// rolloutRules is what internal/rollout calls: get and patch the workload (one patch sets the
// images; undo patches it back, as kubectl's rollbacker does), list+watch it, its pods and its
// revisions (ReplicaSets for Deployments, ControllerRevisions for StatefulSets and DaemonSets;
// undo lists them too), list events and read pod logs for the failure report.
func rolloutRules() []Rule { return rolloutRulesFor("") }

// rolloutRulesFor is rollout's list for a workload of one kind (deployments, statefulsets or
// daemonsets), or of any ("").
func rolloutRulesFor(kind string) []Rule {
	var rules []Rule
	for _, k := range workloadKinds {
		if kind == "" || k == kind {
			rules = append(rules, Rule{Group: "apps", Resource: k, Verbs: []string{"get", "list", "watch", "patch"},
				Why: "read the workload, set its image in one patch (and undo), watch its rollout"})
		}
	}
	if kind == "" || kind == "deployments" {
		rules = append(rules, Rule{Group: "apps", Resource: "replicasets", Verbs: []string{"list", "watch"},
			Why: "a Deployment's revisions: which pods are new, and undo"})
	}
	if kind != "deployments" {
		rules = append(rules, Rule{Group: "apps", Resource: "controllerrevisions", Verbs: []string{"list", "watch"},
			Why: "a StatefulSet's or DaemonSet's revisions: which pods are new, and undo"})
	}
	return append(rules,
		Rule{Resource: "pods", Verbs: []string{"list", "watch"}, Why: "the new revision's pods and why they fail"},
		Rule{Resource: "pods", Subresource: "log", Verbs: []string{"get"}, Why: "the last log lines of a failing container"},
		Rule{Resource: "events", Verbs: []string{"list"}, Why: "the workload's recent events in the failure report"},
	)
}

// AppliedKinds are the namespaced kinds the apply permission list covers (server-side apply:
// get, create and patch). Manifests with other kinds need more rules than `apply` lists.
var AppliedKinds = []Rule{
	{Resource: "configmaps"}, {Resource: "secrets"}, {Resource: "services"}, {Resource: "serviceaccounts"},
	{Resource: "persistentvolumeclaims"},
	{Group: "apps", Resource: "deployments"}, {Group: "apps", Resource: "statefulsets"}, {Group: "apps", Resource: "daemonsets"},
	{Group: "batch", Resource: "jobs"}, {Group: "batch", Resource: "cronjobs"},
	{Group: "networking.k8s.io", Resource: "ingresses"}, {Group: "networking.k8s.io", Resource: "networkpolicies"},
	{Group: "policy", Resource: "poddisruptionbudgets"}, {Group: "autoscaling", Resource: "horizontalpodautoscalers"},
}

// applyRules is rollout's list plus get, create and patch (server-side apply creates through a
// patch, which the API server authorizes as create too) on AppliedKinds.
func applyRules() []Rule {
	rules := rolloutRules()
	for _, k := range AppliedKinds {
		k.Verbs = []string{"get", "create", "patch"}
		k.Why = "server-side apply of manifests of this kind"
		rules = append(rules, k)
	}
	return Merge(rules)
}

// executorRules is what `glcd executor` does in the jobs' namespace (the same rules as the
// executor's examples/runner/rbac.yaml, which its tests run with): create, watch, mark and
// delete the job pods and their Secrets, and exec into the pods (get: exec over WebSocket,
// kubectl's default since 1.31; create: SPDY). Nothing cluster-wide.
func executorRules() []Rule {
	return []Rule{
		{Resource: "pods", Verbs: []string{"get", "list", "watch", "create", "delete", "patch"},
			Why: "the job's pod: create it, wait for it, release and mark it, check it is its job's, remove it (and leftovers)"},
		{Resource: "pods", Subresource: "exec", Verbs: []string{"get", "create"}, Why: "run each stage's script in the pod"},
		{Resource: "secrets", Verbs: []string{"create", "delete"}, Why: "the job's token, variables and registry login, owned by its pod; never read"},
	}
}

// WorkloadResource returns the RBAC resource of a workload kind rollout acts on (Deployment,
// deployment: deployments), or "" for another kind.
func WorkloadResource(kind string) string {
	r := strings.ToLower(kind) + "s"
	if slices.Contains(workloadKinds, r) {
		return r
	}
	return ""
}

// ForWorkload is For for a command that acts on a workload of one kind (its RBAC resource,
// such as deployments): rollout then needs that kind's rules only. "" is any kind, as For.
// apply's list stays whole: its manifests decide the kinds.
func ForWorkload(c Command, resource string) []Rule {
	if c == Rollout {
		return rolloutRulesFor(resource)
	}
	return For(c)
}

// For returns the permissions a command needs in its namespace. writeback and trigger use no
// cluster at all (git and the GitLab API only), so their lists are empty.
func For(c Command) []Rule {
	switch c {
	case Rollout:
		return rolloutRules()
	case Apply:
		return applyRules()
	case Executor:
		return executorRules()
	}
	return nil
}

// Merge joins rules on the same resource (their verbs and reasons), keeping the first one's place.
func Merge(rules []Rule) []Rule {
	var out []Rule
	idx := map[string]int{}
	for _, r := range rules {
		k := r.Group + "|" + r.Resource + "|" + r.Subresource
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			r.Verbs = slices.Clone(r.Verbs)
			out = append(out, r)
			continue
		}
		for _, v := range r.Verbs {
			if !slices.Contains(out[i].Verbs, v) {
				out[i].Verbs = append(out[i].Verbs, v)
			}
		}
		if r.Why != "" && !strings.Contains(out[i].Why, r.Why) {
			out[i].Why += "; " + r.Why
		}
	}
	return out
}

// Union is the merged list of several commands.
func Union(cmds ...Command) []Rule {
	var all []Rule
	for _, c := range cmds {
		all = append(all, For(c)...)
	}
	return Merge(all)
}

// PolicyRules turns rules into RBAC policy rules for a Role: one per resource.
func PolicyRules(rules []Rule) []rbacv1.PolicyRule {
	out := make([]rbacv1.PolicyRule, 0, len(rules))
	for _, r := range rules {
		res := r.Resource
		if r.Subresource != "" {
			res += "/" + r.Subresource
		}
		out = append(out, rbacv1.PolicyRule{APIGroups: []string{r.Group}, Resources: []string{res}, Verbs: slices.Clone(r.Verbs)})
	}
	return out
}

// Grant is one verb on one resource: the unit a SelfSubjectAccessReview checks.
type Grant struct {
	Group, Resource, Subresource, Verb string
}

// String reads like RBAC's own messages: `patch deployments.apps`, `get pods/log`.
func (g Grant) String() string {
	return g.Verb + " " + Rule{Group: g.Group, Resource: g.Resource, Subresource: g.Subresource}.Name()
}

// Grants flattens rules into single verbs.
func Grants(rules []Rule) []Grant {
	var out []Grant
	for _, r := range rules {
		for _, v := range r.Verbs {
			out = append(out, Grant{Group: r.Group, Resource: r.Resource, Subresource: r.Subresource, Verb: v})
		}
	}
	return out
}

// Without returns rules less one grant (rules left without verbs are dropped): the tests use it
// to prove every grant is needed.
func Without(rules []Rule, g Grant) []Rule {
	var out []Rule
	for _, r := range rules {
		if r.Group == g.Group && r.Resource == g.Resource && r.Subresource == g.Subresource {
			r.Verbs = slices.DeleteFunc(slices.Clone(r.Verbs), func(v string) bool { return v == g.Verb })
			if len(r.Verbs) == 0 {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}
