package writeback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/manifest"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

const (
	token    = "glpat-Writeback-0123456789abcdef"
	badToken = "glpat-Writeback-Wrong-0000000000"
	repoPath = "group/app-infra.git"
	image    = "registry.example.com/group/jobboard"
)

// manifestAt is kubernetes/jobboard.yaml with the image at tag: comments, quoting and a
// second container that must not change.
func manifestAt(tag string) string {
	return `# jobboard: the web front and its worker
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jobboard   # keep in sync with PROJECT_NAME
spec:
  replicas: 2

  template:
    spec:
      containers:
        - name: web
          image: "` + image + `:` + tag + `"  # deployed by glcd
          ports: [{containerPort: 8080}]
        - name: sidecar
          image: registry.example.com/group/proxy:9.9
`
}

type fixture struct {
	srv  *gitserver.Server
	env  []string // hermetic git environment
	seed string
}

func setup(t *testing.T, tls bool, extra ...gitserver.Commit) *fixture {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{TLS: tls, Tokens: []gitserver.Token{{Value: token}}})
	commits := append([]gitserver.Commit{{Files: map[string]string{
		"kubernetes/jobboard.yaml": manifestAt("1.3.0"),
		"kubernetes/other.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n",
		"README.md":                "infra\n",
	}, Message: "initial"}}, extra...)
	seed := srv.Seed(t, repoPath, "main", commits...)
	return &fixture{srv: srv, env: srv.Env(t), seed: seed}
}

// jobEnv is the infra deploy job's environment: the old variables and GitLab's.
func (f *fixture) jobEnv(version string, kv ...string) map[string]string {
	m := map[string]string{
		"PROJECT_NAME": "jobboard", "POD_NAME": "web", "IMAGE_NAME": image, "TARGET_IMAGE_VERSION": version,
		"CI_ENVIRONMENT_NAME": "production", "CI_DEFAULT_BRANCH": "main", "GLCD_GIT_TOKEN": token,
		"PROJECT_INFRA_REPO_LOCATION": f.srv.Location(repoPath),
		"CI_PIPELINE_URL":             "https://gitlab.example.com/group/app-infra/-/pipelines/77",
		"GITLAB_USER_NAME":            "Ada Lovelace", "GITLAB_USER_EMAIL": "ada@example.com",
		"CI_JOB_TOKEN": "glcbt-unrelated-0123456789",
	}
	if !strings.HasPrefix(f.srv.URL, "https://") {
		m["PROJECT_INFRA_REPO_LOCATION"] = ""
		m["GLCD_TEST_REMOTE"] = f.srv.RepoURL(repoPath)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

type run struct {
	res      *Result
	err      error
	progress string
	dir      string
}

// writeback runs Prepare and Run in dir with the job environment m, as glcd does.
func (f *fixture) writeback(t *testing.T, dir string, m map[string]string, in Input, tune ...func(*Options)) run {
	t.Helper()
	env := ci.Load(ci.Map(m))
	in.Env = env
	if in.Remote == "" {
		in.Remote = m["GLCD_TEST_REMOTE"]
	}
	var progress bytes.Buffer
	masker := ci.NewMasker(env.Secrets()...)
	p, err := Prepare(in)
	if err != nil {
		return run{err: err, dir: dir}
	}
	o := Options{
		Repo:     &gitops.Repo{Dir: dir, Env: append(slices.Clone(f.env), mapEnv(m)...), Auth: p.Auth, Masker: masker},
		Progress: masker.Writer(&progress), RetryWait: 5 * time.Millisecond, MaxWait: 200 * time.Millisecond,
	}
	for _, fn := range tune {
		fn(&o)
	}
	res, err := Run(context.Background(), p, o)
	o.Progress.(*ci.MaskingWriter).Flush()
	r := run{res: res, err: err, progress: progress.String(), dir: dir}
	f.noLeak(t, r)
	return r
}

func mapEnv(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// noLeak fails the test if a token appears in anything the run produced or left behind.
func (f *fixture) noLeak(t *testing.T, r run) {
	t.Helper()
	all := r.progress
	if r.err != nil {
		all += r.err.Error()
	}
	if r.res != nil {
		all += fmt.Sprintf("%+v", *r.res)
	}
	cfg, _ := os.ReadFile(filepath.Join(r.dir, ".git", "config"))
	all += string(cfg)
	for _, secret := range []string{token, badToken} {
		if strings.Contains(all, secret) {
			t.Errorf("a token leaked:\n%s", all) // Errorf: called from the race tests' goroutines
		}
	}
}

// state is everything about a checkout that a failed write-back must leave as it was.
func state(t *testing.T, dir string, env []string) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"for-each-ref", "--format=%(refname) %(objectname)"}, {"rev-parse", "HEAD"}, {"status", "--porcelain"}} {
		b.WriteString(gitserver.Git(t, dir, env, args...) + "\n")
	}
	for _, name := range []string{"config", "shallow", "HEAD", "index"} {
		c, _ := os.ReadFile(filepath.Join(dir, ".git", name))
		b.Write(c)
	}
	return b.String()
}

