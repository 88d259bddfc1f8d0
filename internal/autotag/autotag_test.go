package autotag

import (
	"bytes"
	"context"
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
	"gitlab.com/glcd/glcd/internal/gitlab"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

const (
	token    = "glpat-Autotag-0123456789abcdef"
	apiToken = "glpat-Autotag-API-0123456789ab"
	repoPath = "group/jobboard.git"
)

type fixture struct {
	srv  *gitserver.Server
	env  []string
	seed string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: token}}})
	seed := srv.Seed(t, repoPath, "main", gitserver.Commit{Files: map[string]string{
		"Makefile":       "# jobboard\nDEPLOY_VERSION := 1.4.0\n\nbuild:\n\tstack build\n",
		"jobboard.cabal": "name: jobboard\nversion: 9.9.9\n",
	}, Message: "Release 1.4.0"})
	return &fixture{srv: srv, env: srv.Env(t), seed: seed}
}

func (f *fixture) jobEnv(dir string, kv ...string) map[string]string {
	m := map[string]string{
		"CI_PROJECT_DIR": dir, "GLCD_GIT_TOKEN": token, "CI_REPOSITORY_URL": "https://gitlab-ci-token:glcbt-job-123456789@" +
			strings.TrimPrefix(f.srv.RepoURL(repoPath), "https://"),
		"CI_PIPELINE_URL": "https://gitlab.example.com/group/jobboard/-/pipelines/12", "GITLAB_USER_NAME": "Ada", "GITLAB_USER_EMAIL": "ada@example.com",
		// passed on by the app repo's deploy job; autotag must not take it for its remote
		"PROJECT_INFRA_REPO_LOCATION": "127.0.0.1:1/group/jobboard-infra",
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
}

func (f *fixture) autotag(t *testing.T, m map[string]string, in Input, tune ...func(*Options)) run {
	t.Helper()
	env := ci.Load(ci.Map(m))
	in.Env = env
	masker := ci.NewMasker(env.Secrets()...)
	var progress bytes.Buffer
	p, err := Prepare(in)
	if err != nil {
		return run{err: err}
	}
	var menv []string
	for k, v := range m {
		menv = append(menv, k+"="+v)
	}
	o := Options{Repo: &gitops.Repo{Dir: p.Dir, Env: append(slices.Clone(f.env), menv...), Auth: p.Auth, Masker: masker}, Progress: &progress}
	for _, fn := range tune {
		fn(&o)
	}
	res, err := Run(context.Background(), p, o)
	r := run{res: res, err: err, progress: progress.String()}
	all := r.progress + fmt.Sprint(err) + fmt.Sprintf("%+v", res)
	cfg, _ := os.ReadFile(filepath.Join(p.Dir, ".git", "config"))
	for _, s := range []string{token, apiToken, "glcbt-job-123456789"} {
		if strings.Contains(all+string(cfg), s) {
			t.Errorf("a token leaked:\n%s\n%s", all, cfg) // Errorf: called from the race tests' goroutines
		}
	}
	return r
}

func TestCreateThenExistsHere(t *testing.T) {
	f := setup(t)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	r := f.autotag(t, f.jobEnv(dir), Input{})
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.progress)
	}
	if r.res.Status != StatusCreated || r.res.Tag != "v1.4.0" || r.res.Source != "Makefile:2" || r.res.TagCommit != f.seed ||
		r.res.Where != f.srv.RepoURL(repoPath) {
		t.Fatalf("%+v", r.res)
	}
	if f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0^{commit}") != f.seed || f.srv.GitBare(t, repoPath, "cat-file", "-t", "v1.4.0") != "tag" {
		t.Fatal("the remote has no annotated tag v1.4.0 at HEAD")
	}
	if msg := f.srv.GitBare(t, repoPath, "tag", "-l", "--format=%(taggername) %(taggeremail)|%(contents)", "v1.4.0"); msg != "Ada <ada@example.com>|Version 1.4.0 (Makefile:2)\n\nTagged by glcd autotag in https://gitlab.example.com/group/jobboard/-/pipelines/12" {
		t.Fatalf("tag: %q", msg)
	}
	if gitserver.Git(t, dir, f.env, "rev-parse", "v1.4.0^{commit}") != f.seed {
		t.Fatal("the checkout did not get the tag")
	}
	if !strings.Contains(r.progress, "Created tag v1.4.0 at "+gitops.Short(f.seed)) {
		t.Fatalf("progress:\n%s", r.progress)
	}
	tagObj := f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0")

	// The next pipeline on the same commit: the tag is there.
	again := f.autotag(t, f.jobEnv(f.srv.CloneCI(t, repoPath, f.env)), Input{})
	if again.err != nil || again.res.Status != StatusExists || !strings.Contains(again.progress, "Tag v1.4.0 already exists at this commit") {
		t.Fatalf("%+v %v\n%s", again.res, again.err, again.progress)
	}
	if f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0") != tagObj {
		t.Fatal("the tag was rewritten")
	}
	// --from and the prefix: the cabal file's version, no prefix.
	r = f.autotag(t, f.jobEnv(dir), Input{From: "cabal", NoPrefix: true})
	if r.err != nil || r.res.Tag != "9.9.9" || r.res.Status != StatusCreated {
		t.Fatalf("--from cabal: %+v %v", r.res, r.err)
	}
}

