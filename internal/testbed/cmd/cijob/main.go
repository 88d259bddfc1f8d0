// Command cijob plays CI jobs of the demo's app through `glcd executor` on a running test bed,
// driven by the GitLab Runner stand-in (internal/testbed/runner) exactly as a runner with
// executor = "custom" would, and prints each stage's time.
//
//	cijob GLCD TESTBED_NAME                 two jobs of one project: clone, build with a cold
//	                                        ~/.stack-like cache, then the same with it warm
//	cijob GLCD TESTBED_NAME REPORT_FILE     also the bench: per-job overhead, exec start and a
//	                                        missing image against plain kubectl (the floor)
//	cijob pipeline GLCD TESTBED_NAME IMAGE APP_REPO TAG [NAME=VALUE...]
//	                                        the tag pipeline of the git repository APP_REPO at
//	                                        TAG: its jobs test, builder-key, builder and publish,
//	                                        IMAGE the glcd image (podman's, on the node), NAME=VALUE
//	                                        the project's CI/CD variables; the images go to the
//	                                        test bed's registry; prints IMAGE=<ref@digest>
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"gitlab.com/glcd/glcd/executor"
	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
	"gitlab.com/glcd/glcd/internal/testbed/runner"
)

func main() {
	var err error
	switch {
	case len(os.Args) >= 7 && os.Args[1] == "pipeline":
		err = tagPipeline(os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6], os.Args[7:])
	case len(os.Args) == 3 || len(os.Args) == 4:
		report := ""
		if len(os.Args) == 4 {
			report = os.Args[3]
		}
		err = run(os.Args[1], os.Args[2], report)
	default:
		fmt.Fprintln(os.Stderr, "usage: cijob GLCD TESTBED_NAME [REPORT_FILE] | cijob pipeline GLCD TESTBED_NAME IMAGE APP_REPO TAG [NAME=VALUE...]")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cijob: %v\n", err)
		os.Exit(1)
	}
}

const (
	jobToken  = "glcd-demo-job-token-0123456789abcdef"
	depsFiles = 96      // the dependency snapshot the build fetches when the cache is cold
	depsSize  = 1 << 18 // bytes per file: 24 MiB in all
)

type env struct {
	c             *testbed.Cluster
	tmp, settings string
	cs            kubernetes.Interface
	ns            string
	rn            *runner.Runner
	git           *gitserver.Server
	ca            string
	kubectl       string
	adminConf     string
}

// setup makes what every mode needs on the running test bed name: the jobs' namespace
// (PodSecurity baseline, examples/runner/rbac.yaml), the git server, the cache
// volume and the executor settings; done undoes it.
func setup(ctx context.Context, glcd, name string) (e *env, done func(), err error) {
	var undo []func()
	done = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			done()
		}
	}()
	c := testbed.Find(name)
	if c == nil {
		return nil, nil, fmt.Errorf("no test bed named %s is running (make testbed-up)", name)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	c.Config, c.Client = cfg, cs
	tmp, err := os.MkdirTemp("", "glcd-cijob-")
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() { os.RemoveAll(tmp) })

	e = &env{c: c, tmp: tmp, cs: cs, ns: fmt.Sprintf("ci-jobs-%d", time.Now().Unix()), kubectl: filepath.Join(c.BinDir, "kubectl"), adminConf: c.Kubeconfig}
	if err := c.CreateNamespace(ctx, e.ns); err != nil {
		return nil, nil, err
	}
	if err := c.EnforcePodSecurity(ctx, e.ns, "baseline"); err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), e.ns, metav1.DeleteOptions{}) })
	rbac, err := os.ReadFile("examples/runner/rbac.yaml")
	if err != nil {
		return nil, nil, err
	}
	kubeconfig, _, err := runner.InstallRBAC(ctx, cs, cfg, rbac, e.ns, "glcd-executor", tmp)
	if err != nil {
		return nil, nil, err
	}
	// the app and a dependency snapshot (what `stack build` downloads) on a git server pods reach
	e.git, err = gitserver.New(gitserver.Options{TLS: true, Addr: c.HostIP, Tokens: []gitserver.Token{{User: "gitlab-ci-token", Value: jobToken, ReadOnly: true}}})
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() { e.git.Close() })
	ca, err := os.ReadFile(e.git.CAFile)
	if err != nil {
		return nil, nil, err
	}
	e.ca = string(ca)
	// the cache volume: a PersistentVolume on a node directory and its claim, as a namespace
	// enforcing PodSecurity baseline admits
	if err := c.CacheVolume(ctx, e.ns, "ci-cache", filepath.Join(tmp, "node-cache")); err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() { _ = c.DeleteCacheVolume(context.Background(), e.ns, "ci-cache") })
	settings := filepath.Join(tmp, "executor.yaml")
	if err := os.WriteFile(settings, fmt.Appendf(nil, "namespace: %s\nimage: %s\nhelperImage: %s\nserviceAccount: ci-job\ncache:\n  pvc: ci-cache\n",
		e.ns, testbed.HelperImage, testbed.HelperImage), 0o644); err != nil {
		return nil, nil, err
	}
	e.settings = settings
	e.rn = &runner.Runner{Bin: glcd, Settings: settings, Kubeconfig: kubeconfig}
	return e, done, nil
}