func (f *fixture) remote(t *testing.T, ref string) string { return f.srv.RefValue(t, repoPath, ref) }

func TestFirstWriteBack(t *testing.T) {
	f := setup(t, true)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	dotgit := state(t, dir, f.env)
	r := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{})
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.progress)
	}
	res := r.res
	if res.Status != StatusPushed || res.Parent != f.seed || res.Tries != 1 || res.Branch != "main" || res.Tag != "jobboard-production" ||
		res.Image != image+":1.4.0" || res.PreviousTag != "" || res.Remote != f.srv.RepoURL("group/app-infra.git") {
		t.Fatalf("result %+v", res)
	}
	if f.remote(t, "refs/heads/main") != res.Commit || f.remote(t, "refs/tags/jobboard-production") != res.TagObject ||
		f.remote(t, "refs/tags/jobboard-production^{commit}") != res.Commit {
		t.Fatal("the branch and the tag are not where the result says")
	}
	// Only the bytes of the tag changed.
	got := f.srv.GitBare(t, repoPath, "cat-file", "blob", res.Commit+":kubernetes/jobboard.yaml")
	if got+"\n" != manifestAt("1.4.0") {
		t.Fatalf("manifest:\n%s", got)
	}
	if d := f.srv.GitBare(t, repoPath, "diff", "--stat=200", f.seed, res.Commit); !strings.Contains(d, "kubernetes/jobboard.yaml | 2 +-") || !strings.Contains(d, "1 file changed") {
		t.Fatalf("diff:\n%s", d)
	}
	msg := f.srv.GitBare(t, repoPath, "show", "-s", "--format=%an <%ae>|%cn <%ce>|%P|%B", res.Commit)
	want := "Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>|" + f.seed + "|Deploy jobboard to production: " + image +
		":1.4.0\n\nPipeline: https://gitlab.example.com/group/app-infra/-/pipelines/77"
	if msg != want {
		t.Fatalf("commit:\n%s\nwant\n%s", msg, want)
	}
	if tag := f.srv.GitBare(t, repoPath, "cat-file", "tag", res.TagObject); !strings.Contains(tag, "tag jobboard-production\ntagger Ada Lovelace <ada@example.com>") ||
		!strings.Contains(tag, image+":1.4.0 deployed to production\n\nPipeline: https://gitlab.example.com/group/app-infra/-/pipelines/77") {
		t.Fatalf("tag:\n%s", tag)
	}
	for _, s := range []string{"kubernetes/jobboard.yaml:13: Deployment/jobboard, container \"web\"", "1.3.0 → 1.4.0",
		"Pushed " + gitops.Short(res.Commit) + " to main and moved tag jobboard-production to it (new)"} {
		if !strings.Contains(r.progress, s) {
			t.Errorf("progress lacks %q:\n%s", s, r.progress)
		}
	}
	// The checkout follows: detached at the new commit, the file edited, the tag there.
	if head := gitserver.Git(t, dir, f.env, "rev-parse", "HEAD"); head != res.Commit || res.Checkout != "moved to "+gitops.Short(res.Commit) {
		t.Fatalf("checkout at %s (%s)", head, res.Checkout)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kubernetes/jobboard.yaml")); string(b) != manifestAt("1.4.0") {
		t.Fatalf("working tree:\n%s", b)
	}
	if gitserver.Git(t, dir, f.env, "rev-parse", "refs/tags/jobboard-production") != res.TagObject {
		t.Fatal("the local tag did not follow")
	}
	if cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config")); !strings.Contains(dotgit, string(cfg)) {
		t.Fatalf(".git/config changed:\n%s", cfg)
	}
	if !slices.Equal(res.Dotenv()[0][:], []string{"GLCD_WRITEBACK_COMMIT", res.Commit}) || res.Dotenv()[1][1] != "jobboard-production" {
		t.Fatalf("dotenv %v", res.Dotenv())
	}
}