func TestExistsElsewhereIsNeverMoved(t *testing.T) {
	f := setup(t)
	first := f.autotag(t, f.jobEnv(f.srv.CloneCI(t, repoPath, f.env)), Input{})
	if first.err != nil {
		t.Fatal(first.err)
	}
	tagObj := f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0")
	// A later commit that forgot to bump the version.
	later := f.srv.Append(t, repoPath, "main", gitserver.Commit{Files: map[string]string{"README": "x\n"}, Message: "docs"})
	dir := f.srv.CloneCI(t, repoPath, f.env)
	r := f.autotag(t, f.jobEnv(dir), Input{})
	if r.err != nil || r.res.Status != StatusElsewhere || r.res.TagCommit != f.seed || r.res.Commit != later {
		t.Fatalf("%+v %v", r.res, r.err)
	}
	want := "tag v1.4.0 already exists at " + f.seed + ", not at this commit " + later + ": glcd never moves a version tag; bump the version in Makefile:2"
	if !strings.Contains(r.progress, want) {
		t.Fatalf("progress lacks %q:\n%s", want, r.progress)
	}
	r = f.autotag(t, f.jobEnv(dir), Input{Strict: true})
	if exitcode.Of(r.err) != exitcode.Failed || !strings.Contains(r.err.Error(), want) || r.res.Status != StatusElsewhere {
		t.Fatalf("--strict: exit %d %v", exitcode.Of(r.err), r.err)
	}
	if f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0") != tagObj {
		t.Fatal("the tag moved")
	}
}

