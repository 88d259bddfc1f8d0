package access_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/testbed"
)

var (
	tb   *testbed.Cluster
	glcd string
)

func TestMain(m *testing.M) {
	os.Exit(testbed.MainWithGLCD(m, &tb, &glcd, testbed.ImportAppImages))
}

func TestListsAreWellFormed(t *testing.T) {
	for _, c := range access.Commands() {
		rules := access.For(c)
		if (c == access.Writeback || c == access.Trigger) != (len(rules) == 0) {
			t.Errorf("%s: %d rules", c, len(rules))
		}
		seen := map[string]bool{}
		for _, r := range rules {
			if len(r.Verbs) == 0 || r.Why == "" || seen[r.Name()] {
				t.Errorf("%s: rule %+v: no verbs, no reason, or twice", c, r)
			}
			seen[r.Name()] = true
		}
	}
	// apply is rollout's list and more
	apply := access.Grants(access.For(access.Apply))
	for _, g := range access.Grants(access.For(access.Rollout)) {
		found := false
		for _, a := range apply {
			found = found || a == g
		}
		if !found {
			t.Errorf("apply lacks rollout's %s", g)
		}
	}
	pr := access.PolicyRules([]access.Rule{{Resource: "pods", Subresource: "log", Verbs: []string{"get"}}})
	if len(pr) != 1 || pr[0].Resources[0] != "pods/log" || pr[0].APIGroups[0] != "" {
		t.Errorf("policy rule %+v", pr)
	}
}

// scenario is one real use of glcd rollout; need says which grants it exercises.
type scenario struct {
	name  string
	setup func(t *testing.T, ns string)
	args  []string
	code  int // exit code with the full list
	want  string
	need  func(g access.Grant) bool
}

var scenarios = []scenario{
	{
		name:  "deployment",
		setup: func(t *testing.T, ns string) { workload(t, ns, "deployment", "testbed.local/app:1") },
		args:  []string{"rollout", "deployment/web", "--image", "testbed.local/app:2"},
		code:  0, want: "deployment/web rolled out testbed.local/app:2",
		need: func(g access.Grant) bool {
			return g.Resource == "deployments" || g.Resource == "replicasets" || g.Resource == "pods" && g.Subresource == ""
		},
	},
	{
		name:  "deployment-crash-undo",
		setup: func(t *testing.T, ns string) { workload(t, ns, "deployment", "testbed.local/app:1") },
		args:  []string{"rollout", "deployment/web", "--image", "testbed.local/app:crash", "--undo-on-failure"},
		code:  1, want: "boom: cannot open database",
		need: func(g access.Grant) bool { return g.Resource == "events" || g.Subresource == "log" },
	},
	{
		name:  "statefulset",
		setup: func(t *testing.T, ns string) { workload(t, ns, "statefulset", "testbed.local/app:1") },
		args:  []string{"rollout", "statefulset/web", "--image", "testbed.local/app:2"},
		code:  0, want: "statefulset/web rolled out testbed.local/app:2",
		need: func(g access.Grant) bool { return g.Resource == "statefulsets" || g.Resource == "controllerrevisions" },
	},
	{
		name:  "daemonset",
		setup: func(t *testing.T, ns string) { workload(t, ns, "daemonset", "testbed.local/app:1") },
		args:  []string{"rollout", "daemonset/web", "--image", "testbed.local/app:2"},
		code:  0, want: "daemonset/web rolled out testbed.local/app:2",
		need: func(g access.Grant) bool { return g.Resource == "daemonsets" },
	},
}