func TestNothingToChange(t *testing.T) {
	f := setup(t, false)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	first := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{})
	if first.err != nil {
		t.Fatal(first.err)
	}
	// A second pipeline with the same version, from its own checkout of the old commit.
	dir2 := f.srv.CloneCI(t, repoPath, f.env)
	gitserver.Git(t, dir2, f.env, "checkout", "--quiet", "--detach", f.seed)
	again := f.writeback(t, dir2, f.jobEnv("1.4.0"), Input{})
	if again.err != nil || again.res.Status != StatusUnchanged || again.res.Commit != first.res.Commit || again.res.TagObject != "" {
		t.Fatalf("%+v %v", again.res, again.err)
	}
	if f.remote(t, "refs/heads/main") != first.res.Commit || f.remote(t, "refs/tags/jobboard-production") != first.res.TagObject {
		t.Fatal("a no-op write-back changed the remote")
	}
	if !strings.Contains(again.progress, "Nothing to change: main already has "+image+":1.4.0 and tag jobboard-production is on its tip") {
		t.Fatalf("progress:\n%s", again.progress)
	}
	if n := f.srv.GitBare(t, repoPath, "rev-list", "--count", "main"); n != "2" {
		t.Fatalf("%s commits, want 2: no empty commit", n)
	}
	// The checkout was behind: it follows to the tip (a fast-forward) but nothing else changes.
	if head := gitserver.Git(t, dir2, f.env, "rev-parse", "HEAD"); head != first.res.Commit {
		t.Fatalf("checkout at %s", head)
	}
}

func TestTagMovedFromAnOlderCommit(t *testing.T) {
	// The manifest already says 1.4.0 (edited by hand), and the old script's lightweight tag
	// is on the commit before.
	f := setup(t, false)
	f.srv.GitBare(t, repoPath, "tag", "jobboard-production", f.seed)
	tip := f.srv.Append(t, repoPath, "main", gitserver.Commit{Files: map[string]string{"kubernetes/jobboard.yaml": manifestAt("1.4.0")}, Message: "by hand"})
	dir := f.srv.CloneCI(t, repoPath, f.env)
	r := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{})
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.progress)
	}
	if r.res.Status != StatusTagMoved || r.res.Commit != tip || r.res.PreviousTag != f.seed {
		t.Fatalf("%+v", r.res)
	}
	if f.remote(t, "refs/heads/main") != tip || f.remote(t, "refs/tags/jobboard-production^{commit}") != tip ||
		f.srv.GitBare(t, repoPath, "cat-file", "-t", "jobboard-production") != "tag" {
		t.Fatal("the tag did not move to the tip as an annotated tag, or the branch moved")
	}
	want := "Nothing to change: main already has " + image + ":1.4.0; moved tag jobboard-production to its tip " + gitops.Short(tip) +
		" (was at " + gitops.Short(f.seed) + ")"
	if !strings.Contains(r.progress, want) {
		t.Fatalf("progress lacks %q:\n%s", want, r.progress)
	}
}

func TestWrongTokenOverTLS(t *testing.T) {
	f := setup(t, true)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	before := state(t, dir, f.env)
	r := f.writeback(t, dir, f.jobEnv("1.4.0", "GLCD_GIT_TOKEN", badToken), Input{})
	if exitcode.Of(r.err) != exitcode.Usage {
		t.Fatalf("exit %d: %v", exitcode.Of(r.err), r.err)
	}
	for _, s := range []string{"Authentication failed", "the server refused GLCD_GIT_TOKEN (user oauth2)"} {
		if !strings.Contains(r.err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, r.err)
		}
	}
	if state(t, dir, f.env) != before || f.remote(t, "refs/heads/main") != f.seed {
		t.Fatal("a refused write-back changed something")
	}
	// No token at all, to an https remote: refused before git runs.
	m := f.jobEnv("1.4.0", "GLCD_GIT_TOKEN", "", "CI_JOB_TOKEN", "")
	r = f.writeback(t, dir, m, Input{})
	if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "GLCD_GIT_TOKEN is not set, nor CI_PERSONAL_ACCESS_TOKEN, nor CI_JOB_TOKEN") {
		t.Fatalf("no token: %v", r.err)
	}
}

