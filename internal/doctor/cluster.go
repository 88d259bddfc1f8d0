package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/kube"
	"gitlab.com/glcd/glcd/internal/podstatus"
	"gitlab.com/glcd/glcd/internal/rollout"
)

// cluster runs checks 2 to 7; each runs only when the one before it passed.
func (d *run) cluster(ctx context.Context) {
	if !d.kubeconfig() {
		d.skip("network, tls, authentication, authorization, namespace, workload", "no cluster configuration")
		return
	}
	host, ok := d.network(ctx)
	if !ok {
		d.skip("tls, authentication, authorization, namespace, workload", "the API server cannot be reached")
		return
	}
	if !d.tls(ctx, host) {
		d.skip("authentication, authorization, namespace, workload", "TLS failed")
		return
	}
	cfg := rest.CopyConfig(d.target.Config)
	cfg.Timeout = d.opts.StepTimeout
	cfg.QPS, cfg.Burst = 200, 200
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		d.add(Result{Check: CheckAuthentication, Status: Fail, Evidence: fmt.Sprintf("kubernetes client: %v", err)})
		return
	}
	if !d.authentication(ctx, cs) {
		d.skip("authorization, namespace, workload", "authentication failed")
		return
	}
	d.authorization(ctx, cs)
	d.namespaceAndWorkload(ctx, cs)
}

func (d *run) skip(checks, why string) {
	d.add(Result{Check: checks, Status: Skip, Evidence: "skipped: " + why})
}

// kubeconfig is check 2: where the configuration comes from and why, via internal/kube itself.
func (d *run) kubeconfig() bool {
	var ok bool
	d.add(timed(func() Result {
		env := d.opts.Env
		var warn bytes.Buffer
		ko := d.opts.Kube
		ko.Warn = &warn
		t, err := kube.Resolve(ko, env)
		path, pathSource := d.opts.Kube.Kubeconfig, "--kubeconfig"
		if path == "" && env.Kube.Config != "" {
			path, pathSource = env.Kube.Config, "KUBECONFIG"
		}
		var contexts []string
		var current string
		if path != "" {
			if raw, lerr := loadRaw(path); lerr == nil {
				for n := range raw.Contexts {
					contexts = append(contexts, n)
				}
				slices.Sort(contexts)
				current = raw.CurrentContext
			}
		}
		if err != nil {
			return Result{Check: CheckKubeconfig, Status: Fail, Evidence: firstLine(err.Error()),
				Details: contextDetails(contexts), Fix: kubeconfigFix(err, path, pathSource, contexts, d.opts.Kube.Context, env)}
		}
		d.target, d.cfg = t, t.Config
		d.opts.Masker.Add(ci.NewSecret(t.Config.BearerToken), ci.NewSecret(t.Config.Password))
		ok = true
		ev := fmt.Sprintf("%s, server %s", t.Source, t.Config.Host)
		if t.Context != "" {
			why := "the kubeconfig's current-context"
			switch {
			case d.opts.Kube.Context != "":
				why = "--context / KUBE_CONTEXT"
			case env.Kube.Context != "":
				why = "KUBE_CONTEXT"
			case current == "":
				why = "the only context"
			}
			ev += fmt.Sprintf(" (context chosen by %s)", why)
		}
		ns, nsFrom := t.Namespace, t.NamespaceSource
		ev += fmt.Sprintf("; namespace %s (from %s)", ns, nsFrom)
		r := Result{Check: CheckKubeconfig, Status: OK, Evidence: ev, Details: contextDetails(contexts)}
		if w := strings.TrimSpace(warn.String()); w != "" {
			r.Status = Warn
			r.Details = append(r.Details, strings.Split(w, "\n")...)
		}
		return r
	}))
	return ok
}

func contextDetails(contexts []string) []string {
	if len(contexts) == 0 {
		return nil
	}
	return []string{"contexts: " + strings.Join(contexts, ", ")}
}

func loadRaw(paths string) (*clientcmdapi.Config, error) {
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(paths)}
	return rules.Load()
}