// TestRolloutListIsExactlyEnough proves the rollout list both ways on the real API server: a
// ServiceAccount whose Role is generated from it rolls out (and fails fast, and undoes) every
// workload kind, and without any single verb of it the command fails with "forbidden" naming it.
func TestRolloutListIsExactlyEnough(t *testing.T) {
	rules := access.For(access.Rollout)
	t.Run("full", func(t *testing.T) {
		for _, sc := range scenarios {
			for _, mode := range []string{"streaming", "plain"} {
				t.Run(sc.name+"-"+mode, func(t *testing.T) {
					t.Parallel()
					ns := tb.Namespace(t)
					sc.setup(t, ns)
					out, code := rollout(t, ns, robot(t, ns, rules), mode, sc.args...)
					if code != sc.code || !strings.Contains(out, sc.want) || strings.Contains(out, "forbidden") {
						t.Fatalf("exit %d (want %d), want %q and no forbidden:\n%s", code, sc.code, sc.want, out)
					}
					if sc.code == 1 && !strings.Contains(out, "undo: deployment/web rolled out") {
						t.Fatalf("undo did not roll back:\n%s", out)
					}
				})
			}
		}
	})
	sem := make(chan struct{}, 3)
	t.Run("without", func(t *testing.T) {
		for _, g := range access.Grants(rules) {
			t.Run(strings.ReplaceAll(g.String(), " ", "_"), func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				var sc *scenario
				for i := range scenarios {
					if scenarios[i].need(g) {
						sc = &scenarios[i]
						break
					}
				}
				if sc == nil {
					t.Fatalf("no scenario exercises %s: is it needed?", g)
				}
				ns := tb.Namespace(t)
				sc.setup(t, ns)
				token := robot(t, ns, access.Without(rules, g))
				out, code := rollout(t, ns, token, "plain", sc.args...)
				res := g.Resource
				if g.Subresource != "" {
					res += "/" + g.Subresource
				}
				want := fmt.Sprintf("cannot %s resource %q", g.Verb, res)
				if code == 0 || !strings.Contains(out, "forbidden") || !strings.Contains(out, want) {
					t.Fatalf("without %s: exit %d, want a failure saying %q:\n%s", g, code, want, out)
				}
				// and glcd doctor names exactly that permission
				out, code = run(t, ns, token, "", "doctor", "--for", "rollout")
				wantDenied := fmt.Sprintf("1 of %d permissions denied", len(access.Grants(rules)))
				if code != 1 || !strings.Contains(out, wantDenied) || !strings.Contains(out, "    denied: "+g.String()+"\n") {
					t.Fatalf("doctor without %s: exit %d, want %q and %q:\n%s", g, code, wantDenied, "denied: "+g.String(), out)
				}
			})
		}
	})
}

// rollout runs the built glcd as the robot. listMode "plain" switches off client-go's streaming
// lists (KUBE_FEATURE_WatchListClient=false), as against API servers that do not offer them:
// informers then LIST first, so the list verbs are needed.
func rollout(t *testing.T, ns, token, listMode string, args ...string) (string, int) {
	t.Helper()
	return run(t, ns, token, listMode, append(args, "--fail-after", "1s", "--timeout", "90s")...)
}

// run runs the built glcd with the robot's KUBE_URL/KUBE_TOKEN/KUBE_CA_PEM.
func run(t *testing.T, ns, token, listMode string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, glcd, args...)
	ca, err := os.ReadFile(filepath.Join(tb.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "KUBE_URL=https://" + net.JoinHostPort(tb.NodeIP, "6443"),
		"KUBE_TOKEN=" + token, "KUBE_CA_PEM=" + string(ca), "KUBE_NAMESPACE=" + ns}
	if listMode == "plain" {
		cmd.Env = append(cmd.Env, "KUBE_FEATURE_WatchListClient=false")
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), token) {
		t.Fatal("the token leaked")
	}
	return string(out), code
}

// robot is a ServiceAccount bound to a Role of exactly rules; it returns its token.
func robot(t *testing.T, ns string, rules []access.Rule) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := tb.Client
	if _, err := c.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "robot"}, Rules: access.PolicyRules(rules)}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "robot"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "robot"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "robot", Namespace: ns}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := c.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "robot", &authnv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

// workload creates kind/web with one pod running image and waits until it is rolled out.
func workload(t *testing.T, ns, kind, image string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	one := int32(1)
	zero := int64(0)
	labels := map[string]string{"app": "web"}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
		TerminationGracePeriodSeconds: &zero,
		Containers: []corev1.Container{{Name: "web", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, InitialDelaySeconds: 1, PeriodSeconds: 1}}}}}
	meta := metav1.ObjectMeta{Name: "web", Namespace: ns}
	apps := tb.Client.AppsV1()
	var err error
	switch kind {
	case "deployment":
		_, err = apps.Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
	case "statefulset":
		_, err = apps.StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Replicas: &one, Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
	case "daemonset":
		_, err = apps.DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tb.Kubectl(ctx, "-n", ns, "rollout", "status", kind+"/web", "--timeout=90s"); err != nil {
		t.Fatalf("initial rollout: %v\n%s", err, out)
	}
}