func TestRemoteUnreachable(t *testing.T) {
	f := setup(t, false)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	dead := gitserver.Start(t, gitserver.Options{})
	url := dead.RepoURL(repoPath)
	dead.Close()
	before := state(t, dir, f.env)
	r := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{Remote: url})
	if exitcode.Of(r.err) != exitcode.Failed || !strings.Contains(r.err.Error(), "could not be reached") {
		t.Fatalf("exit %d: %v", exitcode.Of(r.err), r.err)
	}
	if state(t, dir, f.env) != before {
		t.Fatal("the checkout changed")
	}
}

// The server refuses the tag update (a protected tag): the atomic push changes nothing, the
// remote branch and tag and the checkout stay as they were, and it is not retried.
func TestRefusedTagLeavesEverythingAsItWas(t *testing.T) {
	f := setup(t, false)
	// This checkout is made before another pipeline's write-back: it has to fetch the new tip.
	dir := f.srv.CloneCI(t, repoPath, f.env)
	first := f.writeback(t, f.srv.CloneCI(t, repoPath, f.env), f.jobEnv("1.4.0"), Input{})
	if first.err != nil {
		t.Fatal(first.err)
	}
	if err := f.srv.Refuse(repoPath, "refs/tags/", "GitLab: You are not allowed to update the protected tag jobboard-production"); err != nil {
		t.Fatal(err)
	}
	before := state(t, dir, f.env)
	var slept int
	fetches := &counter{cmd: "fetch"}
	r := f.writeback(t, dir, f.jobEnv("1.5.0"), Input{}, func(o *Options) {
		o.Sleep = func(context.Context, time.Duration) error { slept++; return nil }
		o.Repo.Runner = fetches
	})
	if exitcode.Of(r.err) != exitcode.Failed || errors.Is(r.err, gitops.ErrRace) || slept != 0 {
		t.Fatalf("exit %d, %d retries: %v", exitcode.Of(r.err), slept, r.err)
	}
	for _, s := range []string{"refs/tags/jobboard-production [remote rejected] (hook declined)", "not allowed to update the protected tag"} {
		if !strings.Contains(r.err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, r.err)
		}
	}
	if f.remote(t, "refs/heads/main") != first.res.Commit || f.remote(t, "refs/tags/jobboard-production") != first.res.TagObject {
		t.Fatal("the remote changed")
	}
	if after := state(t, dir, f.env); after != before {
		t.Fatalf("the checkout changed:\n%s\nthen\n%s", before, after)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kubernetes/jobboard.yaml")); string(b) != manifestAt("1.3.0") {
		t.Fatal("the working tree changed")
	}
	if !strings.Contains(before, f.seed) || fetches.n != 1 {
		t.Fatalf("the checkout was not at the seed, or did not fetch the new tip (%d fetches)", fetches.n)
	}
}

// counter runs real git and counts the commands of one kind.
type counter struct {
	cmd string
	mu  sync.Mutex
	n   int
}