func kubeconfigFix(err error, path, pathSource string, contexts []string, ctxFlag string, env *ci.Env) string {
	msg := err.Error()
	var ve *ci.VarsError
	switch {
	case errors.As(err, &ve):
		var names []string
		for _, p := range ve.Problems {
			names = append(names, p.Name+" "+p.Reason)
		}
		return strings.Join(names, "; ") + ": " + ci.Hint(ve.Problems[0].Name)
	case strings.Contains(msg, "no current-context"):
		return fmt.Sprintf("the kubeconfig has %d contexts and none is selected (GitLab writes one per agent): set KUBE_CONTEXT under the job's `variables:` to one of: %s",
			len(contexts), strings.Join(contexts, ", "))
	case strings.Contains(msg, "is not in"):
		want := ctxFlag
		if want == "" {
			want = env.Kube.Context
		}
		return fmt.Sprintf("context %q is not in the kubeconfig; set KUBE_CONTEXT to one it has (%s). An agent's context (path/to/agent-project:agent-name) "+
			"exists only when the agent's config file lists this project or group under ci_access", want, list(contexts))
	case path != "":
		return fmt.Sprintf("%s must name a readable kubeconfig file; with GitLab agents, GitLab writes it for jobs that declare `environment:`", pathSource)
	}
	return "correct the cluster configuration named above"
}

// network is check 3: DNS and TCP to the API server, each with its time and own timeout.
func (d *run) network(ctx context.Context) (hostport string, ok bool) {
	d.add(timed(func() Result {
		u, err := url.Parse(d.cfg.Host)
		if err != nil || u.Host == "" {
			u, err = url.Parse("https://" + d.cfg.Host)
		}
		if err != nil || u.Hostname() == "" {
			return Result{Check: CheckNetwork, Status: Fail, Evidence: fmt.Sprintf("server %q is not a URL", d.cfg.Host),
				Fix: "the server must be the API server's https URL with its port, such as https://203.0.113.7:6443"}
		}
		host, port := u.Hostname(), u.Port()
		explicit := port != ""
		if !explicit {
			port = "443"
			if u.Scheme == "http" {
				port = "80"
			}
		}
		var ev []string
		if net.ParseIP(host) == nil {
			rctx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
			t := time.Now()
			addrs, err := net.DefaultResolver.LookupHost(rctx, host)
			cancel()
			if err != nil {
				return Result{Check: CheckNetwork, Status: Fail, Evidence: fmt.Sprintf("DNS: %s does not resolve (%v, %s)", host, err, since(t)),
					Fix: fmt.Sprintf("use a host name the runner can resolve, or the API server's IP address, in the server URL (%s)", d.target.Source)}
			}
			ev = append(ev, fmt.Sprintf("DNS %s -> %s (%s)", host, strings.Join(addrs, ", "), since(t)))
		}
		addr := net.JoinHostPort(host, port)
		t := time.Now()
		if err := d.dial(ctx, addr); err != nil {
			r := Result{Check: CheckNetwork, Status: Fail, Evidence: strings.Join(append(ev, fmt.Sprintf("TCP %s: %v (%s)", addr, errText(err), since(t))), "; ")}
			if !explicit {
				if alt := d.answeringPort(ctx, host); alt != "" {
					r.Fix = fmt.Sprintf("the server URL %s has no port, so https means port 443, where nothing answers; the API server answers on :%s.\n"+
						"Set the port: %s://%s", d.cfg.Host, alt, u.Scheme, net.JoinHostPort(host, alt))
					if d.opts.Env.Kube.URL != "" {
						r.Fix += fmt.Sprintf(" (KUBE_URL=%s://%s)", u.Scheme, net.JoinHostPort(host, alt))
					}
					return r
				}
				r.Fix = fmt.Sprintf("the server URL has no port, so https means 443; nothing answers there nor on 6443/8443: put the API server's port in the URL (kubeadm: 6443) and check the runner may reach %s", host)
				return r
			}
			r.Fix = fmt.Sprintf("nothing answers at %s: check the address and port of the API server (kubeadm: 6443) and that the runner's network may reach it (firewall, private endpoint)", addr)
			return r
		}
		hostport, ok = addr, true
		return Result{Check: CheckNetwork, Status: OK, Evidence: strings.Join(append(ev, fmt.Sprintf("TCP %s connected (%s)", addr, since(t))), "; ")}
	}))
	return hostport, ok
}

func (d *run) dial(ctx context.Context, addr string) error {
	dctx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// answeringPort tries the API server's usual ports at once and returns the first that answers.
func (d *run) answeringPort(ctx context.Context, host string) string {
	ports := []string{"6443", "8443"}
	res := make([]bool, len(ports))
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Go(func() { res[i] = d.dial(ctx, net.JoinHostPort(host, p)) == nil })
	}
	wg.Wait()
	for i, ok := range res {
		if ok {
			return ports[i]
		}
	}
	return ""
}

func errText(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Microsecond).String() }

func firstLine(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	if rest != "" {
		return first + " " + strings.Join(strings.Fields(rest), " ")
	}
	return first
}

