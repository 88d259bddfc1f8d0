package local_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/creack/pty"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

var (
	tb      *testbed.Cluster
	glcdBin string
)

// serviceImage serves "service-ok" on port 8080: a job's service.
const serviceImage = "testbed.local/local-service:1"

func TestMain(m *testing.M) {
	os.Exit(testbed.MainWithGLCD(m, &tb, &glcdBin, func(c *testbed.Cluster) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := c.ImportBusyboxImages(ctx, map[string][]string{
			serviceImage: {"sh", "-c", "mkdir -p /tmp/www && echo service-ok > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"},
		}); err != nil {
			return err
		}
		return c.ImportHelperImage(ctx)
	}))
}

// checkout makes a git checkout holding files (committed) and untracked ones.
func checkout(t *testing.T, committed, untracked map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(files map[string]string) {
		for p, c := range files {
			f := filepath.Join(dir, p)
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(committed)
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	write(untracked)
	return dir
}

// settings writes glcd executor's settings for a namespace of the test bed, the builds
// volume at /work (not the default /builds: the checkout must follow the settings).
func settings(t *testing.T) (string, string) {
	t.Helper()
	ns := tb.Namespace(t)
	if err := tb.EnforcePodSecurity(t.Context(), ns, "baseline"); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "executor.yaml")
	if err := os.WriteFile(f, fmt.Appendf(nil, "namespace: %s\nimage: %s\nhelperImage: %s\nbuildsDir: /work\n", ns, testbed.BusyboxImage, testbed.HelperImage), 0o644); err != nil {
		t.Fatal(err)
	}
	return ns, f
}

func glcd(ctx context.Context, dir, config string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, glcdBin, append([]string{"local", "--config", config, "--dir", dir}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+tb.Kubeconfig)
	return cmd
}

// noPods fails the test if the job left a pod or a secret in ns.
func noPods(t *testing.T, ns string) {
	t.Helper()
	pods, err := tb.Client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s left behind", p.Name)
		}
	}
	secrets, err := tb.Client.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		if s.DeletionTimestamp == nil {
			t.Errorf("secret %s left behind", s.Name)
		}
	}
}

const pipelineFile = `variables:
  GREETING: hello
  TARGET: $CI_PROJECT_NAME
.base:
  image: ` + testbed.BusyboxImage + `
  before_script: [echo "before from .base"]
.shared:
  script:
    - 'test -f src/main.txt && echo "tracked: $(cat src/main.txt)"'
    - 'test -f notes.txt && echo "untracked: $(cat notes.txt)"' 
    - test ! -e build.log && echo "ignored files stay out"
build:
  extends: .base
  stage: build
  services: [` + serviceImage + `]
  rules:
    - if: $CI_COMMIT_TAG
  variables:
    LEVEL: "2"
  script:
    - !reference [.shared, script]
    - echo "$GREETING $TARGET at level $LEVEL on $CI_COMMIT_REF_NAME"
    - echo "token $DEPLOY_TOKEN"
    - echo "in $CI_PROJECT_DIR"
    - echo "the service says $(wget -qO- http://local-service:8080/)"
    - exit "${EXIT:-0}"
  after_script:
    - echo "after_script ran"
`

// A job of a checkout runs in its pod: extends:, !reference, default and job variables and
// --var, a service reached by its alias, the working tree copied in (tracked and untracked files, not ignored ones),
// after_script; the secret given with --var is masked in the raw output; nothing is left in
// the cluster; a failing script's exit code is glcd's.
func TestLocalJob(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": pipelineFile, "src/main.txt": "main", ".gitignore": "build.log\n"},
		map[string]string{"notes.txt": "notes", "build.log": "ignored"})
	ns, config := settings(t)
	const secret = "glpat-local-secret-0123456789"
	var out bytes.Buffer
	cmd := glcd(t.Context(), dir, config, "--var", "DEPLOY_TOKEN="+secret, "build")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("glcd local: %v\n%s", err, out.String())
	}
	t.Logf("glcd local build:\n%s", out.String())
	for _, want := range []string{"before from .base", "tracked: main", "untracked: notes", "ignored files stay out",
		"hello " + filepath.Base(dir) + " at level 2 on main", "token [MASKED]", "in /work/local/" + filepath.Base(dir), "the service says service-ok", "after_script ran",
		"note: rules: are not evaluated", "job build succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if bytes.Contains(out.Bytes(), []byte(secret)) {
		t.Error("the --var secret is in glcd's output")
	}
	noPods(t, ns)

	// a .env file gives what the project's settings would (over the job's variables); --var wins over it
	env := filepath.Join(t.TempDir(), "ci.env")
	if err := os.WriteFile(env, []byte("# the project's CI/CD variables\nEXIT=9\nexport LEVEL=\"3\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	cmd = glcd(t.Context(), dir, config, "--env-file", env, "--var", "EXIT=7", "build")
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("a script exiting 7: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "after_script ran") || !strings.Contains(out.String(), "failed (exit code 7)") || !strings.Contains(out.String(), "at level 3 on main") {
		t.Errorf("the failed job's output:\n%s", out.String())
	}
	noPods(t, ns)
}

// Bad input: every problem at once, exit 2, nothing created.
func TestLocalBadInput(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": pipelineFile}, nil)
	ns, config := settings(t)
	out, err := glcd(t.Context(), dir, config, "--var", "NOEQUALS", "nosuchjob").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("bad input: %v\n%s", err, out)
	}
	for _, want := range []string{`--var "NOEQUALS": want KEY=VALUE`, `has no job "nosuchjob": its jobs are build`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the error lacks %q:\n%s", want, out)
		}
	}
	noPods(t, ns)
}