func (c *counter) Run(ctx context.Context, cmd gitops.Cmd) error {
	if slices.Contains(cmd.Args, c.cmd) {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
	return gitops.Exec{}.Run(ctx, cmd)
}

// pacer runs real git but holds every push until n pushes are waiting: the pushes of n
// writers then race for real.
type pacer struct {
	n       int
	mu      sync.Mutex
	waiting int
	release chan struct{}
	pushes  int
}

func (p *pacer) Run(ctx context.Context, c gitops.Cmd) error {
	if slices.Contains(c.Args, "push") {
		p.mu.Lock()
		p.pushes++
		first := p.pushes <= p.n
		if first {
			p.waiting++
			if p.waiting == p.n {
				close(p.release)
			}
		}
		p.mu.Unlock()
		if first {
			select {
			case <-p.release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return gitops.Exec{}.Run(ctx, c)
}

// Two pipelines push at the same moment: exactly one wins the first round; the other is
// told its lease is stale, rebuilds its commit on the winner's and lands on the second try.
func TestTwoRacersBothLand(t *testing.T) {
	f := setup(t, false)
	p := &pacer{n: 2, release: make(chan struct{})}
	var wg sync.WaitGroup
	runs := make([]run, 2)
	for i, v := range []string{"2.0.0", "2.1.0"} {
		dir := f.srv.CloneCI(t, repoPath, f.env)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = f.writeback(t, dir, f.jobEnv(v), Input{}, func(o *Options) { o.Repo.Runner = p })
		}()
	}
	wg.Wait()
	tries := []int{}
	for _, r := range runs {
		if r.err != nil {
			t.Fatalf("%v\n%s", r.err, r.progress)
		}
		tries = append(tries, r.res.Tries)
	}
	slices.Sort(tries)
	if !slices.Equal(tries, []int{1, 2}) {
		t.Fatalf("tries %v, want one winner at once and one second try", tries)
	}
	loser := runs[0]
	if loser.res.Tries != 2 {
		loser = runs[1]
	}
	if !strings.Contains(loser.progress, "Another pipeline pushed first (main [") || !strings.Contains(loser.progress, "(try 2 of 8)") {
		t.Fatalf("loser's progress:\n%s", loser.progress)
	}
	checkLinear(t, f, runs)
}

// checkLinear checks that every run's commit is on main, each the child of the one before,
// starting at the seed, with no merge, and the tag on the last.
func checkLinear(t *testing.T, f *fixture, runs []run) []string {
	t.Helper()
	out := f.srv.GitBare(t, repoPath, "rev-list", "--reverse", "--parents", f.seed+"..main")
	lines := strings.Split(out, "\n")
	if len(lines) != len(runs) {
		t.Fatalf("%d commits on main after the seed, want %d:\n%s", len(lines), len(runs), out)
	}
	prev := f.seed
	var order []string
	for _, l := range lines {
		ids := strings.Fields(l)
		if len(ids) != 2 || ids[1] != prev {
			t.Fatalf("history is not linear at %q (want parent %s)", l, prev)
		}
		prev = ids[0]
		order = append(order, ids[0])
	}
	for _, r := range runs {
		if !slices.Contains(order, r.res.Commit) {
			t.Fatalf("%s (%s) is not on main", r.res.Commit, r.res.Image)
		}
		if got := f.srv.GitBare(t, repoPath, "cat-file", "blob", r.res.Commit+":kubernetes/jobboard.yaml"); got+"\n" != manifestAt(strings.TrimPrefix(r.res.Image, image+":")) {
			t.Fatalf("%s does not hold %s:\n%s", r.res.Commit, r.res.Image, got)
		}
	}
	if f.remote(t, "refs/tags/jobboard-production^{commit}") != prev {
		t.Fatalf("the tag is at %s, not on the last commit %s", f.remote(t, "refs/tags/jobboard-production^{commit}"), prev)
	}
	return order
}

// Ten pipelines deploy ten versions at once from ten shallow, detached checkouts over TLS:
// all ten land, one after the other, and the tag ends on the last.
func TestTenConcurrentWriteBacks(t *testing.T) {
	f := setup(t, true)
	const n = 10
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = f.srv.CloneCI(t, repoPath, f.env)
	}
	start := make(chan struct{})
	runs := make([]run, n)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			runs[i] = f.writeback(t, dirs[i], f.jobEnv(fmt.Sprintf("3.%d.0", i)), Input{}, func(o *Options) {
				o.RetryWait, o.MaxWait = DefaultRetryWait, DefaultMaxWait
			})
		}()
	}
	close(start)
	wg.Wait()
	elapsed := time.Since(begin)
	total, most := 0, 0
	for i, r := range runs {
		if r.err != nil {
			t.Fatalf("write-back %d: %v\n%s", i, r.err, r.progress)
		}
		total += r.res.Tries
		most = max(most, r.res.Tries)
	}
	order := checkLinear(t, f, runs)
	last := runs[slices.IndexFunc(runs, func(r run) bool { return r.res.Commit == order[len(order)-1] })]
	if got := f.srv.GitBare(t, repoPath, "cat-file", "blob", "main:kubernetes/jobboard.yaml"); got+"\n" != manifestAt(strings.TrimPrefix(last.res.Image, image+":")) {
		t.Fatal("main does not hold the last write-back's image")
	}
	t.Logf("10 concurrent write-backs over TLS: %s, %d pushes tried in all (%d retries), at most %d tries for one",
		elapsed.Round(time.Millisecond), total, total-n, most)
}

