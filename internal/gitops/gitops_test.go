package gitops

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

const (
	token    = "glpat-Gitops-Test-0123456789abcd"
	roToken  = "glpat-Gitops-ReadOnly-987654321"
	badToken = "glpat-Gitops-Wrong-000000000000"
	repoPath = "group/infra.git"
)

// recorder is a Runner that runs real git and keeps every command line and environment.
type recorder struct {
	mu   sync.Mutex
	cmds []Cmd
}

func (r *recorder) Run(ctx context.Context, c Cmd) error {
	r.mu.Lock()
	r.cmds = append(r.cmds, Cmd{Dir: c.Dir, Args: slices.Clone(c.Args), Env: slices.Clone(c.Env)})
	r.mu.Unlock()
	return Exec{}.Run(ctx, c)
}

type fixture struct {
	srv  *gitserver.Server
	env  []string
	dir  string
	seed string
}

func setup(t *testing.T, tls bool) *fixture {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{TLS: tls, Tokens: []gitserver.Token{{Value: token}, {Value: roToken, ReadOnly: true}}})
	seed := srv.Seed(t, repoPath, "main",
		gitserver.Commit{Files: map[string]string{"a.yaml": "a: 1\n"}, Message: "one"},
		gitserver.Commit{Files: map[string]string{"b.yaml": "b: 2\r\nno-final-newline"}, Message: "two"})
	env := srv.Env(t)
	return &fixture{srv: srv, env: env, dir: srv.CloneCI(t, repoPath, env), seed: seed}
}

func (f *fixture) repo(tok string, rec *recorder) *Repo {
	r := &Repo{Dir: f.dir, Env: append(slices.Clone(f.env), "CI_JOB_TOKEN=glcbt-unrelated-job-token-xyz"), Masker: ci.NewMasker()}
	if tok != "" {
		r.Auth = Auth{User: TokenUser, Token: ci.NewSecret(tok), From: "GLCD_GIT_TOKEN"}
	}
	if rec != nil {
		r.Runner = rec
	}
	return r
}

