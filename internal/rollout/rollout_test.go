package rollout_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/podstatus"
	"gitlab.com/glcd/glcd/internal/rollout"
	"gitlab.com/glcd/glcd/internal/testbed"
)

func TestRolloutSucceeds(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 2, true, podSpec("testbed.local/app:1"))
	dotenv := filepath.Join(t.TempDir(), "deploy.env")
	out, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--output", "json", "--dotenv", dotenv)
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "section_start:", "deployment/web: set image testbed.local/app:2 on containers [web]", "2/2 updated, 2 available",
		"deployment/web rolled out testbed.local/app:2", "(revision 2)")
	var res rollout.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if res.Status != rollout.StatusSuccess || res.Revision != 2 || res.Workload != "deployment/web" || res.Namespace != ns || res.Image != "testbed.local/app:2" {
		t.Fatalf("result %+v", res)
	}
	if got := deployedImage(t, ns); got != "testbed.local/app:2" {
		t.Fatalf("image %s", got)
	}
	env, _ := os.ReadFile(dotenv)
	wantIn(t, string(env), "GLCD_ROLLOUT_STATUS=success\n", "GLCD_DEPLOYED_IMAGE=testbed.local/app:2\n", "GLCD_REVISION=2\n")
	// kubectl rollout history tells who deployed what
	hist, err := tb.Kubectl(ctxT(t), "-n", ns, "rollout", "history", "deployment/web")
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, string(hist), "glcd rollout testbed.local/app:2, job https://gitlab.example.com/g/app-infra/-/jobs/42, commit c0ffeec0ffee")
}

func TestRolloutUnchangedImageStillWaits(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	_, errOut, code := glcd(t, nil, "rollout", "web", "--image", "testbed.local/app:1", nsArg(ns))
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "already run testbed.local/app:1", "deployment/web unchanged: already at testbed.local/app:1; rollout complete (revision 1)")
	rs, err := tb.Client.AppsV1().ReplicaSets(ns).List(ctxT(t), metav1.ListOptions{})
	if err != nil || len(rs.Items) != 1 {
		t.Fatalf("an unchanged image must not create a revision: %v, %d replica sets", err, len(rs.Items))
	}
}

func TestOldContractVariables(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	// the old rollout-update script: the namespace is PROJECT_NAME, the container POD_NAME
	_, errOut, code := glcd(t, []string{"PROJECT_NAME=" + ns, "POD_NAME=web", "IMAGE_NAME=testbed.local/app", "TARGET_IMAGE_VERSION=2"}, "rollout", "deployment/web")
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "glcd rollout deployment/web in namespace "+ns+": testbed.local/app:2")
	_, errOut, code = glcd(t, []string{"POD_NAME=web"}, "rollout")
	wantCode(t, code, 2, errOut)
	wantIn(t, errOut, "3 environment variables are missing or invalid", "IMAGE_NAME", "PROJECT_NAME", "TARGET_IMAGE_VERSION")
}

func TestCrashLoopFailsFastWithLogs(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
	start := time.Now()
	out, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:crash", nsArg(ns), "-o", "json")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "deployment/web FAILED", "CrashLoopBackOff (exit code 3", "events:", "Started",
		"log of the crashed run of pod/", "| boom: cannot open database", "rollout failed: CrashLoopBackOff")
	var res rollout.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != rollout.StatusFailed || res.Reason != podstatus.CrashLoopBackOff || len(res.Pods) == 0 || res.Pods[0].ExitCode == nil || *res.Pods[0].ExitCode != 3 {
		t.Fatalf("result %+v", res)
	}
	t.Logf("crash loop reported %s after the patch", time.Since(start).Round(time.Millisecond))
}

func TestMissingImageFailsAtOnce(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--container", "web", "--image", testbed.Registry+"/app:9.9.9", nsArg(ns), "--fail-after", "1h")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "ImageNotFound", testbed.Registry+"/app:9.9.9: not found")

	// missing credentials are definitive too
	_, errOut, code = glcd(t, nil, "rollout", "deployment/web", "--container", "web", "--image", testbed.RegistryAuth+"/app:1", nsArg(ns), "--fail-after", "1h")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "ImagePullUnauthorized", "401 Unauthorized", "imagePullSecret")
}

func TestUnreachableRegistryGetsAGrace(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	start := time.Now()
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--container", "web", "--image", "registry.example.com/g/app:2", nsArg(ns), "--fail-after", "2s")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "ErrImagePull", "network is unreachable")
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("a network pull error failed after %s, before its --fail-after grace", took)
	}
}