func run(glcd, name, reportFile string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	e, done, err := setup(ctx, glcd, name)
	if err != nil {
		return err
	}
	defer done()
	c, tmp, settings := e.c, e.tmp, e.settings
	if err := seed(e.git, tmp); err != nil {
		return err
	}
	fmt.Printf("runner: executor = \"custom\" calling %s executor config|prepare|run|cleanup, namespace %s, RBAC of examples/runner/rbac.yaml\n", glcd, e.ns)
	var results []*runner.Result
	for i, label := range []string{"cold cache", "warm cache"} {
		res, err := e.rn.Run(ctx, e.sampleJob(fmt.Sprint(9001+i)))
		if err != nil {
			return err
		}
		if res.FailedStage != "" {
			return fmt.Errorf("job %d (%s) failed in %s:\n%s", i+1, label, res.FailedStage, res.Output())
		}
		fmt.Printf("\n--- job %d (%s): pod %s\n%s", i+1, label, res.Pod, indent(res.Output()))
		results = append(results, res)
	}
	fmt.Printf("\n%-26s %14s %14s\n", "stage", "job 1 (cold)", "job 2 (warm)")
	for _, call := range results[0].Calls {
		second := results[1].Call(call.Stage)
		if second == nil {
			continue
		}
		fmt.Printf("%-26s %14s %14s\n", call.Stage, ms(call.Took), ms(second.Took))
	}
	fmt.Printf("%-26s %14s %14s\n", "whole job", ms(total(results[0])), ms(total(results[1])))
	if err := e.shared(ctx, c, tmp, settings); err != nil {
		return err
	}
	if reportFile == "" {
		return nil
	}
	return e.bench(ctx, c, tmp, results, reportFile)
}

// shared plays what a runner shared by many projects meets: a job that claims another
// project's id (refused), and a job whose connection to its pod is cut halfway (it goes on).
func (e *env) shared(ctx context.Context, c *testbed.Cluster, tmp, settings string) error {
	hostile := runner.Job{ID: "9301", ProjectID: "43", Concurrent: "0", Token: jobToken,
		Vars:   []runner.Variable{{Key: "CI_PROJECT_ID", Value: "42", Public: true}},
		Stages: []runner.Stage{{Name: "build_script", Lines: []string{"ls /cache/stack"}}}}
	res, err := e.rn.Run(ctx, hostile)
	if err != nil {
		return err
	}
	if res.FailedStage == "" {
		return fmt.Errorf("project 43's job claiming CI_PROJECT_ID=42 ran:\n%s", res.Output())
	}
	fmt.Printf("\n--- a job of project 43 with variables: {CI_PROJECT_ID: \"42\"} (to read project 42's cache): refused\n%s", indent(res.Output()))
	if err := e.overrides(ctx, settings); err != nil {
		return err
	}

	p, err := c.APIProxy()
	if err != nil {
		return err
	}
	defer p.Close()
	kc, err := e.proxiedKubeconfig(ctx, c, p.Addr, tmp)
	if err != nil {
		return err
	}
	rn := &runner.Runner{Bin: e.rn.Bin, Settings: settings, Kubeconfig: kc}
	j := runner.Job{ID: "9302", ProjectID: "42", Concurrent: "0", Token: jobToken, Stages: []runner.Stage{
		{Name: "build_script", Lines: []string{`for i in 1 2 3 4 5 6; do echo "step $i of 6"; sleep 0.3; done`}}},
		DuringStage: "build_script", DuringOn: "step 2 of 6", DuringRun: func(string) error {
			if p.Cut() == 0 {
				return fmt.Errorf("no connection to cut")
			}
			return nil
		}}
	res, err = rn.Run(ctx, j)
	if err != nil {
		return err
	}
	if res.FailedStage != "" || res.DuringErr != nil || strings.Count(res.Output(), "\nstep ") != 6 {
		return fmt.Errorf("the job whose connection was cut: %v\n%s", res.DuringErr, res.Output())
	}
	fmt.Printf("\n--- a job whose connection to its pod is cut after step 2 (a proxy resets it): it goes on, every line once\n%s", indent(res.Output()))
	return nil
}