func TestDryRunPushesNothing(t *testing.T) {
	f := setup(t, false)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	before := state(t, dir, f.env)
	// An unreachable remote and no token: a dry run needs neither.
	r := f.writeback(t, dir, f.jobEnv("1.4.0", "GLCD_GIT_TOKEN", "", "CI_JOB_TOKEN", ""), Input{DryRun: true, Remote: "https://127.0.0.1:1/group/app-infra.git"})
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.progress)
	}
	wantDiff := "--- a/kubernetes/jobboard.yaml\n+++ b/kubernetes/jobboard.yaml\n@@ -10,7 +10,7 @@\n"
	if r.res.Status != StatusDryRun || !strings.HasPrefix(r.res.Diff, wantDiff) ||
		!strings.Contains(r.res.Diff, "-          image: \""+image+":1.3.0\"  # deployed by glcd\n+          image: \""+image+":1.4.0\"  # deployed by glcd\n") {
		t.Fatalf("%+v\n%s", r.res, r.res.Diff)
	}
	if !strings.Contains(r.progress, "Dry run: would commit this") || !strings.Contains(r.progress, "Deploy jobboard to production: "+image+":1.4.0") {
		t.Fatalf("progress:\n%s", r.progress)
	}
	if state(t, dir, f.env) != before || f.remote(t, "refs/heads/main") != f.seed {
		t.Fatal("a dry run changed something")
	}
}

func TestFilesAndDirs(t *testing.T) {
	f := setup(t, false, gitserver.Commit{Files: map[string]string{
		"kubernetes/overlays/prod/kustomization.yaml": "images:\n  - name: " + image + "\n    newTag: 1.3.0 # prod\n",
		"helm/values.yml":   "image:\n  tag: \"1.3.0\" # glcd:image " + image + "\n",
		"kubernetes/x.json": "{}",
	}, Message: "more"})
	dir := f.srv.CloneCI(t, repoPath, f.env)
	r := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{Dirs: []string{"kubernetes"}, Files: []string{filepath.Join(dir, "helm/values.yml")}})
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.progress)
	}
	var changed []string
	for _, file := range r.res.Files {
		changed = append(changed, file.Path)
	}
	if !slices.Equal(changed, []string{"helm/values.yml", "kubernetes/jobboard.yaml", "kubernetes/overlays/prod/kustomization.yaml"}) {
		t.Fatalf("changed %v", changed)
	}
	if got := f.srv.GitBare(t, repoPath, "cat-file", "blob", "main:kubernetes/overlays/prod/kustomization.yaml"); got != "images:\n  - name: "+image+"\n    newTag: 1.4.0 # prod" {
		t.Fatalf("kustomization:\n%s", got)
	}

	// Problems are all listed at once: a missing file, a directory without YAML.
	r = f.writeback(t, dir, f.jobEnv("1.5.0"), Input{Files: []string{"kubernetes/nope.yaml", "kubernetes"}, Dirs: []string{"README.md"}})
	for _, s := range []string{"kubernetes/nope.yaml does not exist in main", "kubernetes is a directory: give it with --dir", "README.md has no *.yaml"} {
		if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, r.err)
		}
	}
	// An image used nowhere lists the images that are.
	r = f.writeback(t, dir, f.jobEnv("1.5.0", "IMAGE_NAME", "registry.example.com/group/elsewhere"), Input{})
	var nf *manifest.NotFoundError
	if !errors.As(r.err, &nf) || exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "kubernetes/jobboard.yaml:13") {
		t.Fatalf("not found: %v", r.err)
	}
	if _, err := Prepare(Input{Env: ci.Load(ci.Map(nil)), Files: []string{"../elsewhere.yaml"}}); err == nil || !strings.Contains(err.Error(), "outside the checkout") {
		t.Errorf("../: %v", err)
	}
}