func TestMissingConfigMapIsNamed(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	// the new revision needs a ConfigMap nobody created
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","envFrom":[{"configMapRef":{"name":"web-settings"}}]}]}}}}`
	patchDeployment(t, ns, patch)
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1s")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "CreateContainerConfigError", `configmap "web-settings" not found`)
}

func TestUnschedulableShowsTheSchedulersMessage(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","resources":{"requests":{"cpu":"500"}}}]}}}}`
	patchDeployment(t, ns, patch)
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1s")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "Unschedulable", "Insufficient cpu")
}

func TestReadinessNeverReached(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","readinessProbe":{"exec":{"command":["false"]},"periodSeconds":1,"failureThreshold":1}}]}}}}`
	patchDeployment(t, ns, patch)
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1s")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "ReadinessNeverReached", "never ready")
}

func TestProgressDeadlineExceeded(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"), func(d *appsv1.Deployment) {
		deadline := int32(3)
		d.Spec.ProgressDeadlineSeconds = &deadline
	})
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","readinessProbe":{"exec":{"command":["false"]},"periodSeconds":1}}]}}}}`
	patchDeployment(t, ns, patch)
	// with pod-level failures held back for an hour, only the controller's deadline can end it
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1h")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "ProgressDeadlineExceeded", "exceeded its progress deadline")
}

func TestTimeoutReportsWhatIsPending(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","readinessProbe":{"exec":{"command":["false"]},"periodSeconds":1}}]}}}}`
	patchDeployment(t, ns, patch)
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1h", "--timeout", "4s")
	wantCode(t, code, 3, errOut)
	wantIn(t, errOut, "TIMED OUT", "still not ready: pod/web-", "rollout timed out")
}

func TestUndoOnFailure(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
	out, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:crash", nsArg(ns), "--undo-on-failure", "-o", "json")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "CrashLoopBackOff", "undo: deployment/web rolled back", "undo: deployment/web rolled out testbed.local/app:1")
	var res rollout.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Undo == nil || res.Undo.Status != rollout.StatusSuccess || res.Undo.Revision != 3 {
		t.Fatalf("undo result %+v", res.Undo)
	}
	if got := deployedImage(t, ns); got != "testbed.local/app:1" {
		t.Fatalf("after undo the image is %s", got)
	}
}

func TestBadTargets(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", func(s *corev1.PodSpec) {
		s.InitContainers = []corev1.Container{{Name: "migrate", Image: "testbed.local/busybox:1", Command: []string{"true"}}}
	}), func(d *appsv1.Deployment) {})
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"deployment/web", "--container", "nope", "--image", "testbed.local/app:2"},
			[]string{`deployment/web has no container named "nope"; its containers: migrate (init, testbed.local/busybox:1), web (testbed.local/app:1)`}},
		{[]string{"deployment/web", "--image", "other.example.com/x:2"},
			[]string{"has no container with an image in other.example.com/x"}},
		{[]string{"deployment/nope", "--image", "testbed.local/app:2"},
			[]string{"deployment/nope not found in namespace " + ns, "deployments there: web"}},
		{[]string{"deployment/web", "--image", "testbed.local/app:2", "--namespace", "no-such-ns"},
			[]string{`namespace "no-such-ns" does not exist`}},
		{[]string{"deployment/web", "--image", "testbed.local/App:2"},
			[]string{`image "testbed.local/App:2"`}},
		{[]string{"cronjob/web", "--image", "testbed.local/app:2"},
			[]string{`kind "cronjob" is not one of deployment, statefulset, daemonset`}},
	}
	for _, c := range cases {
		args := append([]string{"rollout"}, c.args...)
		if !strings.Contains(strings.Join(c.args, " "), "--namespace") {
			args = append(args, nsArg(ns))
		}
		_, errOut, code := glcd(t, nil, args...)
		wantCode(t, code, 2, errOut)
		wantIn(t, errOut, c.want...)
	}
	if got := deployedImage(t, ns); got != "testbed.local/app:1" {
		t.Fatalf("a refused rollout changed the image to %s", got)
	}
}