// overrides plays GitLab's per-job pod overrides on a runner whose settings allow an
// architecture and a team label: a job within the allow-lists gets its pod, one outside them
// (and one taking the driver's own label) fails before any pod exists, naming the allow-list.
func (e *env) overrides(ctx context.Context, settings string) error {
	b, err := os.ReadFile(settings)
	if err != nil {
		return err
	}
	allowed := filepath.Join(filepath.Dir(settings), "executor-overrides.yaml")
	b = append(b, "nodeSelectorOverwriteAllowed: 'kubernetes\\.io/arch=(amd64|arm64)'\npodLabelsOverwriteAllowed: 'team=[a-z]+'\n"...)
	if err := os.WriteFile(allowed, b, 0o644); err != nil {
		return err
	}
	rn := &runner.Runner{Bin: e.rn.Bin, Settings: allowed, Kubeconfig: e.rn.Kubeconfig}
	vars := func(kv ...string) []runner.Variable {
		var out []runner.Variable
		for i := 0; i < len(kv); i += 2 {
			out = append(out, runner.Variable{Key: kv[i], Value: kv[i+1], Public: true})
		}
		return out
	}
	var spec string
	ok := runner.Job{ID: "9303", ProjectID: "42", Concurrent: "0", Token: jobToken,
		Vars:   vars("KUBERNETES_NODE_SELECTOR_ARCH", "kubernetes.io/arch=amd64", "KUBERNETES_POD_LABELS_TEAM", "team=payments"),
		Stages: []runner.Stage{{Name: "build_script", Lines: []string{`echo "built on $(uname -m)"`}}},
		AfterPrepare: func(pod string) error {
			p, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, pod, metav1.GetOptions{})
			if err != nil {
				return err
			}
			spec = fmt.Sprintf("pod %s: nodeSelector %v, label team=%s", pod, p.Spec.NodeSelector, p.Labels["team"])
			return nil
		}}
	res, err := rn.Run(ctx, ok)
	if err != nil {
		return err
	}
	if res.FailedStage != "" || !strings.Contains(spec, "kubernetes.io/arch:amd64") || !strings.Contains(spec, "team=payments") {
		return fmt.Errorf("the job within the allow-lists (%s):\n%s", spec, res.Output())
	}
	fmt.Printf("\n--- per-job pod overrides on a runner allowing kubernetes.io/arch=(amd64|arm64) and team=[a-z]+: KUBERNETES_NODE_SELECTOR_ARCH=kubernetes.io/arch=amd64, KUBERNETES_POD_LABELS_TEAM=team=payments\n    %s\n%s", spec, indent(res.Output()))
	refused := runner.Job{ID: "9304", ProjectID: "42", Concurrent: "0", Token: jobToken,
		Vars:   vars("KUBERNETES_NODE_SELECTOR_ARCH", "kubernetes.io/arch=s390x", "KUBERNETES_POD_LABELS_ID", "glcd.gitlab.com/project-id=43", "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE", "glcd-executor"),
		Stages: []runner.Stage{{Name: "build_script", Lines: []string{"echo never runs"}}}}
	if res, err = rn.Run(ctx, refused); err != nil {
		return err
	}
	if res.FailedStage != "prepare" || !strings.Contains(res.Output(), "nodeSelectorOverwriteAllowed") {
		return fmt.Errorf("the job outside the allow-lists:\n%s", res.Output())
	}
	fmt.Printf("\n--- the same runner, a job outside the allow-lists: a build failure before any pod exists\n%s", indent(res.Output()))
	return nil
}

// proxiedKubeconfig is the driver's kubeconfig, reaching the API server through a proxy.
func (e *env) proxiedKubeconfig(ctx context.Context, c *testbed.Cluster, addr, tmp string) (string, error) {
	rbac, err := os.ReadFile("examples/runner/rbac.yaml")
	if err != nil {
		return "", err
	}
	cfg := *c.Config
	cfg.Host = "https://" + addr
	cfg.TLSClientConfig.ServerName = c.NodeIP
	dir := filepath.Join(tmp, "proxied")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p, _, err := runner.InstallRBAC(ctx, e.cs, &cfg, rbac, e.ns, "glcd-executor", dir)
	return p, err
}

// sampleJob is the app's CI job: get_sources in the helper, then a build whose dependencies
// land in the cache volume (STACK_ROOT=/cache/stack), as a stack build's would.
func (e *env) sampleJob(id string) runner.Job {
	dir := "/builds/glcdtest/0/group/app"
	return runner.Job{ID: id, ProjectID: "42", Concurrent: "0", Token: jobToken, Stages: []runner.Stage{
		{Name: "prepare_script", Lines: []string{`echo "Running on $(hostname) via glcd executor..."`}},
		e.getSources(dir, "demo/jobboard.git", "refs/heads/main"),
		{Name: "build_script", Lines: []string{
			`cd "` + dir + `" && export STACK_ROOT=/cache/stack GIT_SSL_CAINFO="` + dir + `.tmp/CI_SERVER_TLS_CA_FILE"`,
			`if [ -d "$STACK_ROOT/snapshot" ]; then echo "dependencies: in the cache volume already"; else echo "dependencies: cold cache, fetching the snapshot"; git clone -q --template= --depth 1 "` + e.cloneURL("demo/stack-deps.git") + `" "$STACK_ROOT/snapshot"; fi`,
			`echo "dependencies: $(ls "$STACK_ROOT/snapshot" | wc -l) packages, $(du -sk "$STACK_ROOT/snapshot" | cut -f1) KiB"`,
			`echo "building jobboard $(sed -n 's/^DEPLOY_VERSION = //p' Makefile)"`,
		}},
		{Name: "after_script", Lines: []string{`echo "after_script: done"`}},
		{Name: "cleanup_file_variables", Lines: []string{`@rm -rf "` + dir + `.tmp"`}},
	}}
}

// cloneURL is repo's URL on the git server with the job token, as the runner writes it.
func (e *env) cloneURL(repo string) string {
	return strings.Replace(e.git.RepoURL(repo), "://", "://gitlab-ci-token:"+jobToken+"@", 1)
}