func TestPrepareListsEverythingMissing(t *testing.T) {
	_, err := Prepare(Input{Env: ci.Load(ci.Map(map[string]string{"TARGET_IMAGE_VERSION": "1.4.0"}))})
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit %d: %v", exitcode.Of(err), err)
	}
	for _, s := range []string{"IMAGE_NAME is not set", "PROJECT_NAME is not set", "CI_ENVIRONMENT_NAME is not set"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
	env := ci.Load(ci.Map(map[string]string{"PROJECT_NAME": "jobboard", "CI_ENVIRONMENT_NAME": "review app", "IMAGE_NAME": image, "TARGET_IMAGE_VERSION": "1.4.0"}))
	if _, err := Prepare(Input{Env: env}); err == nil || !strings.Contains(err.Error(), `tag name "jobboard-review app" is not valid in git`) {
		t.Errorf("bad tag: %v", err)
	}
	p, err := Prepare(Input{Env: env, Tag: "jobboard-review", Message: "x $CI_JOB_TOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.finish(gitops.Remote{URL: "https://gitlab.example.com/g/i.git"}, "main"); err == nil || !strings.Contains(err.Error(), "CI_JOB_TOKEN, which holds a credential") {
		t.Errorf("a secret in the template: %v", err)
	}
	// names that look like credentials, and any variable whose value holds a known secret
	envS := ci.Load(ci.Map(map[string]string{"PROJECT_NAME": "jobboard", "CI_ENVIRONMENT_NAME": "prod", "IMAGE_NAME": image, "TARGET_IMAGE_VERSION": "1.4.0",
		"CI_JOB_TOKEN": "glcbt-s3cret-job-token", "NOTES": "see https://x:glcbt-s3cret-job-token@gitlab.example.com", "DB_PASSWORD": "pw"}))
	for tmpl, want := range map[string]string{
		"x $DB_PASSWORD":                "DB_PASSWORD, which holds a credential",
		"x ${SSH_PRIVATE_KEY}":          "SSH_PRIVATE_KEY, which holds a credential",
		"notes: $NOTES":                 "NOTES (its value holds a credential)",
		"$MY_API_TOKEN for $CI_JOB_URL": "MY_API_TOKEN",
	} {
		p, err := Prepare(Input{Env: envS, Tag: "t", TagMessage: tmpl})
		if err != nil {
			t.Fatal(err)
		}
		err = p.finish(gitops.Remote{URL: "https://gitlab.example.com/g/i.git"}, "main")
		if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("--tag-message %q: %v, want exit 2 naming %s", tmpl, err, want)
		}
	}
	p, _ = Prepare(Input{Env: env, Tag: "t", Message: "Deploy ${GLCD_IMAGE} on $GLCD_BRANCH for $PROJECT_NAME"})
	if err := p.finish(gitops.Remote{URL: "https://gitlab.example.com/g/i.git"}, "main"); err != nil ||
		p.Message != "Deploy "+image+":1.4.0 on main for jobboard\n" || p.Author.Email != "glcd@noreply.gitlab.example.com" {
		t.Errorf("template: %q %q %v", p.Message, p.Author, err)
	}
	for _, img := range []string{"registry.example.com/a:1", "registry.example.com/a@sha256:" + strings.Repeat("a", 64)} {
		if _, _, err := ParseImage(img); err != nil {
			t.Errorf("%s: %v", img, err)
		}
	}
	if _, _, err := ParseImage("registry.example.com/a"); err == nil {
		t.Error("an image without a tag passed")
	}
}