// Ctrl-C stops the script and removes the pod.
func TestLocalInterrupt(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": "long:\n  image: " + testbed.BusyboxImage + "\n  script:\n    - echo started\n    - sleep 300\n"}, nil)
	ns, config := settings(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := glcd(ctx, dir, config, "long")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	var log strings.Builder
	sc := bufio.NewScanner(pr)
	started := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if sc.Text() == "started" && !started {
			started = true
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}
	}
	err := <-done
	if !started {
		t.Fatalf("the script never started:\n%s", log.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Errorf("an interrupted job: %v\n%s", err, log.String())
	}
	t.Logf("interrupted:\n%s", log.String())
	noPods(t, ns)
}

// A script line YAML reads as a map (a plain line holding ": ") is named, not dropped.
func TestLocalScriptLineThatIsAMap(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": "job:\n  script:\n    - echo \"version: 1\"\n"}, nil)
	_, config := settings(t)
	out, err := glcd(t.Context(), dir, config, "job").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), `job job: script: map[echo "version:1"] is not a command`) {
		t.Errorf("%v\n%s", err, out)
	}
}

// --shell: after the script, before after_script, a shell in the job's container, in its
// directory with its variables (the secret masked in its output too), the working tree there,
// the file that carried the variables gone; glcd's exit code stays the job's.
func TestLocalShellAfterTheScript(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": pipelineFile, "src/main.txt": "main"}, map[string]string{"notes.txt": "notes"})
	ns, config := settings(t)
	const secret = "glpat-shell-secret-0123456789"
	var out bytes.Buffer
	cmd := glcd(t.Context(), dir, config, "--var", "DEPLOY_TOKEN="+secret, "--shell", "build")
	cmd.Stdin = strings.NewReader(`echo "shell in $(pwd) with $GREETING and $DEPLOY_TOKEN"
test -f notes.txt && echo "shell sees the tree"
echo "variable files left: $(ls -a .. | grep -c '^.glcd-shell')"
exit 4
`)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("glcd local --shell: %v\n%s", err, out.String())
	}
	t.Logf("glcd local --shell build:\n%s", out.String())
	s := out.String()
	want := []string{"the service says service-ok", "the script passed", "shell in /work/local/" + filepath.Base(dir) + " with hello and [MASKED]",
		"shell sees the tree", "variable files left: 0", "after_script ran", "job build succeeded"}
	at := 0
	for _, w := range want {
		i := strings.Index(s[at:], w)
		if i < 0 {
			t.Fatalf("the output lacks %q after what came before (order: script, shell, after_script)", w)
		}
		at += i + len(w)
	}
	if strings.Contains(s, secret) {
		t.Error("the secret is in glcd's output")
	}
	noPods(t, ns)
}

// --shell-only on a terminal: the container gets a terminal of the local one's size, what is
// typed runs there, the scripts do not run, and the shell's exit code is glcd's.
func TestLocalShellOnlyOnATerminal(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": "job:\n  image: " + testbed.BusyboxImage + "\n  script:\n    - echo the-script-ran\n"}, nil)
	ns, config := settings(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := glcd(ctx, dir, config, "--shell-only", "job")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 33, Cols: 111})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var seen bytes.Buffer
	// read until want appears (or glcd ends: the pty then reads EOF or EIO)
	waitFor := func(want string) {
		t.Helper()
		buf := make([]byte, 4096)
		for !bytes.Contains(seen.Bytes(), []byte(want)) {
			n, err := tty.Read(buf)
			seen.Write(buf[:n])
			if err != nil {
				t.Fatalf("glcd ended before %q: %v\n%s", want, err, seen.String())
			}
		}
	}
	waitFor("a shell in the job's container")
	if _, err := tty.WriteString("[ -t 0 ] && echo \"tty $(stty size) sum $((6*7))\"\r"); err != nil {
		t.Fatal(err)
	}
	waitFor("tty 33 111 sum 42")
	if _, err := tty.WriteString("exit 3\r"); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exit 3 in the shell: glcd %v\n%s", err, seen.String())
	}
	rest, _ := io.ReadAll(tty)
	seen.Write(rest)
	if strings.Contains(seen.String(), "the-script-ran") {
		t.Errorf("--shell-only ran the script:\n%s", seen.String())
	}
	noPods(t, ns)
}

