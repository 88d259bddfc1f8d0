package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

// shared starts the test bed for the leak test only.
var shared = testbed.Shared{Setup: []func(*testbed.Cluster) error{testbed.ImportAppImages}}

func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }

// Distinct known secrets in every credential variable glcd reads.
const (
	leakJobToken     = "leak-ci-job-token-4f1e2d3c"
	leakGitToken     = "leak-glcd-git-token-9a8b7c6d"
	leakPAT          = "leak-personal-access-token-5e6f"
	leakTrigger      = "leak-infra-pipeline-token-1a2b"
	leakAPIToken     = "leak-glcd-gitlab-token-3c4d5e"
	leakRegistryPass = "leak-registry-password-7f8e"
	leakBadKubeToken = "leak-rejected-kube-token-6d5c"
	leakURLToken     = "leak-token-in-a-url-user-0b1c"
)

// One leak test to rule them all: the built binary runs every command and its failure paths
// with a known secret in every credential variable, a token file, a client key and a URL;
// none of them may appear in what the process wrote (stdout, stderr), the dotenv files, the
// checkout's .git/config, any git object pushed, or the objects glcd created in the cluster.
func TestNoSecretReachesAnyOutput(t *testing.T) {
	tb := shared.Get(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := testbed.BuildGLCD(ctx, dir)
	must(t, err)

	// the cluster: a namespace, a Deployment, a ServiceAccount whose token sits in a token file
	ns := tb.Namespace(t)
	one := int32(1)
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{Replicas: &one,
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "testbed.local/app:1", ImagePullPolicy: corev1.PullIfNotPresent,
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, InitialDelaySeconds: 1, PeriodSeconds: 1}}}}}}}
	if _, err := tb.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Client.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "deployer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "admin"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "deployer", Namespace: ns}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := tb.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "deployer", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	saToken := tr.Status.Token
	tokenFile := filepath.Join(dir, "token")
	must(t, os.WriteFile(tokenFile, []byte(saToken), 0o600))
	caPEM, err := os.ReadFile(tb.Config.CAFile)
	must(t, err)
	tokenKubeconfig := filepath.Join(dir, "token.kubeconfig")
	must(t, os.WriteFile(tokenKubeconfig, fmt.Appendf(nil, "apiVersion: v1\nkind: Config\nclusters: [{name: tb, cluster: {server: %q, certificate-authority: %q}}]\n"+
		"users: [{name: u, user: {tokenFile: %q}}]\ncontexts: [{name: c, context: {cluster: tb, user: u, namespace: %s}}]\ncurrent-context: c\n",
		tb.Config.Host, tb.Config.CAFile, tokenFile, ns), 0o600))
	// the admin kubeconfig holds a client key: its lines are secrets too
	admin, err := clientcmd.LoadFromFile(tb.Kubeconfig)
	must(t, err)
	var clientKey []byte
	for _, a := range admin.AuthInfos {
		clientKey = a.ClientKeyData
		if len(clientKey) == 0 && a.ClientKey != "" {
			clientKey, err = os.ReadFile(a.ClientKey)
			must(t, err)
		}
	}
	if len(clientKey) == 0 {
		t.Fatal("the admin kubeconfig has no client key")
	}
	secrets := []string{leakJobToken, leakGitToken, leakPAT, leakTrigger, leakAPIToken, leakRegistryPass, leakBadKubeToken, leakURLToken,
		saToken, testbed.StaticToken, base64.StdEncoding.EncodeToString(clientKey)}
	for _, line := range strings.Split(string(clientKey), "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			secrets = append(secrets, line)
		}
	}

	// git: the infra repo on a TLS server that accepts the write token; GitLab: the API double
	git := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: leakGitToken}, {Value: leakPAT, ReadOnly: true}}})
	git.Seed(t, "acme/web-infra.git", "main", gitserver.Commit{Files: map[string]string{"kubernetes/web.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n" +
		"spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: testbed.local/app:1\n"}, Message: "init"})
	genv := git.Env(t)
	checkout := git.CloneCI(t, "acme/web-infra.git", genv)
	app := git.CloneCI(t, "acme/web-infra.git", genv) // a checkout to tag with autotag
	must(t, os.WriteFile(filepath.Join(app, "VERSION"), []byte("2.0.0\n"), 0o644))
	gl := gitlabapi.New()
	t.Cleanup(gl.Close)
	gl.AddProject(gitlabapi.Project{ID: 42, Path: "acme/web-infra", TriggerTokens: []string{leakTrigger}})
	gl.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: leakAPIToken, Scopes: []string{"api"}})
	gl.Script(gitlabapi.Script{Statuses: []string{"running", "success"}})

	base := append(genv, "HOME="+dir, "CI_JOB_TOKEN="+leakJobToken, "GLCD_GIT_TOKEN="+leakGitToken, "CI_PERSONAL_ACCESS_TOKEN="+leakPAT,
		"INFRA_PIPELINE_TOKEN="+leakTrigger, "GLCD_GITLAB_TOKEN="+leakAPIToken, "CI_REGISTRY_PASSWORD="+leakRegistryPass, "CI_REGISTRY_USER=ci",
		"CI_API_V4_URL="+gl.APIURL(), "CI_SERVER_URL="+gl.URL, "CI_JOB_URL=https://gitlab.example.com/acme/web-infra/-/jobs/1",
		"PROJECT_NAME=web", "POD_NAME=web", "IMAGE_NAME=testbed.local/app", "CI_ENVIRONMENT_NAME=production",
		"CI_REPOSITORY_URL="+strings.Replace(git.RepoURL("acme/web-infra.git"), "://", "://gitlab-ci-token:"+leakJobToken+"@", 1))
	dotenv := filepath.Join(dir, "deploy.env")
	gitCA, err := os.ReadFile(git.CAFile)
	must(t, err)
	jobResponse := filepath.Join(dir, "job.json")
	must(t, os.WriteFile(jobResponse, fmt.Appendf(nil, `{"id":7,"token":%q,"variables":[{"key":"CI_JOB_TOKEN","value":%q,"masked":true},{"key":"DB_PASSWORD","value":%q,"masked":true}]}`,
		leakJobToken, leakJobToken, leakRegistryPass), 0o600))
	executorSettings := filepath.Join(dir, "executor.yaml")
	must(t, os.WriteFile(executorSettings, []byte("namespace: "+ns+"\nimage: testbed.local/busybox:1\nhelperImage: testbed.local/busybox:1\n"), 0o644))

	kubeTokenFile := "KUBECONFIG=" + tokenKubeconfig
	kubeAdmin := "KUBECONFIG=" + tb.Kubeconfig
	cases := []struct {
		name string
		dir  string
		env  []string
		args []string
	}{
		{"version", "", nil, []string{"version", "--debug", "-o", "json"}},
		{"rollout ok, token file, debug, json, dotenv", "", []string{kubeTokenFile}, []string{"rollout", "deployment/web", "--image", "testbed.local/app:2", "-n", ns, "--debug", "-o", "json", "--dotenv", dotenv}},
		{"rollout failing with logs", "", []string{kubeTokenFile}, []string{"rollout", "deployment/web", "--image", "testbed.local/app:crash", "-n", ns, "--undo-on-failure", "--debug"}},
		{"rollout with a rejected token", "", []string{"KUBE_URL=" + tb.Config.Host, "KUBE_TOKEN=" + leakBadKubeToken, "KUBE_CA_PEM=" + string(caPEM)}, []string{"rollout", "deployment/web", "--image", "testbed.local/app:2", "-n", ns, "--debug"}},
		{"rollout, static token, unreachable server", "", []string{"KUBE_URL=https://127.0.0.1:1", "KUBE_TOKEN=" + testbed.StaticToken, "KUBE_CA_PEM=" + string(caPEM)}, []string{"rollout", "deployment/web", "--image", "testbed.local/app:2", "-n", ns, "--timeout", "5s"}},
		{"rollout, TLS failure", "", []string{"KUBE_URL=" + tb.Config.Host, "KUBE_TOKEN=" + testbed.StaticToken, "KUBE_CA_PEM=" + string(gitCA)}, []string{"rollout", "deployment/web", "--image", "testbed.local/app:2", "-n", ns, "--debug"}},
		{"apply dry run, client-certificate kubeconfig", "", []string{kubeAdmin}, []string{"apply", "-f", filepath.Join(checkout, "kubernetes/web.yaml"), "-n", ns, "--dry-run=server", "-o", "json", "--debug"}},
		{"trigger --wait, json, dotenv", "", nil, []string{"trigger", "--project", "acme/web-infra", "--ref", "main", "--var", "TARGET_IMAGE_VERSION=2", "--wait", "--poll-interval", "10ms", "-o", "json", "--dotenv", dotenv + ".trigger"}},
		{"trigger with a wrong token on the command line", "", nil, []string{"trigger", "--project", "acme/web-infra", "--ref", "main", "--token", leakURLToken}},
		{"writeback", checkout, []string{"TARGET_IMAGE_VERSION=2"}, []string{"writeback", "--debug", "-o", "json", "--dotenv", dotenv + ".writeback"}},
		{"writeback push refused (read-only token)", checkout, []string{"TARGET_IMAGE_VERSION=3", "GLCD_GIT_TOKEN=" + leakPAT}, []string{"writeback", "--tries", "1"}},
		{"writeback to a remote with a token in the URL", checkout, []string{"TARGET_IMAGE_VERSION=3"}, []string{"writeback", "--remote", strings.Replace(git.RepoURL("acme/web-infra.git"), "://", "://"+leakURLToken+"@", 1)}},
		{"autotag", app, nil, []string{"autotag", "--debug"}},
		{"doctor, everything", checkout, []string{kubeTokenFile, "PROJECT_INFRA_REPO_LOCATION=" + leakURLToken + "@" + git.Location("acme/web-infra.git")}, []string{"doctor", "--for", "all", "-n", ns}},
		{"doctor json", checkout, []string{kubeTokenFile}, []string{"doctor", "--for", "all", "-n", ns, "-o", "json"}},
		{"setup robot --apply", "", []string{kubeAdmin}, []string{"setup", "robot", "--namespace", ns + "-robot", "--name", "leak-robot", "--for", "rollout,writeback", "--apply", "-o", "json"}},
		{"setup gitlab-vars to a file and to GitLab", "", []string{kubeAdmin}, []string{"setup", "gitlab-vars", "--namespace", ns + "-robot", "--name", "leak-robot",
			"--out", filepath.Join(dir, "robot.env"), "--to-gitlab", "acme/web-infra", "--debug"}},
		{"init infra", "", nil, []string{"init", "infra", filepath.Join(dir, "web-infra"), "--image", "testbed.local/app:1", "--debug"}},
		{"init infra again (refused)", "", nil, []string{"init", "infra", filepath.Join(dir, "web-infra"), "--image", "testbed.local/app:1", "-o", "json"}},
		{"executor config and prepare failing", "", []string{kubeAdmin, "JOB_RESPONSE_FILE=" + jobResponse, "CUSTOM_ENV_CI_JOB_ID=7", "CUSTOM_ENV_CI_PROJECT_ID=1",
			"CUSTOM_ENV_CI_JOB_TOKEN=" + leakJobToken, "CUSTOM_ENV_CI_JOB_IMAGE=localhost:5000/leak/none:1"}, []string{"executor", "prepare", "--config", executorSettings, "--debug"}},
	}
	var all bytes.Buffer
	for _, c := range cases {
		cmd := exec.CommandContext(ctx, bin, c.args...)
		cmd.Dir = c.dir
		cmd.Env = append(append([]string{}, base...), c.env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		t.Logf("%s: exit %d, %d bytes of output", c.name, code, out.Len())
		if os.Getenv("GLCD_LEAK_SHOW") != "" {
			t.Logf("%s", out.String())
		}
		for _, s := range secrets {
			if strings.Contains(out.String(), s) {
				t.Errorf("%s: the output holds the secret %q:\n%s", c.name, s, out.String())
			}
		}
		all.Write(out.Bytes())
	}
	// the robot's token, made by glcd setup, is a secret of the outputs too
	robotToken, err := tb.Client.CoreV1().Secrets(ns+"-robot").Get(ctx, "leak-robot-token", metav1.GetOptions{})
	if err != nil || len(robotToken.Data["token"]) == 0 {
		t.Fatalf("setup robot made no token: %v", err)
	}
	if strings.Contains(all.String(), string(robotToken.Data["token"])) {
		t.Errorf("the output holds the robot's token")
	}
	t.Cleanup(func() {
		_ = tb.Client.CoreV1().Namespaces().Delete(context.Background(), ns+"-robot", metav1.DeleteOptions{})
	})
	// files glcd wrote, the checkout's git configuration, everything pushed, the cluster
	var files []string
	for _, f := range []string{dotenv, dotenv + ".trigger", dotenv + ".writeback", filepath.Join(checkout, ".git", "config"), filepath.Join(app, ".git", "config"),
		filepath.Join(dir, "web-infra", ".gitlab-ci.yml"), filepath.Join(dir, "web-infra", "kubernetes", "web.yaml")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v (the case that writes it failed?)", f, err)
		}
		files = append(files, string(b))
	}
	pushed := gitserver.Git(t, git.Dir("acme/web-infra.git"), genv, "log", "--all", "-p", "--format=%H %an <%ae>%n%B")
	tags := gitserver.Git(t, git.Dir("acme/web-infra.git"), genv, "for-each-ref", "--format=%(refname) %(contents)", "refs/tags")
	objs, err := tb.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	must(t, err)
	deps, err := tb.Client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	must(t, err)
	events, err := tb.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	must(t, err)
	cluster, err := json.Marshal([]any{objs, deps, events})
	must(t, err)
	for what, text := range map[string]string{"written files": strings.Join(files, "\n"), "pushed commits": pushed, "pushed tags": tags, "cluster objects": string(cluster)} {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s hold the secret %q", what, s)
			}
		}
	}
	if !strings.Contains(pushed, "testbed.local/app:2") || !strings.Contains(all.String(), "[MASKED]") {
		t.Errorf("the cases did not do their work (no write-back pushed, nothing masked):\n%s", all.String())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