// pacer holds the first n pushes until all n are waiting, so that they race for real.
type pacer struct {
	n       int
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (p *pacer) Run(ctx context.Context, c gitops.Cmd) error {
	if slices.Contains(c.Args, "push") {
		p.mu.Lock()
		p.waiting++
		hold := p.waiting <= p.n
		if p.waiting == p.n {
			close(p.release)
		}
		p.mu.Unlock()
		if hold {
			<-p.release
		}
	}
	return gitops.Exec{}.Run(ctx, c)
}

// Two pipelines of the same commit both find the tag missing and push at the same moment:
// the tag is created once; the loser finds it at its commit and succeeds too.
func TestRaceOfTwoCreatesOnce(t *testing.T) {
	f := setup(t)
	p := &pacer{n: 2, release: make(chan struct{})}
	runs := make([]run, 2)
	var wg sync.WaitGroup
	for i := range runs {
		dir := f.srv.CloneCI(t, repoPath, f.env)
		// Two pipelines: their tag objects differ by the pipeline named in the message.
		m := f.jobEnv(dir, "CI_PIPELINE_URL", fmt.Sprintf("https://gitlab.example.com/group/jobboard/-/pipelines/%d", 20+i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = f.autotag(t, m, Input{}, func(o *Options) { o.Repo.Runner = p })
		}()
	}
	wg.Wait()
	checkOneCreatedOneRaced(t, f, runs)
	if tags := f.srv.GitBare(t, repoPath, "tag", "-l"); tags != "v1.4.0" {
		t.Fatalf("tags: %q", tags)
	}
	loser := runs[0]
	if !loser.res.Raced {
		loser = runs[1]
	}
	if !strings.Contains(loser.progress, "Tag v1.4.0 was just created by another pipeline at this commit") {
		t.Fatalf("loser:\n%s", loser.progress)
	}
}

func TestFailures(t *testing.T) {
	f := setup(t)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	r := f.autotag(t, f.jobEnv(dir, "GLCD_GIT_TOKEN", "glpat-Autotag-Wrong-000000"), Input{})
	if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "the server refused GLCD_GIT_TOKEN") {
		t.Fatalf("wrong token: %v", r.err)
	}
	empty := t.TempDir()
	r = f.autotag(t, f.jobEnv(empty), Input{})
	if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "no version found in "+empty) {
		t.Fatalf("no version: %v", r.err)
	}
	r = f.autotag(t, f.jobEnv(dir), Input{Via: "carrier-pigeon"})
	if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "want git or api") {
		t.Fatalf("--via: %v", r.err)
	}
	r = f.autotag(t, f.jobEnv(dir), Input{Message: "leak $GLCD_GIT_TOKEN"})
	if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "holds a credential") {
		t.Fatalf("template: %v", r.err)
	}
	if f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0") != "" {
		t.Fatal("a failed autotag created the tag")
	}
}