// getSources is the get_sources stage the runner generates: the server's CA in a file
// variable, then a shallow fetch and checkout of repo's ref (refs/heads/B or refs/tags/T)
// into dir.
func (e *env) getSources(dir, repo, ref string) runner.Stage {
	return runner.Stage{Name: "get_sources", Lines: []string{
		`@mkdir -p "` + dir + `.tmp"`,
		`@printf '%s' ` + runner.AnsiQuote(e.ca) + ` > "` + dir + `.tmp/CI_SERVER_TLS_CA_FILE"`,
		`@export GIT_SSL_CAINFO="` + dir + `.tmp/CI_SERVER_TLS_CA_FILE"`,
		`rm -rf "` + dir + `" && git init -q --template= "` + dir + `" && cd "` + dir + `"`,
		`git remote add origin "` + e.cloneURL(repo) + `"`,
		`git fetch -q --depth 20 origin +` + ref + `:` + ref,
		`git checkout -q -f ` + ref + ` && git log --oneline -1`,
	}}
}

// seed creates the app repository and the dependency snapshot on the git server.
func seed(git *gitserver.Server, tmp string) error {
	app := map[string][]byte{"README.md": []byte("the job board\n")}
	for _, f := range []string{"Makefile", "web.sh"} {
		b, err := os.ReadFile("testdata/demo/app/" + f)
		if err != nil {
			return err
		}
		app[f] = b
	}
	r := rand.New(rand.NewPCG(1, 2))
	deps := map[string][]byte{}
	for i := range depsFiles {
		b := make([]byte, depsSize)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		deps[fmt.Sprintf("pkg-%03d.conf", i)] = b
	}
	for repo, files := range map[string]map[string][]byte{
		"demo/jobboard.git":   app,
		"demo/stack-deps.git": deps,
	} {
		if err := git.CreateRepo(repo, "main"); err != nil {
			return err
		}
		w := filepath.Join(tmp, "seed-"+filepath.Base(repo))
		for p, b := range files {
			if err := os.MkdirAll(w, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(w, p), b, 0o644); err != nil {
				return err
			}
		}
		for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.name=demo", "-c", "user.email=demo@example.com", "commit", "-qm", "seed"},
			{"push", "-q", "file://" + git.Dir(repo), "main"}} {
			if out, err := exec.Command("git", append([]string{"-C", w}, args...)...).CombinedOutput(); err != nil {
				return fmt.Errorf("git %v: %w: %s", args, err, out)
			}
		}
	}
	return nil
}

func total(r *runner.Result) time.Duration {
	var t time.Duration
	for _, c := range r.Calls {
		t += c.Took
	}
	return t
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}