// state is everything about a checkout that a failed operation must leave as it was.
func state(t *testing.T, dir string, env []string) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"for-each-ref", "--format=%(refname) %(objectname)"}, {"rev-parse", "HEAD"}, {"status", "--porcelain"}} {
		b.WriteString(gitserver.Git(t, dir, env, args...) + "\n")
	}
	for _, name := range []string{"config", "shallow", "HEAD"} {
		c, _ := os.ReadFile(filepath.Join(dir, ".git", name))
		b.Write(c)
	}
	return b.String()
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"gitlab.example.com/group/infra":                     "https://gitlab.example.com/group/infra.git",
		"gitlab.example.com:8443/group/sub/infra.git":        "https://gitlab.example.com:8443/group/sub/infra.git",
		"https://gitlab-ci-token:secret@gitlab.com/g/i.git":  "https://gitlab.com/g/i.git",
		"http://oauth2:glpat-x@127.0.0.1:8080/g/i.git":       "http://127.0.0.1:8080/g/i.git",
		"git@gitlab.com:group/infra.git":                     "git@gitlab.com:group/infra.git",
		"ssh://git@gitlab.com/group/infra.git":               "ssh://git@gitlab.com/group/infra.git",
		"/srv/git/infra.git":                                 "/srv/git/infra.git",
		"file:///srv/git/infra.git":                          "file:///srv/git/infra.git",
		" https://gitlab.com/g/i.git ":                       "https://gitlab.com/g/i.git",
		"https://gitlab.com/g/i.git/":                        "https://gitlab.com/g/i.git/",
		"gitlab.com/group/infra/":                            "https://gitlab.com/group/infra.git",
		"https://user@gitlab.com/g/i.git":                    "https://gitlab.com/g/i.git",
		"https://gitlab-ci-token:a:b@c@gitlab.com/g/i.git":   "https://gitlab.com/g/i.git",
		"https://gitlab.example.com/group/infra.git?x#frag1": "",
		"ftp://gitlab.com/g/i.git":                           "",
		"gitlab.com":                                         "",
		"":                                                   "",
	} {
		got, err := NormalizeURL(in)
		if want == "" {
			if err == nil {
				t.Errorf("%q: got %q, want an error", in, got)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("%q: the error shows credentials: %v", in, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestResolveRemoteOrder(t *testing.T) {
	env := func(m map[string]string) *ci.Env { return ci.Load(ci.Map(m)) }
	repoURL := "https://gitlab-ci-token:glcbt-job-token-0000000@gitlab.example.com/group/app-infra.git"
	cases := []struct {
		flag string
		env  map[string]string
		url  string
		from string
	}{
		{"https://x.example/a/b.git", map[string]string{"PROJECT_INFRA_REPO_LOCATION": "gitlab.example.com/group/infra"}, "https://x.example/a/b.git", "--remote"},
		{"", map[string]string{"PROJECT_INFRA_REPO_LOCATION": "gitlab.example.com/group/infra", "CI_REPOSITORY_URL": repoURL},
			"https://gitlab.example.com/group/infra.git", "PROJECT_INFRA_REPO_LOCATION"},
		{"", map[string]string{"CI_REPOSITORY_URL": repoURL}, "https://gitlab.example.com/group/app-infra.git", "CI_REPOSITORY_URL"},
	}
	for _, c := range cases {
		r, ok, err := ResolveRemote(c.flag, env(c.env))
		if err != nil || !ok || r.URL != c.url || r.From != c.from {
			t.Errorf("%q %v: got %+v %v %v", c.flag, c.env, r, ok, err)
		}
	}
	both := env(map[string]string{"PROJECT_INFRA_REPO_LOCATION": "gitlab.example.com/group/infra", "CI_REPOSITORY_URL": repoURL})
	if r, ok, err := ResolveProjectRemote("", both); err != nil || !ok || r.URL != "https://gitlab.example.com/group/app-infra.git" || r.From != "CI_REPOSITORY_URL" {
		t.Errorf("the project's own remote: %+v %v %v", r, ok, err)
	}
	if _, ok, err := ResolveRemote("", env(nil)); ok || err != nil {
		t.Errorf("nothing set: ok=%v err=%v, want the origin to be asked", ok, err)
	}
	_, _, err := ResolveRemote("", env(map[string]string{"PROJECT_INFRA_REPO_LOCATION": "gitlab.example.com"}))
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "PROJECT_INFRA_REPO_LOCATION") {
		t.Errorf("bad location: %v", err)
	}
}

func TestAuthFromEnv(t *testing.T) {
	cases := []struct {
		env        map[string]string
		user, from string
	}{
		{map[string]string{"GLCD_GIT_TOKEN": "a1234", "CI_PERSONAL_ACCESS_TOKEN": "b1234", "CI_JOB_TOKEN": "c1234"}, "oauth2", "GLCD_GIT_TOKEN"},
		{map[string]string{"CI_PERSONAL_ACCESS_TOKEN": "b1234", "CI_JOB_TOKEN": "c1234"}, "oauth2", "CI_PERSONAL_ACCESS_TOKEN"},
		{map[string]string{"CI_JOB_TOKEN": "c1234"}, "gitlab-ci-token", "CI_JOB_TOKEN"},
		{map[string]string{}, "", ""},
	}
	for _, c := range cases {
		a := AuthFromEnv(ci.Load(ci.Map(c.env)), "")
		if a.User != c.user || a.From != c.from || a.IsSet() != (c.from != "") {
			t.Errorf("%v: got %+v", c.env, a)
		}
	}
	if a := AuthFromEnv(ci.Load(ci.Map(map[string]string{"CI_JOB_TOKEN": "c1234"})), "deploy-bot"); a.User != "deploy-bot" {
		t.Errorf("user override: %+v", a)
	}
}

// The process environment: no credential of the job, glcd's helper appended after the
// job's own GIT_CONFIG_* entries, the token only in GLCD_GIT_PASSWORD.
func TestProcessEnvironment(t *testing.T) {
	r := &Repo{Env: []string{"PATH=/bin", "CI_JOB_TOKEN=jobtok-123", "GLCD_GIT_TOKEN=" + token, "KUBE_TOKEN=kube-123",
		"CI_REPOSITORY_URL=https://gitlab-ci-token:jobtok-123@h/p.git", "GIT_ASKPASS=/usr/bin/ask", "LC_ALL=de_DE.UTF-8",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.sslVerify", "GIT_CONFIG_VALUE_0=true"},
		Auth: Auth{User: "oauth2", Token: ci.NewSecret(token)}}
	env := r.env()
	joined := strings.Join(env, "\n")
	for _, gone := range []string{"jobtok-123", "kube-123", "/usr/bin/ask", "de_DE"} {
		if strings.Contains(joined, gone) {
			t.Errorf("the git environment keeps %q:\n%s", gone, joined)
		}
	}
	for _, want := range []string{"PATH=/bin", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "GIT_TRACE_REDACT=1",
		"GIT_CONFIG_KEY_0=http.sslVerify", "GIT_CONFIG_KEY_1=credential.helper", "GIT_CONFIG_VALUE_1=",
		"GIT_CONFIG_KEY_2=credential.helper", "GIT_CONFIG_VALUE_2=" + credentialHelper, "GIT_CONFIG_COUNT=3",
		"GLCD_GIT_USERNAME=oauth2", "GLCD_GIT_PASSWORD=" + token} {
		if !slices.Contains(env, want) {
			t.Errorf("the git environment lacks %q:\n%s", want, joined)
		}
	}
	if n := strings.Count(joined, token); n != 1 {
		t.Errorf("the token appears %d times, want once (GLCD_GIT_PASSWORD)", n)
	}
	if strings.Contains(credentialHelper, token) {
		t.Error("the helper holds the token")
	}
}

// Over TLS with token auth: the token reaches git only through the process environment and
// the helper; no "store" helper configured on the machine gets it; nothing of it lands in
// argv, .git/config or the home directory.
func TestTokenOnlyInTheProcessEnvironment(t *testing.T) {
	f := setup(t, true)
	home := ""
	for _, kv := range f.env {
		if h, ok := strings.CutPrefix(kv, "HOME="); ok {
			home = h
		}
	}
	// A machine whose git stores every credential it sees in ~/.git-credentials.
	gitserver.Git(t, f.dir, f.env, "config", "--global", "credential.helper", "store")
	rec := &recorder{}
	r := f.repo(token, rec)
	refs, err := r.LsRemote(context.Background(), f.srv.RepoURL(repoPath), "refs/heads/main")
	if err != nil {
		t.Fatal(err)
	}
	if refs["refs/heads/main"] != f.seed {
		t.Fatalf("refs %v, want main at %s", refs, f.seed)
	}
	if _, err := os.Stat(filepath.Join(home, ".git-credentials")); !errors.Is(err, os.ErrNotExist) {
		b, _ := os.ReadFile(filepath.Join(home, ".git-credentials"))
		t.Fatalf("a store helper saved credentials: %v %q", err, b)
	}
	for _, c := range rec.cmds {
		if strings.Contains(strings.Join(c.Args, " "), token) {
			t.Fatalf("the token is in argv: %v", c.Args)
		}
	}
	for _, p := range []string{filepath.Join(f.dir, ".git", "config"), filepath.Join(home, ".gitconfig")} {
		if b, _ := os.ReadFile(p); strings.Contains(string(b), token) {
			t.Fatalf("the token is in %s", p)
		}
	}
	authed := 0
	for _, req := range f.srv.Requests() {
		if req.Authed && req.User == TokenUser {
			authed++
		}
	}
	if authed == 0 {
		t.Fatalf("the server saw no authenticated request: %+v", f.srv.Requests())
	}
}

func TestFailuresAreClassified(t *testing.T) {
	f := setup(t, true)
	ctx := context.Background()
	url := f.srv.RepoURL(repoPath)
	before := state(t, f.dir, f.env)
	check := func(name string, err error, kind Kind, code int, says ...string) {
		t.Helper()
		var ge *Error
		if !errors.As(err, &ge) || ge.Kind != kind || exitcode.Of(err) != code {
			t.Fatalf("%s: got %v (kind %v, exit %d), want kind %v exit %d", name, err, kindOf(err), exitcode.Of(err), kind, code)
		}
		for _, s := range says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q lacks %q", name, err, s)
			}
		}
		for _, secret := range []string{token, roToken, badToken} {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("%s: the error shows a token: %v", name, err)
			}
		}
	}
	_, err := f.repo(badToken, nil).LsRemote(ctx, url, "refs/heads/main")
	check("wrong token", err, KindAuth, exitcode.Usage, "Authentication failed", "the server refused GLCD_GIT_TOKEN (user oauth2)")
	_, err = f.repo("", nil).LsRemote(ctx, url, "refs/heads/main")
	check("no token", err, KindAuth, exitcode.Usage, "no token was given: set GLCD_GIT_TOKEN")
	_, err = f.repo(token, nil).LsRemote(ctx, f.srv.URL+"/group/nothing.git", "refs/heads/main")
	check("unknown repository", err, KindNotFound, exitcode.Usage, "not found", "check the remote")
	_, err = f.repo(roToken, nil).Push(ctx, url, []RefUpdate{{Src: f.seed, Dst: "refs/heads/copy"}})
	check("read-only token", err, KindForbidden, exitcode.Usage, "403", "may not push there")
	noCA := f.repo(token, nil)
	noCA.Env = slices.DeleteFunc(slices.Clone(noCA.Env), func(kv string) bool { return strings.HasPrefix(kv, "GIT_SSL_CAINFO=") })
	_, err = noCA.LsRemote(ctx, url, "refs/heads/main")
	check("untrusted certificate", err, KindTLS, exitcode.Usage, "GIT_SSL_CAINFO")
	closed := gitserver.Start(t, gitserver.Options{})
	dead := closed.URL + "/group/infra.git"
	closed.Close()
	_, err = f.repo(token, nil).LsRemote(ctx, dead, "refs/heads/main")
	check("unreachable", err, KindUnreachable, exitcode.Failed, "could not be reached")

	cctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-cctx.Done()
	_, err = f.repo(token, nil).LsRemote(cctx, url, "refs/heads/main")
	if exitcode.Of(err) != exitcode.Timeout {
		t.Errorf("deadline: %v, exit %d, want 3", err, exitcode.Of(err))
	}
	if after := state(t, f.dir, f.env); after != before {
		t.Fatalf("failed commands changed the checkout:\n%s\nthen\n%s", before, after)
	}
}

func kindOf(err error) Kind {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Kind
	}
	return -1
}