func TestStatefulSetAndDaemonSet(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	one := int32(2)
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec:       appsv1.StatefulSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels("web")}, Template: podSpec("testbed.local/app:1", readyProbe)},
	}
	if _, err := tb.Client.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec:       appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}}, Template: podSpec("testbed.local/app:1")},
	}
	ds.Spec.Template.Labels = map[string]string{"app": "agent"}
	if _, err := tb.Client.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"statefulset/db", "daemonset/agent"} {
		if out, err := tb.Kubectl(ctx, "-n", ns, "rollout", "status", w, "--timeout=90s"); err != nil {
			t.Fatalf("initial rollout of %s: %v\n%s", w, err, out)
		}
	}
	_, errOut, code := glcd(t, nil, "rollout", "sts/db", "--image", "testbed.local/app:2", nsArg(ns))
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "statefulset/db rolled out testbed.local/app:2", "2/2 updated, 2/2 ready", "(revision 2)")
	_, errOut, code = glcd(t, nil, "rollout", "ds/agent", "--image", "testbed.local/app:2", nsArg(ns))
	wantCode(t, code, 0, errOut)
	wantIn(t, errOut, "daemonset/agent rolled out testbed.local/app:2", "1/1 updated, 1/1 available", "(revision 2)")
	// and a crash in a StatefulSet's new revision fails fast there too
	_, errOut, code = glcd(t, nil, "rollout", "sts/db", "--image", "testbed.local/app:crash", nsArg(ns))
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "statefulset/db FAILED", "CrashLoopBackOff (exit code 3")
}

func TestWatchSurvivesAPIServerRestart(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	// the new revision becomes ready only after 12 s, long enough to restart the API server meanwhile
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","readinessProbe":{"exec":{"command":["true"]},"initialDelaySeconds":12,"periodSeconds":1,"timeoutSeconds":10}}]}}}}`
	patchDeployment(t, ns, patch)
	if out, err := tb.Kubectl(ctxT(t), "-n", ns, "rollout", "status", "deployment/web", "--timeout=90s"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1s")
		done <- result{errOut, code}
	}()
	// restart once the new revision exists, that is while glcd is watching it
	ctx := ctxT(t)
	w, err := tb.Client.AppsV1().ReplicaSets(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range w.ResultChan() {
		if rs, ok := ev.Object.(*appsv1.ReplicaSet); ok && rs.Annotations["deployment.kubernetes.io/revision"] == "3" {
			break
		}
	}
	w.Stop()
	restarted := time.Now()
	if err := tb.RestartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("API server back after %s", time.Since(restarted).Round(time.Millisecond))
	select {
	case r := <-done:
		wantCode(t, r.code, 0, r.errOut)
		wantIn(t, r.errOut, "deployment/web rolled out testbed.local/app:2", "(revision 3)")
	case <-ctx.Done():
		t.Fatal("glcd did not finish")
	}
}

// A crash of the API server (SIGKILL, back 3 s later) while glcd watches a failing rollout:
// glcd reconnects and still reports the crash loop, with the same reasons.
func TestWatchSurvivesAPIServerCrashAndReportsTheFailure(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		// the crash loop is a failure once it has lasted 8 s: the outage falls inside that
		_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:crash", nsArg(ns), "--fail-after", "8s")
		done <- result{errOut, code}
	}()
	ctx := ctxT(t)
	w, err := tb.Client.AppsV1().ReplicaSets(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range w.ResultChan() {
		if rs, ok := ev.Object.(*appsv1.ReplicaSet); ok && rs.Annotations["deployment.kubernetes.io/revision"] == "2" {
			break
		}
	}
	w.Stop()
	if err := tb.Outage(ctx, "kube-apiserver", syscall.SIGKILL, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		wantCode(t, r.code, 1, r.errOut)
		wantIn(t, r.errOut, "deployment/web FAILED", "CrashLoopBackOff (exit code 3", "rollout failed: CrashLoopBackOff")
		if strings.Contains(r.errOut, "UnhandledError") || strings.Contains(r.errOut, "] \"") {
			t.Errorf("client-go's own log lines reached the report:\n%s", r.errOut)
		}
	case <-ctx.Done():
		t.Fatal("glcd did not finish")
	}
}

func TestRolloutUpdateScriptDropIn(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	glcdBin := buildGLCD(t)
	var cmdArgs []string
	run := func(env ...string) (string, int) {
		cmd := exec.Command("sh", append([]string{"../../scripts/rollout-update"}, cmdArgs...)...)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "GLCD=" + glcdBin, "KUBECONFIG=" + tb.Kubeconfig, "CI_JOB_TOKEN=" + jobToken}, env...)
		out, _ := cmd.CombinedOutput()
		if strings.Contains(string(out), jobToken) {
			t.Fatalf("token leaked: %s", out)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := run("PROJECT_NAME=" + ns)
	wantCode(t, code, 2, out)
	wantIn(t, out, "IMAGE_NAME", "TARGET_IMAGE_VERSION")
	// the old script's variables; the namespace is PROJECT_NAME, as it was
	out, code = run("PROJECT_NAME="+ns, "POD_NAME=web", "IMAGE_NAME=testbed.local/app", "TARGET_IMAGE_VERSION=2")
	wantCode(t, code, 2, out)
	wantIn(t, out, "deployment/"+ns+" not found in namespace "+ns, "deployments there: web")
	// extra arguments go to glcd rollout: here the workload, named otherwise than the project
	cmdArgs = []string{"deployment/web"}
	out, code = run("PROJECT_NAME="+ns, "POD_NAME=web", "IMAGE_NAME=testbed.local/app", "TARGET_IMAGE_VERSION=2")
	wantCode(t, code, 0, out)
	wantIn(t, out, "deployment/web rolled out testbed.local/app:2")
}

// A failure that goes away within --fail-after is no failure: here the new revision's ConfigMap
// is created while its pods wait for it.
func TestTransientFailureThatRecoversIsNoFailure(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1"))
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","envFrom":[{"configMapRef":{"name":"late-settings"}}]}]}}}}`
	patchDeployment(t, ns, patch)
	w, err := tb.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "60s")
		done <- result{errOut, code}
	}()
	// once a new pod waits for the ConfigMap, create it
	for ev := range w.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if ok && len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError" {
			break
		}
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late-settings"}, Data: map[string]string{"A": "1"}}
	if _, err := tb.Client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	wantCode(t, r.code, 0, r.errOut)
	wantIn(t, r.errOut, "deployment/web rolled out testbed.local/app:2")
}