// A job from a CI/CD component of this project (templates/, the remote origin's path): read
// from the working tree with its inputs, as the component project's own pipeline tests it
// ($CI_SERVER_FQDN/$CI_PROJECT_PATH/NAME@$CI_COMMIT_SHA); another project's component is named.
func TestLocalComponentJob(t *testing.T) {
	dir := checkout(t, map[string]string{
		".gitlab-ci.yml": `include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/greet@$CI_COMMIT_SHA
    inputs:
      who: $CI_PROJECT_NAME
      times: 2
  - component: gitlab.com/components/sast/sast@2.0.2
`,
		"templates/greet/template.yml": `spec:
  inputs:
    who:
    times:
      type: number
    stage:
      default: test
---
greet-$[[ inputs.who | expand_vars ]]:
  image: ` + testbed.BusyboxImage + `
  stage: $[[ inputs.stage ]]
  script:
    - for i in $(seq $[[ inputs.times ]]); do echo "hello $[[ inputs.who ]] from $CI_PROJECT_PATH at $CI_JOB_STAGE"; done
`}, nil)
	if out, err := exec.Command("git", "-C", dir, "remote", "add", "origin", "https://gitlab.example.com/group/greeter.git").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ns, config := settings(t)
	out, err := glcd(t.Context(), dir, config, "greet-greeter").CombinedOutput()
	if err != nil {
		t.Fatalf("glcd local greet-greeter: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	if n := len(slices.DeleteFunc(strings.Split(string(out), "\n"), func(l string) bool { return l != "hello greeter from group/greeter at test" })); n != 2 {
		t.Errorf("the component's job said hello %d times, want 2", n)
	}
	for _, want := range []string{"note: component gitlab.example.com/group/greeter/greet@", "is read from this working tree's templates/greet/template.yml",
		"note: include component gitlab.com/components/sast/sast@2.0.2 is not read"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	noPods(t, ns)
}

// The job's cache: paths are restored from the settings' cache volume before the script and
// saved after it: the second run finds what the first made; --no-cache runs cold.
func TestLocalCache(t *testing.T) {
	dir := checkout(t, map[string]string{".gitlab-ci.yml": `build:
  image: ` + testbed.BusyboxImage + `
  cache:
    key: deps-$CI_JOB_NAME
    paths: [.deps/, "out/*.bin"]
  script:
    - 'if [ -f .deps/fetched ] && [ -f out/a.bin ]; then echo "dependencies: warm"; else echo "dependencies: cold"; mkdir -p .deps out; echo x > .deps/fetched; echo b > out/a.bin; echo c > out/skip.txt; fi'
`}, nil)
	ns := tb.Namespace(t)
	if err := tb.CacheVolume(t.Context(), ns, "ci-cache", filepath.Join(t.TempDir(), "node-cache")); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "executor.yaml")
	if err := os.WriteFile(config, fmt.Appendf(nil, "namespace: %s\nimage: %s\nhelperImage: %s\ncache:\n  pvc: ci-cache\n", ns, testbed.BusyboxImage, testbed.HelperImage), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		args []string
		says []string
	}{
		{nil, []string{"cache deps-build: none yet", "dependencies: cold", "cache deps-build: saved 2 paths"}},
		{nil, []string{"cache deps-build: restored", "dependencies: warm", "cache deps-build: saved 2 paths"}},
		{[]string{"--no-cache"}, []string{"dependencies: cold"}},
	} {
		out, err := glcd(t.Context(), dir, config, append(want.args, "build")...).CombinedOutput()
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out)
		}
		for _, s := range want.says {
			if !strings.Contains(string(out), s) {
				t.Errorf("run %d %v lacks %q:\n%s", i+1, want.args, s, out)
			}
		}
		if i == 2 && strings.Contains(string(out), "cache deps-build") {
			t.Errorf("--no-cache used the cache:\n%s", out)
		}
	}
	noPods(t, ns)
}