// authentication is check 5: who the cluster thinks we are, or why it refuses us.
func (d *run) authentication(ctx context.Context, cs kubernetes.Interface) bool {
	var ok bool
	d.add(timed(func() Result {
		method := credentialKind(d.cfg)
		actx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
		defer cancel()
		ssr, err := cs.AuthenticationV1().SelfSubjectReviews().Create(actx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err == nil {
			ok = true
			u := ssr.Status.UserInfo
			d.user = u.Username
			if v, verr := cs.Discovery().ServerVersion(); verr == nil {
				d.server = v.GitVersion
			}
			ev := fmt.Sprintf("%s (groups %s) by %s", u.Username, strings.Join(u.Groups, ", "), method)
			if d.server != "" {
				ev += "; server " + d.server
			}
			if u.Username == "system:anonymous" {
				return Result{Check: CheckAuthentication, Status: Fail, Evidence: "the API server sees no credentials: " + ev,
					Fix: "give the job a token (KUBE_TOKEN, or the kubeconfig's user) or a client certificate"}
			}
			return Result{Check: CheckAuthentication, Status: OK, Evidence: ev}
		}
		if apierrors.IsUnauthorized(err) {
			why, fix := unauthorizedReason(d.cfg, time.Now())
			return Result{Check: CheckAuthentication, Status: Fail, Evidence: "401 Unauthorized: " + why, Fix: fix}
		}
		if apierrors.IsForbidden(err) && strings.Contains(err.Error(), "system:anonymous") {
			return Result{Check: CheckAuthentication, Status: Fail, Evidence: "the API server sees no credentials (system:anonymous)",
				Fix: "give the job a token (KUBE_TOKEN, or the kubeconfig's user) or a client certificate"}
		}
		return Result{Check: CheckAuthentication, Status: Fail, Evidence: fmt.Sprintf("SelfSubjectReview by %s: %v", method, err),
			Fix: "the API server must serve authentication.k8s.io/v1 (Kubernetes 1.28 or later) and answer; see the error above"}
	}))
	return ok
}

// authorization is check 6: a SelfSubjectAccessReview for every permission of every command.
func (d *run) authorization(ctx context.Context, cs kubernetes.Interface) {
	ns := d.target.Namespace
	// rollout acts on one workload: its kind's permissions only, when the kind is known
	kind, what := "", ""
	if ref, err := rollout.ParseRef(d.workloadName()); err == nil {
		kind, what = access.WorkloadResource(string(ref.Kind)), " of "+ref.String()
	}
	for _, c := range d.opts.For {
		rules := access.ForWorkload(c, kind)
		if len(rules) == 0 {
			continue
		}
		scope := ""
		if c == access.Rollout {
			scope = what
			if kind == "" {
				scope = " of any workload (deployments, statefulsets, daemonsets)"
			}
		}
		d.add(timed(func() Result {
			grants := access.Grants(rules)
			denied := make([]string, len(grants))
			errs := make([]error, len(grants))
			sem := make(chan struct{}, 16)
			var wg sync.WaitGroup
			for i, g := range grants {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					actx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
					defer cancel()
					r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(actx, &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
						ResourceAttributes: &authzv1.ResourceAttributes{Namespace: ns, Verb: g.Verb, Group: g.Group, Resource: g.Resource, Subresource: g.Subresource},
					}}, metav1.CreateOptions{})
					switch {
					case err != nil:
						errs[i] = err
					case !r.Status.Allowed:
						denied[i] = g.String()
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				return Result{Check: CheckAuthorization, Status: Fail, Evidence: fmt.Sprintf("%s: SelfSubjectAccessReview: %v", c, firstLine(err.Error())),
					Fix: "the API server must answer SelfSubjectAccessReviews (authorization.k8s.io/v1)"}
			}
			var missing []access.Grant
			for i, g := range grants {
				if denied[i] != "" {
					missing = append(missing, g)
				}
			}
			denied = slices.DeleteFunc(denied, func(s string) bool { return s == "" })
			if len(denied) == 0 {
				return Result{Check: CheckAuthorization, Status: OK, Evidence: fmt.Sprintf("%s%s: all %d permissions granted in namespace %s", c, scope, len(grants), ns)}
			}
			return Result{Check: CheckAuthorization, Status: Fail,
				Evidence: fmt.Sprintf("%s%s: %d of %d permissions denied in namespace %s", c, scope, len(denied), len(grants), ns),
				Details:  []string{"denied: " + strings.Join(denied, ", ")},
				Fix:      fmt.Sprintf("add these rules to a Role in namespace %s bound to %s (RoleBinding):\n%s", ns, d.user, ruleLines(missing))}
		}))
	}
}