// With the certificate-based integration's variables and --debug, the service account token
// never shows, in progress, debug logs, the failure report or the JSON result.
func TestDebugOutputMasksTheKubeToken(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
	if _, err := tb.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, err := tb.Kubectl(ctx, "-n", ns, "create", "rolebinding", "deployer-edit", "--clusterrole=edit", "--serviceaccount="+ns+":deployer"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	tr, err := tb.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "deployer", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	token := tr.Status.Token
	ca, err := os.ReadFile(filepath.Join(tb.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"KUBE_URL=" + tb.Config.Host, "KUBE_TOKEN=" + token, "KUBE_CA_PEM=" + string(ca), "KUBE_NAMESPACE=" + ns}
	out, errOut, code := glcdNoKubeconfig(t, env, "rollout", "deployment/web", "--image", "testbed.local/app:crash", "--debug", "-o", "json")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "level=DEBUG", "source=\"KUBE_URL=", "CrashLoopBackOff")
	if strings.Contains(out+errOut, token) {
		t.Fatal("the KUBE_TOKEN value reached the output")
	}
}

func TestOOMKilledIsNamed(t *testing.T) {
	ns := tb.Namespace(t)
	deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
	// the new revision needs more memory than its limit: its main process allocates 64 MiB
	patchDeployment(t, ns, `{"spec":{"template":{"spec":{"containers":[{"name":"web","command":["sh","-c","echo loading; exec dd if=/dev/zero of=/dev/null bs=64M count=1"],"resources":{"limits":{"memory":"16Mi"}}}]}}}}`)
	_, errOut, code := glcd(t, nil, "rollout", "deployment/web", "--image", "testbed.local/app:2", nsArg(ns), "--fail-after", "1s")
	wantCode(t, code, 1, errOut)
	wantIn(t, errOut, "OOMKilled (exit code 137")
}

// A failure report lists the events of this rollout only (those since glcd's patch); the
// scaling of earlier revisions shows only with --debug.
func TestFailureReportShowsThisRolloutsEvents(t *testing.T) {
	for _, debug := range []bool{false, true} {
		ns := tb.Namespace(t)
		deployment(t, ns, 1, true, podSpec("testbed.local/app:1", readyProbe))
		rss, err := tb.Client.AppsV1().ReplicaSets(ns).List(ctxT(t), metav1.ListOptions{})
		if err != nil || len(rss.Items) != 1 {
			t.Fatalf("want revision 1's replica set: %v %v", err, rss)
		}
		first := rss.Items[0].Name
		args := []string{"rollout", "deployment/web", "--image", "testbed.local/app:crash", nsArg(ns), "-o", "json"}
		if debug {
			args = append(args, "--debug")
		}
		out, errOut, code := glcd(t, nil, args...)
		wantCode(t, code, 1, errOut)
		var res rollout.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		mentionsFirst := false
		for _, e := range res.Events {
			mentionsFirst = mentionsFirst || strings.Contains(e.Message, first)
		}
		switch {
		case len(res.Events) == 0:
			t.Errorf("debug=%v: the failure report has no events:\n%s", debug, errOut)
		case mentionsFirst != debug:
			t.Errorf("debug=%v: the report mentions revision 1's %s: %v, want %v:\n%s", debug, first, mentionsFirst, debug, errOut)
		}
	}
}