// apiFixture is the GitLab API double with the project at the checkout's commit.
func apiFixture(t *testing.T, f *fixture, tags map[string]string) (*gitlabapi.Server, API) {
	t.Helper()
	s := gitlabapi.New()
	t.Cleanup(s.Close)
	s.AddProject(gitlabapi.Project{ID: 7, Path: "group/jobboard", Branches: map[string]string{"main": f.seed}, Tags: tags})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: apiToken, Scopes: []string{"api"}})
	c, err := gitlab.New(gitlab.Options{APIURL: s.APIURL(), Token: ci.NewSecret(apiToken), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestViaAPI(t *testing.T) {
	f := setup(t)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	s, api := apiFixture(t, f, nil)
	m := f.jobEnv(dir, "CI_API_V4_URL", s.APIURL(), "CI_PROJECT_ID", "7", "GLCD_GITLAB_TOKEN", apiToken)
	r := f.autotag(t, m, Input{Via: "api"}, func(o *Options) { o.API = api })
	if r.err != nil || r.res.Status != StatusCreated || r.res.Via != ViaAPI || r.res.Where != "project 7" {
		t.Fatalf("%+v %v\n%s", r.res, r.err, r.progress)
	}
	tag, ok := s.Tag("group/jobboard", "v1.4.0")
	if !ok || tag.Commit.ID != f.seed || !strings.HasPrefix(tag.Message, "Version 1.4.0 (Makefile:2)") {
		t.Fatalf("the API did not create v1.4.0 at %s: %+v", f.seed, tag)
	}
	if n := s.Count("POST", "/repository/tags"); n != 1 {
		t.Fatalf("%d creates", n)
	}
	if f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0") != "" {
		t.Fatal("--via api pushed with git")
	}
	r = f.autotag(t, m, Input{Via: "api"}, func(o *Options) { o.API = api })
	if r.err != nil || r.res.Status != StatusExists || s.Count("POST", "/repository/tags") != 1 {
		t.Fatalf("exists here: %+v %v", r.res, r.err)
	}

	other := strings.Repeat("e", 40)
	s2, api2 := apiFixture(t, f, map[string]string{"v1.4.0": other})
	m2 := f.jobEnv(dir, "CI_API_V4_URL", s2.APIURL(), "CI_PROJECT_ID", "7", "GLCD_GITLAB_TOKEN", apiToken)
	r = f.autotag(t, m2, Input{Via: "api", Strict: true}, func(o *Options) { o.API = api2 })
	if exitcode.Of(r.err) != exitcode.Failed || r.res.Status != StatusElsewhere || r.res.TagCommit != other || s2.Count("POST", "/repository/tags") != 0 {
		t.Fatalf("elsewhere: %+v %v", r.res, r.err)
	}

	// A job token cannot create tags: GitLab's 403, exit 2, with the way out.
	s3, _ := apiFixture(t, f, nil)
	s3.AddToken(gitlabapi.Token{Kind: gitlabapi.JobToken, Value: "glcbt-job-123456789"})
	jc, err := gitlab.New(gitlab.Options{APIURL: s3.APIURL(), JobToken: ci.NewSecret("glcbt-job-123456789"), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	m3 := f.jobEnv(dir, "CI_API_V4_URL", s3.APIURL(), "CI_PROJECT_ID", "7", "CI_JOB_TOKEN", "glcbt-job-123456789")
	r = f.autotag(t, m3, Input{Via: "api"}, func(o *Options) { o.API = jc })
	if exitcode.Of(r.err) != exitcode.Usage || !strings.Contains(r.err.Error(), "403") || !strings.Contains(r.err.Error(), "GLCD_GITLAB_TOKEN") {
		t.Fatalf("job token: %v", r.err)
	}
}

// rival is the real client, but another pipeline creates the tag right after this one
// looked and found it missing.
type rival struct {
	API
	other  API
	commit string
	once   sync.Once
}

func (r *rival) Tag(ctx context.Context, project, name string) (*gitlab.Tag, bool, error) {
	t, found, err := r.API.Tag(ctx, project, name)
	r.once.Do(func() {
		if _, cerr := r.other.CreateTag(ctx, project, name, r.commit, "by the other pipeline"); cerr != nil {
			err = cerr
		}
	})
	return t, found, err
}

func TestViaAPIRace(t *testing.T) {
	f := setup(t)
	dir := f.srv.CloneCI(t, repoPath, f.env)
	s, api := apiFixture(t, f, nil)
	m := f.jobEnv(dir, "CI_API_V4_URL", s.APIURL(), "CI_PROJECT_ID", "7", "GLCD_GITLAB_TOKEN", apiToken)
	r := f.autotag(t, m, Input{Via: "api"}, func(o *Options) { o.API = &rival{API: api, other: api, commit: f.seed} })
	if r.err != nil || r.res.Status != StatusExists || !r.res.Raced {
		t.Fatalf("%+v %v", r.res, r.err)
	}
	if n := s.Count("POST", "/repository/tags"); n != 2 {
		t.Fatalf("%d creates, want the rival's and the refused one", n)
	}
	if tag, _ := s.Tag("group/jobboard", "v1.4.0"); tag.Message != "by the other pipeline" {
		t.Fatalf("the rival's tag was replaced: %+v", tag)
	}
}

// A retried job racing its first run makes the very same tag object (same commit, message,
// tagger and time): git reports the second push up to date, and autotag says it exists.
func TestRaceOfTwoIdenticalTags(t *testing.T) {
	f := setup(t)
	p := &pacer{n: 2, release: make(chan struct{})}
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	runs := make([]run, 2)
	var wg sync.WaitGroup
	for i := range runs {
		dir := f.srv.CloneCI(t, repoPath, f.env)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = f.autotag(t, f.jobEnv(dir), Input{}, func(o *Options) {
				o.Repo.Runner = p
				o.Repo.Now = func() time.Time { return at }
			})
		}()
	}
	wg.Wait()
	checkOneCreatedOneRaced(t, f, runs)
}

// checkOneCreatedOneRaced asserts the outcome of two racers: one created the tag, the other
// lost the race and found it, and the tag is at the seed commit.
func checkOneCreatedOneRaced(t *testing.T, f *fixture, runs []run) {
	t.Helper()
	var statuses []string
	for _, r := range runs {
		if r.err != nil {
			t.Fatalf("%v\n%s", r.err, r.progress)
		}
		statuses = append(statuses, fmt.Sprintf("%s raced=%v", r.res.Status, r.res.Raced))
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []string{"created raced=false", "exists raced=true"}) {
		t.Fatalf("outcomes %v", statuses)
	}
	if f.srv.RefValue(t, repoPath, "refs/tags/v1.4.0^{commit}") != f.seed {
		t.Fatal("no tag at the commit")
	}
}