// namespaceAndWorkload is check 7.
func (d *run) namespaceAndWorkload(ctx context.Context, cs kubernetes.Interface) {
	ns, nsFrom := d.target.Namespace, d.target.NamespaceSource
	nsOK := true
	d.add(timed(func() Result {
		gctx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
		defer cancel()
		_, err := cs.CoreV1().Namespaces().Get(gctx, ns, metav1.GetOptions{})
		switch {
		case err == nil:
			return Result{Check: CheckNamespace, Status: OK, Evidence: fmt.Sprintf("%s exists (from %s)", ns, nsFrom)}
		case apierrors.IsNotFound(err):
			nsOK = false
			r := Result{Check: CheckNamespace, Status: Fail, Evidence: fmt.Sprintf("%s (from %s) does not exist", ns, nsFrom),
				Fix: fmt.Sprintf("create namespace %s, or set --namespace / KUBE_NAMESPACE (or PROJECT_NAME, the old scripts' namespace) to the workload's namespace", ns)}
			if l, err := cs.CoreV1().Namespaces().List(gctx, metav1.ListOptions{}); err == nil {
				var names []string
				for _, n := range l.Items {
					names = append(names, n.Name)
				}
				r.Details = []string{"namespaces: " + strings.Join(names, ", ")}
			}
			return r
		case apierrors.IsForbidden(err):
			return Result{Check: CheckNamespace, Status: Warn, Evidence: fmt.Sprintf("%s (from %s): cannot tell whether it exists (get namespaces is not granted: it is cluster-wide, and glcd does not need it)", ns, nsFrom)}
		}
		return Result{Check: CheckNamespace, Status: Fail, Evidence: fmt.Sprintf("%s: %v", ns, err)}
	}))
	if !nsOK || !(d.wants(access.Rollout) || d.wants(access.Apply)) {
		return
	}
	d.add(timed(func() Result { return d.workload(ctx, cs, ns) }))
}

// workloadName is the workload the job acts on: --workload, else deployment/$PROJECT_NAME,
// else "".
func (d *run) workloadName() string {
	if d.opts.Workload != "" {
		return d.opts.Workload
	}
	if p := d.opts.Env.Deploy.Project; p != "" {
		return "deployment/" + p
	}
	return ""
}