// A checkout with its own edit of the manifest (the old script's sed, say): the write-back
// works from the branch as pushed, warns, and leaves the local edit and HEAD alone.
func TestLocalChangesAreWarnedAndKept(t *testing.T) {
	f := setup(t, false)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	local := strings.Replace(manifestAt("1.3.0"), "replicas: 2", "replicas: 3", 1)
	if err := os.WriteFile(filepath.Join(dir, "kubernetes/jobboard.yaml"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	r := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{})
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.progress)
	}
	if got := f.srv.GitBare(t, repoPath, "cat-file", "blob", "main:kubernetes/jobboard.yaml"); got+"\n" != manifestAt("1.4.0") {
		t.Fatalf("pushed manifest:\n%s", got)
	}
	for _, s := range []string{"warning: kubernetes/jobboard.yaml has uncommitted changes in the checkout; the write-back edits the branch as pushed and ignores them",
		"warning: the checkout stays at " + gitops.Short(f.seed) + " and does not show the write-back"} {
		if !strings.Contains(r.progress, s) {
			t.Errorf("progress lacks %q:\n%s", s, r.progress)
		}
	}
	if head := gitserver.Git(t, dir, f.env, "rev-parse", "HEAD"); head != f.seed || r.res.Checkout != "left at "+gitops.Short(f.seed) {
		t.Fatalf("HEAD %s, checkout %q", head, r.res.Checkout)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kubernetes/jobboard.yaml")); string(b) != local {
		t.Fatal("the local edit was lost")
	}
}

// rival runs real git, but before each push another pipeline lands a commit first.
type rival struct {
	t *testing.T
	f *fixture
	n int
}

func (r *rival) Run(ctx context.Context, c gitops.Cmd) error {
	if slices.Contains(c.Args, "push") {
		r.n++
		r.f.srv.Append(r.t, repoPath, "main", gitserver.Commit{Files: map[string]string{"rival.txt": fmt.Sprint(r.n)}, Message: "rival"})
	}
	return gitops.Exec{}.Run(ctx, c)
}

// A push that loses every race is tried --tries times, with growing jittered waits, and then
// fails (exit 1) having changed nothing of its own.
func TestRetriesAreBoundedAndBackoffGrows(t *testing.T) {
	f := setup(t, false)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	before := state(t, dir, f.env)
	var waits []time.Duration
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := f.writeback(t, dir, f.jobEnv("1.4.0"), Input{}, func(o *Options) {
		o.Repo.Runner = &rival{t: t, f: f}
		o.Tries, o.RetryWait, o.MaxWait = 4, 100*time.Millisecond, 300*time.Millisecond
		o.Rand = func() float64 { return 0.5 }
		o.Now = func() time.Time { clock = clock.Add(30 * time.Millisecond); return clock } // each try "takes" 30ms
		o.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	})
	if exitcode.Of(r.err) != exitcode.Failed || !errors.Is(r.err, gitops.ErrRace) ||
		!strings.Contains(r.err.Error(), "the push was rejected 4 times because other pipelines kept pushing to main first") {
		t.Fatalf("exit %d: %v", exitcode.Of(r.err), r.err)
	}
	// Windows: max(100ms, 2·30ms) = 100ms, then 200ms, then 300ms (the cap); half of each.
	if !slices.Equal(waits, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}) {
		t.Fatalf("waits %v", waits)
	}
	if n := strings.Count(r.progress, "Another pipeline pushed first (main [rejected] (stale info)"); n != 3 {
		t.Fatalf("%d retries reported:\n%s", n, r.progress)
	}
	if log := f.srv.GitBare(t, repoPath, "log", "--format=%s", "main"); log != "rival\nrival\nrival\nrival\ninitial" || f.remote(t, "refs/tags/jobboard-production") != "" {
		t.Fatalf("the remote has more than the rivals' commits:\n%s", log)
	}
	if state(t, dir, f.env) != before {
		t.Fatal("the checkout changed")
	}

	// A slow server widens the window: tries that take 400ms wait within [0, 800ms), capped.
	w := &writer{o: Options{RetryWait: 100 * time.Millisecond, MaxWait: 10 * time.Second, Rand: func() float64 { return 0.999 }}}
	if got := w.backoff(2, 400*time.Millisecond); got < 790*time.Millisecond || got >= 800*time.Millisecond {
		t.Errorf("backoff(2, 400ms) = %s", got)
	}
	if got := w.backoff(9, 400*time.Millisecond); got >= 10*time.Second || got < 9900*time.Millisecond {
		t.Errorf("backoff(9, 400ms) = %s, want just under the 10s cap", got)
	}
}