func medianF(fs []float64) float64 {
	if len(fs) == 0 {
		return 0
	}
	s := slices.Clone(fs)
	slices.Sort(s)
	return s[len(s)/2]
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// bench measures the driver's overhead against plain kubectl on the same cluster and writes
// the markdown report.
func (e *env) bench(ctx context.Context, c *testbed.Cluster, tmp string, warm []*runner.Result, file string) error {
	// n jobs, each followed by its floor pod: whatever else the machine does in the meantime
	// weighs on both alike, and the medians of n = 9 keep one slow start (the kubelet reports a
	// started container at its next look at the runtime, once a second) from deciding the ratio
	const n = 9
	var cfgT, prepT, cleanT, execT, jobT []time.Duration
	// the floor: the same kind of pod started, exec'd into and deleted with kubectl
	var kStart, kExec, kDelete []time.Duration
	floor := func(i int) error {
		pod := fmt.Sprintf("floor-%d", i)
		t0 := time.Now()
		if err := e.kctl(ctx, "run", pod, "--image="+testbed.HelperImage, "--restart=Never", "--image-pull-policy=IfNotPresent",
			"--command", "--", "sh", "-c", "while :; do sleep 3600; done"); err != nil {
			return err
		}
		if err := e.kctl(ctx, "wait", "--for=condition=Ready", "pod/"+pod, "--timeout=60s"); err != nil {
			return err
		}
		kStart = append(kStart, time.Since(t0))
		t1 := time.Now()
		if err := e.kctl(ctx, "exec", pod, "--", "true"); err != nil {
			return err
		}
		kExec = append(kExec, time.Since(t1))
		t2 := time.Now()
		if err := e.kctl(ctx, "delete", "pod", pod, "--grace-period=0", "--force", "--wait=false"); err != nil {
			return err
		}
		kDelete = append(kDelete, time.Since(t2))
		return nil
	}
	// the second floor: kubectl starting the driver's very pod (captured as prepare created it:
	// build and helper containers, its volumes and security) without the driver, so that what
	// the driver adds is told apart from what its pod costs the kubelet
	var sStart, sExec, sDelete []time.Duration
	var samePod *corev1.Pod
	podCh := make(chan *corev1.Pod, 1)
	pw, err := e.cs.CoreV1().Pods(e.ns).Watch(ctx, metav1.ListOptions{LabelSelector: executor.LabelJob + "=9100"})
	if err != nil {
		return err
	}
	go func() {
		defer pw.Stop()
		for ev := range pw.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok && ev.Type == watch.Added {
				podCh <- p
				return
			}
		}
	}()
	same := func(i int) error {
		p := samePod.DeepCopy()
		p.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
		p.ObjectMeta = metav1.ObjectMeta{Name: fmt.Sprintf("same-%d", i), Namespace: e.ns}
		p.Spec.SchedulingGates, p.Spec.NodeName, p.Status = nil, "", corev1.PodStatus{}
		for c := range p.Spec.Containers {
			for k, v := range p.Spec.Containers[c].Env {
				if v.ValueFrom != nil { // the job token, from the driver's Secret: a plain value here
					p.Spec.Containers[c].Env[k] = corev1.EnvVar{Name: v.Name, Value: "x"}
				}
			}
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		file := filepath.Join(tmp, p.Name+".json")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return err
		}
		t0 := time.Now()
		if err := e.kctl(ctx, "create", "-f", file); err != nil {
			return err
		}
		if err := e.kctl(ctx, "wait", "--for=condition=Ready", "pod/"+p.Name, "--timeout=60s"); err != nil {
			return err
		}
		sStart = append(sStart, time.Since(t0))
		t1 := time.Now()
		if err := e.kctl(ctx, "exec", p.Name, "-c", executor.BuildContainer, "--", "true"); err != nil {
			return err
		}
		sExec = append(sExec, time.Since(t1))
		t2 := time.Now()
		if err := e.kctl(ctx, "delete", "pod", p.Name, "--grace-period=0", "--force", "--wait=false"); err != nil {
			return err
		}
		sDelete = append(sDelete, time.Since(t2))
		return nil
	}
	for i := range n {
		j := runner.Job{ID: fmt.Sprint(9100 + i), ProjectID: "43", Concurrent: "0", Token: jobToken,
			Stages: []runner.Stage{{Name: "build_script", Lines: []string{"true"}}}}
		res, err := e.rn.Run(ctx, j)
		if err != nil {
			return err
		}
		if res.FailedStage != "" {
			return fmt.Errorf("bench job failed in %s:\n%s", res.FailedStage, res.Output())
		}
		cfgT = append(cfgT, res.Call("config").Took)
		prepT = append(prepT, res.Call("prepare").Took)
		cleanT = append(cleanT, res.Call("cleanup").Took)
		execT = append(execT, res.Call("run:build_script").Took)
		jobT = append(jobT, total(res))
		if err := floor(i); err != nil {
			return err
		}
		if samePod == nil {
			select {
			case samePod = <-podCh:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("the API never showed the first bench job's pod")
			}
		}
		if err := same(i); err != nil {
			return err
		}
	}
	// the detached stages against the exec path they replaced (attachedStages): a job of
	// six stages of `true` (the per-job cost) and one printing 32 MiB (the throughput)
	attached := filepath.Join(tmp, "attached.yaml")
	b, err := os.ReadFile(e.rn.Settings)
	if err != nil {
		return err
	}
	if err := os.WriteFile(attached, append(b, "attachedStages: true\n"...), 0o644); err != nil {
		return err
	}
	const outMiB, pairs = 32, 15
	var stages []runner.Stage
	for _, s := range []string{"prepare_script", "get_sources", "build_script", "after_script", "archive_cache", "cleanup_file_variables"} {
		stages = append(stages, runner.Stage{Name: s, Lines: []string{"true"}})
	}
	printJob := []runner.Stage{{Name: "build_script", Lines: []string{fmt.Sprintf("@head -c %d /dev/zero | tr '\\0' 'x' | fold -w 99", outMiB<<20)}}}
	modes := map[string]*runner.Runner{"detached": e.rn, "attached": {Bin: e.rn.Bin, Settings: attached, Kubeconfig: e.rn.Kubeconfig}}
	jobs, outs := map[string][]time.Duration{}, map[string][]time.Duration{}
	// the time per MiB that arrived: a run that lost the end of its output finished sooner
	// for it, and its time alone would flatter it
	perMiB := map[string][]float64{}
	var lost []int // bytes the attached path lost, per run that lost some (or failed on a broken stream)
	// each detached job is followed by its attached twin: the ratio within each pair cancels
	// the machine's drift, which moves a ratio of two medians by a few percent from run to run
	var jobRatios, outRatios, runRatios []float64
	// the six run calls alone: the only calls the two modes run differently (config, prepare
	// and cleanup are the same code), and without the pod start's spread the ratio resolves
	// a few milliseconds a stage
	runs := map[string][]time.Duration{}
	var common []time.Duration
	for i := range pairs {
		var took [2]float64 // this pair's 32 MiB stages' seconds per MiB delivered, 0 when none arrived
		for m, mode := range []string{"detached", "attached"} {
			res, err := modes[mode].Run(ctx, runner.Job{ID: fmt.Sprint(30000 + 10*i + m), ProjectID: "43", Concurrent: "0", Token: jobToken, Stages: stages})
			if err != nil {
				return err
			}
			if res.FailedStage != "" {
				return fmt.Errorf("%s six-stage job failed:\n%s", mode, res.Output())
			}
			jobs[mode] = append(jobs[mode], total(res))
			var r time.Duration
			for _, c := range res.Calls {
				if strings.HasPrefix(c.Stage, "run:") {
					r += c.Took
				}
			}
			runs[mode] = append(runs[mode], r)
			common = append(common, total(res)-r)
			res, err = modes[mode].Run(ctx, runner.Job{ID: fmt.Sprint(31000 + 10*i + m), ProjectID: "43", Concurrent: "0", Token: jobToken, Stages: printJob})
			if err != nil {
				return err
			}
			run := res.Call("run:build_script")
			// the x's that arrived, every one of them, whatever else the log holds (fold's
			// newlines, the driver's words): the output is whole when they are outMiB MiB
			xs := 0
			if run != nil {
				xs = countXs(run.Out)
			}
			short := run != nil && xs != outMiB<<20
			if mode == "attached" && run != nil && res.FailedStage == "build_script" && strings.Contains(string(run.Out), "lost the connection") {
				// the attached path's stream broke: the stage failed, its output cut short
				lost = append(lost, outMiB<<20-xs)
				if xs > 0 {
					took[m] = run.Took.Seconds() / (float64(xs) / (1 << 20))
					perMiB[mode] = append(perMiB[mode], took[m])
				}
				continue
			}
			if res.FailedStage != "" || run == nil || (short && mode == "detached") {
				var said []string
				for _, l := range strings.Split(res.Output(), "\n") {
					if !strings.HasPrefix(l, "xxx") {
						said = append(said, l)
					}
				}
				return fmt.Errorf("%s output job failed or lost output (%d of %d x's arrived):\n%s", mode, xs, outMiB<<20, strings.Join(said, "\n"))
			}
			if short { // the exec path the detached stages replaced loses the end of a big output now and then: counted, not hidden
				lost = append(lost, outMiB<<20-xs)
			}
			outs[mode] = append(outs[mode], run.Took)
			took[m] = run.Took.Seconds() / (float64(xs) / (1 << 20))
			perMiB[mode] = append(perMiB[mode], took[m])
		}
		jobRatios = append(jobRatios, jobs["detached"][i].Seconds()/jobs["attached"][i].Seconds())
		runRatios = append(runRatios, runs["detached"][i].Seconds()/runs["attached"][i].Seconds())
		if took[0] > 0 && took[1] > 0 {
			outRatios = append(outRatios, took[0]/took[1])
		}
	}
	mibps := func(d time.Duration) string { return fmt.Sprintf("%.1f MiB/s", outMiB/d.Seconds()) }
	ratio := func(a, b time.Duration) string { return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds()) }
	// a missing image: from the kubelet reporting the failed pull to the driver's exit
	w, err := e.cs.CoreV1().Pods(e.ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	seen := make(chan time.Time, 1)
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			for _, s := range p.Status.ContainerStatuses {
				if s.State.Waiting != nil && (s.State.Waiting.Reason == "ErrImagePull" || s.State.Waiting.Reason == "ImagePullBackOff") {
					seen <- time.Now()
					return
				}
			}
		}
	}()
	missing := runner.Job{ID: "9200", ProjectID: "44", Concurrent: "0", Token: jobToken, Image: "localhost:5000/demo/does-not-exist:1",
		Stages: []runner.Stage{{Name: "build_script", Lines: []string{"true"}}}}
	res, err := e.rn.Run(ctx, missing)
	if err != nil {
		return err
	}
	prep := res.Call("prepare")
	if prep == nil || prep.Code != runner.BuildFailureCode {
		return fmt.Errorf("the missing image did not fail the build:\n%s", res.Output())
	}
	var reported time.Time
	select {
	case reported = <-seen:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("the kubelet never reported the failed pull")
	}
	lag := prep.End.Sub(reported)

	lines := []string{
		"## glcd executor (custom executor driver) against kubectl",
		"",
		fmt.Sprintf("Median of %d jobs on the test bed, each followed by its two floors (driver as the RBAC of examples/runner; its pod = build + helper containers; "+
			"kubectl: a one-container pod (`kubectl run`), and the driver's own pod (`kubectl create -f`, the token a plain value)).", n),
		"",
		"| measure | glcd executor | kubectl, one-container pod (floor) | kubectl, the driver's pod | glcd / floor | glcd / the driver's pod |",
		"|---|---|---|---|---|---|",
		fmt.Sprintf("| start: config + prepare (pod running) / kubectl run or create + wait Ready | %s + %s | %s | %s | | |", ms(median(cfgT)), ms(median(prepT)), ms(median(kStart)), ms(median(sStart))),
		fmt.Sprintf("| exec start: one stage running `true` / kubectl exec -- true | %s | %s | %s | | |", ms(median(execT)), ms(median(kExec)), ms(median(sExec))),
		fmt.Sprintf("| cleanup / kubectl delete --force | %s | %s | %s | | |", ms(median(cleanT)), ms(median(kDelete)), ms(median(sDelete))),
		fmt.Sprintf("| per-job overhead: config + prepare + cleanup | %s | %s | %s | %s | %s |", ms(median(cfgT)+median(prepT)+median(cleanT)), ms(median(kStart)+median(kDelete)),
			ms(median(sStart)+median(sDelete)), ratio(median(cfgT)+median(prepT)+median(cleanT), median(kStart)+median(kDelete)),
			ratio(median(cfgT)+median(prepT)+median(cleanT), median(sStart)+median(sDelete))),
		fmt.Sprintf("| whole trivial job (config, prepare, 1 stage, cleanup) / start, exec, delete | %s | %s | %s | %s | %s |", ms(median(jobT)),
			ms(median(kStart)+median(kExec)+median(kDelete)), ms(median(sStart)+median(sExec)+median(sDelete)),
			ratio(median(jobT), median(kStart)+median(kExec)+median(kDelete)), ratio(median(jobT), median(sStart)+median(sExec)+median(sDelete))),
		"",
		fmt.Sprintf("Detached stages (resumed after a broken connection) against the exec path they replaced (`attachedStages: true`), %d pairs, each detached job followed by its attached twin:", pairs),
		"",
		"| measure | detached | attached | ratio of the medians | median of the pairs' ratios |",
		"|---|---|---|---|---|",
		fmt.Sprintf("| a job of six stages running `true`, config to cleanup | %s | %s | %s | %.2f |", ms(median(jobs["detached"])), ms(median(jobs["attached"])),
			ratio(median(jobs["detached"]), median(jobs["attached"])), medianF(jobRatios)),
		fmt.Sprintf("| its six stages alone (run calls; the rest is the same code in both) | %s | %s | %s | %.2f |", ms(median(runs["detached"])), ms(median(runs["attached"])),
			ratio(median(runs["detached"]), median(runs["attached"])), medianF(runRatios)),
		fmt.Sprintf("| the job: config, prepare and cleanup (median of all %d jobs, %s) plus its six stages | %s | %s | %s | |", 2*pairs, ms(median(common)),
			ms(median(common)+median(runs["detached"])), ms(median(common)+median(runs["attached"])),
			ratio(median(common)+median(runs["detached"]), median(common)+median(runs["attached"]))),
		fmt.Sprintf("| a stage printing %d MiB: time per MiB that arrived / throughput | %.0f ms / %.1f MiB/s | %.0f ms / %.1f MiB/s | %.2f | %.2f (%d pairs) |", outMiB,
			1000*medianF(perMiB["detached"]), 1/medianF(perMiB["detached"]), 1000*medianF(perMiB["attached"]), 1/medianF(perMiB["attached"]),
			medianF(perMiB["detached"])/medianF(perMiB["attached"]), medianF(outRatios), len(outRatios)),
		fmt.Sprintf("| the same, time of the stage (runs whose stream held; output lost counted below) | %s / %s | %s / %s | %s | |", ms(median(outs["detached"])), mibps(median(outs["detached"])),
			ms(median(outs["attached"])), mibps(median(outs["attached"])), ratio(median(outs["detached"]), median(outs["attached"]))),
		fmt.Sprintf("| runs of the %d MiB stage that lost the end of the output | 0 of %d | %d of %d %v | | |", outMiB, pairs, len(lost), pairs, lostBytes(lost)),
		"",
		fmt.Sprintf("| missing image: kubelet reports the failed pull → driver exits (build failure) | %s | never (GitLab's Kubernetes executor: 180 s poll timeout) |", ms(lag)),
		fmt.Sprintf("| sample job, cold cache (24 MiB of dependencies fetched) / warm cache: build_script | %s / %s | |", ms(warm[0].Call("run:build_script").Took), ms(warm[1].Call("run:build_script").Took)),
		fmt.Sprintf("| sample job, whole job cold / warm | %s / %s | |", ms(total(warm[0])), ms(total(warm[1]))),
		"",
	}
	_ = c
	conc, err := e.concurrency(ctx)
	if err != nil {
		return err
	}
	lines = append(lines, conc...)
	fmt.Println()
	fmt.Println(strings.Join(lines, "\n"))
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644)
}