// The sample app's test job (examples/app/.gitlab-ci.yml: its cache: and variables:; a shell
// stand-in for stack in a busybox image) run by glcd local gets the pod the executor gives
// the same job under the runner stand-in, with the runner's RBAC: only the job's identity
// (pod name, job id, nonce) differs, the token's Secret, and the deadline (the runner's job
// timeout; glcd local's default). Both runs print the same result.
func TestLocalPodIsTheCIPod(t *testing.T) {
	example, err := os.ReadFile("../../examples/app/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	const script = `mkdir -p "$STACK_ROOT" && echo built > "$STACK_ROOT/out" && echo "stack: built into $STACK_ROOT"`
	pipeline := strings.Replace(strings.Replace(string(example), "image: haskell:9.6.7", "image: "+testbed.BusyboxImage, 1), "    - make setup build test\n", "    - '"+script+"'\n", 1)
	if !strings.Contains(pipeline, testbed.BusyboxImage) || !strings.Contains(pipeline, "stack: built") {
		t.Fatal("examples/app/.gitlab-ci.yml's test job changed: update this test")
	}
	dir := checkout(t, map[string]string{".gitlab-ci.yml": pipeline}, nil)
	ns := tb.Namespace(t)
	if err := tb.EnforcePodSecurity(t.Context(), ns, "baseline"); err != nil {
		t.Fatal(err)
	}
	if err := tb.CacheVolume(t.Context(), ns, "ci-cache", filepath.Join(t.TempDir(), "node-cache")); err != nil {
		t.Fatal(err)
	}
	rbac, err := os.ReadFile("../../examples/runner/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	robot, _, err := runner.InstallRBAC(t.Context(), tb.Client, tb.Config, rbac, ns, "glcd-executor", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "executor.yaml")
	if err := os.WriteFile(config, fmt.Appendf(nil, "namespace: %s\nimage: %s\nhelperImage: %s\nserviceAccount: ci-job\ncache:\n  pvc: ci-cache\n",
		ns, testbed.BusyboxImage, testbed.HelperImage), 0o644); err != nil {
		t.Fatal(err)
	}

	// glcd local, as the runner's service account, the pod kept to be read
	cmd := exec.CommandContext(t.Context(), glcdBin, "local", "--config", config, "--dir", dir, "--project-id", "42", "--keep", "test")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+robot)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("glcd local test: %v\n%s", err, out)
	}
	pods, err := tb.Client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("the kept pod: %v %d pods", err, len(pods.Items))
	}
	local := pods.Items[0]
	if err := tb.Client.CoreV1().Pods(ns).Delete(t.Context(), local.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := tb.Client.CoreV1().Secrets(ns).DeleteCollection(t.Context(), metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by"}); err != nil {
		t.Fatal(err)
	}

	// the same job as GitLab hands it to the runner, through the runner stand-in
	var ci *corev1.Pod
	rn := &runner.Runner{Bin: glcdBin, Settings: config, Kubeconfig: robot}
	res, err := rn.Run(t.Context(), runner.Job{ID: "7001", ProjectID: "42", Concurrent: "0", Token: "glcbt-64_pod-compare-token",
		Image: testbed.BusyboxImage, Vars: []runner.Variable{{Key: "STACK_ROOT", Value: "$CI_PROJECT_DIR/.stack", Public: true}},
		Cache: []runner.Cache{{Key: "stack", Paths: []string{".stack", ".stack-work"}, Policy: "pull-push", When: "on_success"}},
		// the real runner expands the references in a variable's value (the stand-in does not)
		Stages: runner.BuildOnly(`mkdir -p "$CI_PROJECT_DIR" && cd "$CI_PROJECT_DIR" && export STACK_ROOT="$CI_PROJECT_DIR/.stack"`, script),
		BeforeCleanup: func(pod string) error {
			ci, err = tb.Client.CoreV1().Pods(ns).Get(t.Context(), pod, metav1.GetOptions{})
			return err
		}})
	if err != nil || res.FailedStage != "" || ci == nil {
		t.Fatalf("the runner stand-in: %v, failed stage %q\n%s", err, res.FailedStage, res.Output())
	}
	for name, o := range map[string]string{"glcd local": string(out), "the runner": res.Output()} {
		if !regexp.MustCompile(`stack: built into /builds/\S+/\.stack\n`).MatchString(o) {
			t.Errorf("%s's job did not build:\n%s", name, o)
		}
	}

	// what differs by design: the job's identity and token Secret, and the deadline
	normal := func(p *corev1.Pod) string {
		s := p.Spec.DeepCopy()
		s.ActiveDeadlineSeconds = nil
		b, err := json.MarshalIndent(s, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), p.Name, "POD")
	}
	a, b := normal(&local), normal(ci)
	if a != b {
		t.Errorf("glcd local's pod and the runner's differ:\n--- glcd local\n%s\n--- runner\n%s", a, b)
	}
	if len(local.Spec.Containers) < 2 || local.Spec.Volumes == nil {
		t.Errorf("a pod without its containers and volumes proves nothing: %s", a)
	}
	noPods(t, ns)
}