func (d *run) workload(ctx context.Context, cs kubernetes.Interface, ns string) Result {
	target := d.workloadName()
	if target == "" {
		return Result{Check: CheckWorkload, Status: Warn, Evidence: "no workload named (PROJECT_NAME is not set, no --workload): not checked"}
	}
	ref, err := rollout.ParseRef(target)
	if err != nil {
		return Result{Check: CheckWorkload, Status: Fail, Evidence: err.Error(), Fix: "name the workload as KIND/NAME: deployment/web, statefulset/db, daemonset/agent"}
	}
	gctx, cancel := context.WithTimeout(ctx, d.opts.StepTimeout)
	defer cancel()
	var tmpl *corev1.PodTemplateSpec
	var sel *metav1.LabelSelector
	var names []string
	switch ref.Kind {
	case rollout.Deployment:
		o, e := cs.AppsV1().Deployments(ns).Get(gctx, ref.Name, metav1.GetOptions{})
		if err = e; e == nil {
			tmpl, sel = &o.Spec.Template, o.Spec.Selector
		} else if l, le := cs.AppsV1().Deployments(ns).List(gctx, metav1.ListOptions{}); le == nil {
			for _, x := range l.Items {
				names = append(names, x.Name)
			}
		}
	case rollout.StatefulSet:
		o, e := cs.AppsV1().StatefulSets(ns).Get(gctx, ref.Name, metav1.GetOptions{})
		if err = e; e == nil {
			tmpl, sel = &o.Spec.Template, o.Spec.Selector
		} else if l, le := cs.AppsV1().StatefulSets(ns).List(gctx, metav1.ListOptions{}); le == nil {
			for _, x := range l.Items {
				names = append(names, x.Name)
			}
		}
	case rollout.DaemonSet:
		o, e := cs.AppsV1().DaemonSets(ns).Get(gctx, ref.Name, metav1.GetOptions{})
		if err = e; e == nil {
			tmpl, sel = &o.Spec.Template, o.Spec.Selector
		} else if l, le := cs.AppsV1().DaemonSets(ns).List(gctx, metav1.ListOptions{}); le == nil {
			for _, x := range l.Items {
				names = append(names, x.Name)
			}
		}
	}
	if apierrors.IsNotFound(err) && !d.wants(access.Rollout) {
		// glcd apply creates it: the first deploy of a scaffolded infra repo
		return Result{Check: CheckWorkload, Status: OK, Evidence: fmt.Sprintf("%s is not in namespace %s yet: glcd apply creates it", ref, ns)}
	}
	if apierrors.IsNotFound(err) {
		return Result{Check: CheckWorkload, Status: Fail, Evidence: fmt.Sprintf("%s not found in namespace %s (there: %s)", ref, ns, list(names)),
			Fix: "apply the manifest first (glcd apply), or set PROJECT_NAME / the workload argument to one that exists"}
	}
	if err != nil {
		return Result{Check: CheckWorkload, Status: Fail, Evidence: fmt.Sprintf("%s in namespace %s: %v", ref, ns, firstLine(err.Error()))}
	}
	var cs2 []string
	for _, c := range tmpl.Spec.Containers {
		cs2 = append(cs2, c.Name+"="+c.Image)
	}
	container := d.opts.Container
	from := "--container"
	if container == "" {
		container, from = d.opts.Env.Deploy.Container, "POD_NAME"
	}
	if container == "" {
		return withPodProblems(gctx, cs, ns, sel, Result{Check: CheckWorkload, Status: OK,
			Evidence: fmt.Sprintf("%s in %s: containers %s (no POD_NAME: rollout updates those whose image is in the new image's repository)", ref, ns, strings.Join(cs2, ", "))})
	}
	for _, c := range append(slices.Clone(tmpl.Spec.Containers), tmpl.Spec.InitContainers...) {
		if c.Name == container {
			return withPodProblems(gctx, cs, ns, sel, Result{Check: CheckWorkload, Status: OK,
				Evidence: fmt.Sprintf("%s in %s has container %s (%s), image %s", ref, ns, container, from, c.Image)})
		}
	}
	return Result{Check: CheckWorkload, Status: Fail,
		Evidence: fmt.Sprintf("%s in %s has no container %q (%s); it has %s", ref, ns, container, from, strings.Join(cs2, ", ")),
		Fix:      fmt.Sprintf("set %s to the container's name (one of: %s)", from, strings.Join(containerNames(tmpl), ", "))}
}

// maxPodProblems is how many of the workload's pod problems the check names; it counts the rest.
const maxPodProblems = 3

// withPodProblems warns, on a workload that is there, of what its pods show now (package
// podstatus, as a failing rollout reports it: a crash loop, a missing image, ...): a deploy
// would start from a broken revision. Pods it may not list (forbidden) are not looked at: the
// access check names what is missing.
func withPodProblems(ctx context.Context, cs kubernetes.Interface, ns string, sel *metav1.LabelSelector, r Result) Result {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		return r
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: s.String()})
	if err != nil {
		return r
	}
	var probs []string
	now := time.Now()
	for i := range pods.Items {
		found := podstatus.Classify(&pods.Items[i], now)
		if len(found) == 0 {
			found = podstatus.Crashed(&pods.Items[i]) // a crash loop between two crashes
		}
		for _, p := range found {
			probs = append(probs, p.String())
		}
	}
	if len(probs) == 0 {
		return r
	}
	r.Status = Warn
	r.Evidence += fmt.Sprintf("; its %d pods show %d problems now", len(pods.Items), len(probs))
	if len(probs) > maxPodProblems {
		probs = append(probs[:maxPodProblems], fmt.Sprintf("(%d more)", len(probs)-maxPodProblems))
	}
	r.Details = append(r.Details, probs...)
	r.Fix = "the running revision is failing: a deploy starts from it (glcd rollout reports why it fails; kubectl describe pod names the events)"
	return r
}

func containerNames(t *corev1.PodTemplateSpec) []string {
	var n []string
	for _, c := range t.Spec.Containers {
		n = append(n, c.Name)
	}
	return n
}

// ruleLines writes grants as Role rules, one resource a line: "deployments.apps: get, patch".
func ruleLines(grants []access.Grant) string {
	var rules []access.Rule
	for _, g := range grants {
		rules = append(rules, access.Rule{Group: g.Group, Resource: g.Resource, Subresource: g.Subresource, Verbs: []string{g.Verb}})
	}
	var lines []string
	for _, r := range access.Merge(rules) {
		lines = append(lines, r.Name()+": "+strings.Join(r.Verbs, ", "))
	}
	return strings.Join(lines, "\n")
}