// apiRequestsLine is what a stage run with --debug (GLCD_DEBUG) says it asked the API server.
var apiRequestsLine = regexp.MustCompile(`apiRequests=(\d+)`)

// concurrency runs trivial jobs one at a time, 20 at once, then 100 through 20 slots (a runner
// with concurrent = 20), and reports prepare's spread, the API requests per job (every stage's,
// from --debug) and whether any job's output names another job's pod.
func (e *env) concurrency(ctx context.Context) ([]string, error) {
	rn := &runner.Runner{Bin: e.rn.Bin, Settings: e.rn.Settings, Kubeconfig: e.rn.Kubeconfig, Env: []string{"GLCD_DEBUG=true"}}
	type one struct {
		prepare  time.Duration
		requests int
		pod, out string
	}
	job := func(id int) (one, error) {
		res, err := rn.Run(ctx, runner.Job{ID: fmt.Sprint(id), ProjectID: "45", Concurrent: "0", Token: jobToken,
			Stages: []runner.Stage{{Name: "build_script", Lines: []string{"echo job " + fmt.Sprint(id)}}}})
		if err != nil {
			return one{}, err
		}
		if res.FailedStage != "" {
			return one{}, fmt.Errorf("job %d failed in %s:\n%s", id, res.FailedStage, res.Output())
		}
		o := one{prepare: res.Call("prepare").Took, pod: res.Pod, out: res.Output()}
		for _, m := range apiRequestsLine.FindAllStringSubmatch(o.out, -1) {
			n, _ := strconv.Atoi(m[1])
			o.requests += n
		}
		return o, nil
	}
	batch := func(first, n, slots int) ([]one, time.Duration, error) {
		out := make([]one, n)
		errs := make([]error, n)
		sem := make(chan struct{}, slots)
		var wg sync.WaitGroup
		begin := time.Now()
		for i := range n {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				out[i], errs[i] = job(first + i)
			})
		}
		wg.Wait()
		return out, time.Since(begin), errors.Join(errs...)
	}
	// the floor: the same number of pods started at once with kubectl run, each until Ready
	floor := func(first, n int) ([]time.Duration, error) {
		out := make([]time.Duration, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				pod := fmt.Sprintf("floor-%d", first+i)
				t0 := time.Now()
				if errs[i] = e.kctl(ctx, "run", pod, "--image="+testbed.HelperImage, "--restart=Never", "--image-pull-policy=IfNotPresent",
					"--command", "--", "sh", "-c", "while :; do sleep 3600; done"); errs[i] != nil {
					return
				}
				errs[i] = e.kctl(ctx, "wait", "--for=condition=Ready", "pod/"+pod, "--timeout=120s")
				out[i] = time.Since(t0)
			})
		}
		wg.Wait()
		for i := range n {
			_ = e.kctl(ctx, "delete", "pod", fmt.Sprintf("floor-%d", first+i), "--grace-period=0", "--force", "--wait=false")
		}
		return out, errors.Join(errs...)
	}
	type level struct {
		jobs       []one
		floor      []time.Duration
		label      string
		n, first   int
		floorFirst int
	}
	levels := []*level{{label: "1 at a time (3 jobs)", n: 1, first: 9600, floorFirst: 600}, {label: "5 at once", n: 5, first: 9650, floorFirst: 650}, {label: "20 at once", n: 20, first: 9700, floorFirst: 700}}
	// one job and one floor pod first, not counted, so that the first measured one does not pay
	// for what the benches before left (in one run the first of three single jobs took 15.5 s,
	// the other two 0.7 s)
	if _, _, err := batch(9599, 1, 1); err != nil {
		return nil, err
	}
	if _, err := floor(599, 1); err != nil {
		return nil, err
	}
	for _, l := range levels {
		count := l.n
		if l.n == 1 {
			count = 3
		}
		var err error
		if l.jobs, _, err = batch(l.first, count, l.n); err != nil {
			return nil, err
		}
		if l.n == 1 {
			for i := range 3 {
				d, err := floor(l.floorFirst+i, 1)
				if err != nil {
					return nil, err
				}
				l.floor = append(l.floor, d...)
			}
		} else if l.floor, err = floor(l.floorFirst, l.n); err != nil {
			return nil, err
		}
	}
	hundred, took, err := batch(9800, 100, 20)
	if err != nil {
		return nil, err
	}
	pct := func(ds []time.Duration) (p50, p95 time.Duration) {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2], ds[(len(ds)*95+99)/100-1]
	}
	stats := func(js []one) (p50, p95 time.Duration, reqLo, reqHi int) {
		var ds []time.Duration
		reqLo = 1 << 30
		for _, j := range js {
			ds = append(ds, j.prepare)
			reqLo, reqHi = min(reqLo, j.requests), max(reqHi, j.requests)
		}
		p50, p95 = pct(ds)
		return p50, p95, reqLo, reqHi
	}
	all := slices.Clone(hundred)
	for _, l := range levels {
		all = append(all, l.jobs...)
	}
	crossed := 0
	for _, a := range all {
		for _, b := range all {
			if a.pod != b.pod && strings.Contains(a.out, b.pod) {
				crossed++
			}
		}
	}
	lines := []string{
		"",
		"Concurrency: trivial jobs (prepare, one stage, cleanup), stages run with --debug for their API request counts; the floor is as many pods started at once with `kubectl run` and `kubectl wait --for=condition=Ready` (same image, same node):",
		"",
		"| jobs | glcd prepare p50 / p95 | kubectl floor p50 / p95 | glcd p95 / floor p95 | p95 / the single job's: glcd, floor | API requests per job (all stages) | wall time |",
		"|---|---|---|---|---|---|---|",
	}
	_, s95, _, _ := stats(levels[0].jobs)
	_, f1 := pct(levels[0].floor)
	for _, l := range levels {
		g50, g95, lo, hi := stats(l.jobs)
		f50, f95 := pct(l.floor)
		lines = append(lines, fmt.Sprintf("| %s | %s / %s | %s / %s | %.2f | %.2f×, %.2f× | %d–%d | |", l.label, ms(g50), ms(g95), ms(f50), ms(f95),
			g95.Seconds()/f95.Seconds(), g95.Seconds()/s95.Seconds(), f95.Seconds()/f1.Seconds(), lo, hi))
	}
	h50, h95, hLo, hHi := stats(hundred)
	return append(lines,
		fmt.Sprintf("| 100 through 20 slots | %s / %s | | | | %d–%d | %s: %.1f jobs/min |", ms(h50), ms(h95), hLo, hHi, ms(took), 100/took.Minutes()),
		fmt.Sprintf("| a job's output naming another job's pod | %d of %d jobs | | | | | |", crossed, len(all)),
	), nil
}

func (e *env) kctl(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, e.kubectl, append([]string{"--kubeconfig", e.adminConf, "-n", e.ns}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// countXs counts the x's at the start of each line of out: the output of the bench's
// `head -c N /dev/zero | tr '\0' x | fold -w 99`, whatever the driver wrote beside it.
func countXs(out []byte) int {
	n := 0
	for line := range bytes.Lines(out) {
		n += len(line) - len(bytes.TrimLeft(line, "x"))
	}
	return n
}

// lostBytes says how many bytes each run that lost output lost.
func lostBytes(lost []int) string {
	if len(lost) == 0 {
		return ""
	}
	var b []string
	for _, l := range lost {
		b = append(b, fmt.Sprint(l))
	}
	return "(bytes lost: " + strings.Join(b, ", ") + ")"
}