// Objects are made without touching HEAD, the index, the working tree or the refs, and
// blobs keep their bytes exactly (CRLF, no final newline).
func TestObjectsLeaveTheCheckoutAlone(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	r := f.repo("", nil)
	r.Now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600)) }
	before := state(t, f.dir, f.env)

	entries, err := r.ListTree(ctx, f.seed, []string{"b.yaml", "missing.yaml"})
	if err != nil || len(entries) != 1 || entries[0].Path != "b.yaml" || entries[0].Mode != "100644" {
		t.Fatalf("ListTree: %+v %v", entries, err)
	}
	blobs, err := r.ReadBlobs(ctx, []string{entries[0].Object})
	if err != nil || string(blobs[0]) != "b: 2\r\nno-final-newline" {
		t.Fatalf("ReadBlobs: %q %v", blobs, err)
	}
	edited := []byte("b: 3\r\nno-final-newline")
	ids, err := r.WriteBlobs(ctx, [][]byte{edited, {}})
	if err != nil || len(ids) != 2 {
		t.Fatalf("WriteBlobs: %v %v", ids, err)
	}
	back, err := r.ReadBlobs(ctx, ids)
	if err != nil || string(back[0]) != string(edited) || len(back[1]) != 0 {
		t.Fatalf("round trip: %q %v", back, err)
	}
	commit, err := r.Commit(ctx, CommitSpec{Parent: f.seed, Changes: []TreeEntry{{Mode: "100644", Object: ids[0], Path: "b.yaml"},
		{Mode: "100755", Object: ids[1], Path: "new/dir/run.sh"}}, Message: "Deploy\n\nPipeline: x\n",
		Author: Ident{"Ada", "ada@example.com"}, Committer: Ident{"Bob", "bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := gitserver.Git(t, f.dir, f.env, "show", "-s", "--format=%P|%an <%ae>|%cn <%ce>|%at|%B", commit); got != f.seed+"|Ada <ada@example.com>|Bob <bob@example.com>|1772597167|Deploy\n\nPipeline: x" {
		t.Errorf("commit: %q", got)
	}
	if got := gitserver.Git(t, f.dir, f.env, "diff-tree", "-r", "--name-status", "--no-commit-id", f.seed, commit); got != "M\tb.yaml\nA\tnew/dir/run.sh" {
		t.Errorf("the commit changes %q", got)
	}
	tag, err := r.MakeTag(ctx, TagSpec{Object: commit, Name: "jobboard-production", Message: "deployed", Tagger: Ident{"Bob", "bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := gitserver.Git(t, f.dir, f.env, "cat-file", "tag", tag); got != "object "+commit+"\ntype commit\ntag jobboard-production\ntagger Bob <bob@example.com> 1772597167 +0100\n\ndeployed" {
		t.Errorf("tag object:\n%s", got)
	}
	if after := state(t, f.dir, f.env); after != before {
		t.Fatalf("making objects changed the checkout:\n%s\nthen\n%s", before, after)
	}
	if b, err := os.ReadFile(filepath.Join(f.dir, "b.yaml")); err != nil || string(b) != "b: 2\r\nno-final-newline" {
		t.Fatalf("the working tree changed: %q %v", b, err)
	}
	if err := (Ident{"A <b>", "x@y"}).Check("author"); err == nil {
		t.Error("an identity with <> passed")
	}
}

// The atomic push with leases: a stale lease or a non-fast-forward is a race (ErrRace), a
// hook's refusal is final (exit 1), and neither changes any ref on the server.
func TestPushRaceAndRefusal(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	r := f.repo(token, nil)
	url := f.srv.RepoURL(repoPath)
	r.Env = append(r.Env, "GIT_AUTHOR_NAME=x", "GIT_AUTHOR_EMAIL=x@y", "GIT_COMMITTER_NAME=x", "GIT_COMMITTER_EMAIL=x@y")
	ids, err := r.WriteBlobs(ctx, [][]byte{[]byte("c\n")})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(parent, msg string) string {
		c, err := r.Commit(ctx, CommitSpec{Parent: parent, Changes: []TreeEntry{{Mode: "100644", Object: ids[0], Path: "c.yaml"}},
			Message: msg, Author: Ident{"x", "x@y"}, Committer: Ident{"x", "x@y"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := mk(f.seed, "c1")
	tag1, err := r.MakeTag(ctx, TagSpec{Object: c1, Name: "app-prod", Message: "m", Tagger: Ident{"x", "x@y"}})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := r.Push(ctx, url, []RefUpdate{{Src: c1, Dst: "refs/heads/main", Lease: true, Expect: f.seed}, {Src: tag1, Dst: "refs/tags/app-prod", Lease: true}})
	if err != nil || len(refs) != 2 || refs[1].Flag != '*' {
		t.Fatalf("push: %+v %v", refs, err)
	}
	if f.srv.RefValue(t, repoPath, "refs/heads/main") != c1 || f.srv.RefValue(t, repoPath, "refs/tags/app-prod") != tag1 {
		t.Fatal("the push did not land")
	}

	// Another pipeline's view: based on the seed, the tag absent. Both leases are stale.
	c2 := mk(f.seed, "c2")
	_, err = r.Push(ctx, url, []RefUpdate{{Src: c2, Dst: "refs/heads/main", Lease: true, Expect: f.seed}, {Src: tag1, Dst: "refs/tags/app-prod", Lease: true}})
	if !errors.Is(err, ErrRace) || exitcode.Of(err) != exitcode.Failed || !strings.Contains(err.Error(), "stale info") {
		t.Fatalf("stale leases: %v", err)
	}
	// Without a lease, a non-fast-forward is a race too.
	_, err = r.Push(ctx, url, []RefUpdate{{Src: c2, Dst: "refs/heads/main"}})
	if !errors.Is(err, ErrRace) {
		t.Fatalf("non-fast-forward: %v", err)
	}

	// A refused tag update stops the whole atomic push.
	if err := f.srv.Refuse(repoPath, "refs/tags/", "GitLab: You are not allowed to update this tag"); err != nil {
		t.Fatal(err)
	}
	c3 := mk(c1, "c3")
	tag3, err := r.MakeTag(ctx, TagSpec{Object: c3, Name: "app-prod", Message: "m3", Tagger: Ident{"x", "x@y"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Push(ctx, url, []RefUpdate{{Src: c3, Dst: "refs/heads/main", Lease: true, Expect: c1}, {Src: tag3, Dst: "refs/tags/app-prod", Lease: true, Expect: tag1}})
	if errors.Is(err, ErrRace) || kindOf(err) != KindRejected || exitcode.Of(err) != exitcode.Failed ||
		!strings.Contains(err.Error(), "You are not allowed to update this tag") || !strings.Contains(err.Error(), "hook declined") {
		t.Fatalf("refused: %v", err)
	}
	if f.srv.RefValue(t, repoPath, "refs/heads/main") != c1 || f.srv.RefValue(t, repoPath, "refs/tags/app-prod") != tag1 {
		t.Fatal("a refused atomic push changed a ref")
	}
}

func TestRemoteHEADAndOrigin(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	r := f.repo(token, nil)
	if b, err := r.RemoteHEAD(ctx, f.srv.RepoURL(repoPath)); err != nil || b != "main" {
		t.Fatalf("RemoteHEAD: %q %v", b, err)
	}
	gitserver.Git(t, f.dir, f.env, "remote", "set-url", "origin", "https://gitlab-ci-token:"+token+"@gitlab.example.com/group/infra.git")
	o, err := r.Origin(ctx)
	if err != nil || o.URL != "https://gitlab.example.com/group/infra.git" || o.From != "origin" {
		t.Fatalf("Origin: %+v %v", o, err)
	}
	if b, err := r.CurrentBranch(ctx); err != nil || b != "" {
		t.Fatalf("a CI checkout is detached: %q %v", b, err)
	}
}

// fakeGit answers `git version` with a fixed text and runs nothing else.
type fakeGit string

func (f fakeGit) Run(_ context.Context, c Cmd) error {
	_, err := io.WriteString(c.Stdout, string(f)+"\n")
	return err
}

func TestCheckVersion(t *testing.T) {
	for out, ok := range map[string]bool{
		"git version 2.39.5": true, "git version 2.31.0": true, "git version 3.0.0": true,
		"git version 2.39.3 (Apple Git-146)": true, "git version 2.30.2": false, "git version 1.9.9": false,
	} {
		err := (&Repo{Runner: fakeGit(out)}).CheckVersion(context.Background())
		if (err == nil) != ok || (err != nil && exitcode.Of(err) != exitcode.Usage) {
			t.Errorf("%s: %v", out, err)
		}
	}
	noGit := &Repo{Runner: Exec{Path: "/nonexistent/git"}}
	if err := noGit.CheckVersion(context.Background()); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "use an image that has git") {
		t.Errorf("no git: %v", err)
	}
	if err := (&Repo{}).CheckVersion(context.Background()); err != nil {
		t.Errorf("this machine's git: %v", err)
	}
}

func TestNoCheckoutDirectory(t *testing.T) {
	_, err := (&Repo{Dir: filepath.Join(t.TempDir(), "missing")}).TopLevel(context.Background())
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "check --checkout") {
		t.Fatalf("%v", err)
	}
}
