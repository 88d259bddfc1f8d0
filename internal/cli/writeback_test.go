package cli

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

const (
	gitToken   = "glpat-Cli-Git-0123456789abcdef"
	wrongToken = "glpat-Cli-Wrong-000000000000000"
	infraRepo  = "group/app-infra.git"
	appRepo    = "group/jobboard.git"
	imageName  = "registry.example.com/group/jobboard"
)

func deployment(tag string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: jobboard\nspec:\n  template:\n    spec:\n      containers:\n" +
		"        - name: web   # the front\n          image: " + imageName + ":" + tag + "\n"
}

// infra starts a git server over TLS with the infra repo and returns it, a CI checkout and
// the infra deploy job's environment: the old scripts' variables with the token in the old
// CI_PERSONAL_ACCESS_TOKEN, and GitLab's CI_REPOSITORY_URL carrying the job token.
func infra(t *testing.T) (*gitserver.Server, string, []string) {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: gitToken}}})
	srv.Seed(t, infraRepo, "main", gitserver.Commit{Files: map[string]string{"kubernetes/jobboard.yaml": deployment("1.3.0")}, Message: "initial"})
	genv := srv.Env(t)
	dir := srv.CloneCI(t, infraRepo, genv)
	environ := append(genv,
		"CI_PROJECT_DIR="+dir, "PROJECT_NAME=jobboard", "POD_NAME=web", "IMAGE_NAME="+imageName, "TARGET_IMAGE_VERSION=1.4.0",
		"CI_ENVIRONMENT_NAME=production", "CI_DEFAULT_BRANCH=main", "PROJECT_INFRA_REPO_LOCATION="+srv.Location(infraRepo),
		"CI_PERSONAL_ACCESS_TOKEN="+gitToken, "CI_JOB_TOKEN="+ciJobToken,
		"CI_REPOSITORY_URL=https://gitlab-ci-token:"+ciJobToken+"@gitlab.example.com/group/app-infra.git",
		"CI_PIPELINE_URL=https://gitlab.example.com/group/app-infra/-/pipelines/9", "GITLAB_USER_NAME=Ada", "GITLAB_USER_EMAIL=ada@example.com")
	return srv, dir, environ
}

// runGit runs glcd and fails the test if a token appears in its output or the checkout's config.
func runGit(t *testing.T, dir string, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, code = runGLCD(t, environ, args...)
	cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	for _, secret := range []string{gitToken, wrongToken, ciJobToken, apiToken} {
		if strings.Contains(stdout+stderr+string(cfg), secret) {
			t.Fatalf("a token leaked:\nstdout:\n%s\nstderr:\n%s\nconfig:\n%s", stdout, stderr, cfg)
		}
	}
	return stdout, stderr, code
}

func TestWritebackCommand(t *testing.T) {
	srv, dir, environ := infra(t)
	dotenv := filepath.Join(t.TempDir(), "wb.env")
	out, errOut, code := runGit(t, dir, environ, "writeback", "--output", "json", "--dotenv", dotenv)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var res struct {
		Status, Remote, Branch, Image, Commit, Tag, TagObject string
		Tries                                                 int
		Files                                                 []struct{ Path string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if res.Status != "pushed" || res.Remote != srv.RepoURL(infraRepo) || res.Branch != "main" || res.Image != imageName+":1.4.0" ||
		res.Tag != "jobboard-production" || res.Tries != 1 || len(res.Files) != 1 || res.Files[0].Path != "kubernetes/jobboard.yaml" {
		t.Fatalf("result %+v", res)
	}
	if srv.RefValue(t, infraRepo, "refs/heads/main") != res.Commit || srv.RefValue(t, infraRepo, "refs/tags/jobboard-production") != res.TagObject {
		t.Fatal("the remote is not where the result says")
	}
	if got := srv.GitBare(t, infraRepo, "cat-file", "blob", "main:kubernetes/jobboard.yaml"); got+"\n" != deployment("1.4.0") {
		t.Fatalf("manifest:\n%s", got)
	}
	if b, _ := os.ReadFile(dotenv); string(b) != "GLCD_WRITEBACK_COMMIT="+res.Commit+"\nGLCD_WRITEBACK_TAG=jobboard-production\nGLCD_WRITEBACK_STATUS=pushed\n" {
		t.Fatalf("dotenv:\n%s", b)
	}
	for _, s := range []string{"section_start:", "Writing back " + imageName + ":1.4.0 to main of " + srv.RepoURL(infraRepo),
		"kubernetes/jobboard.yaml:10: Deployment/jobboard, container \"web\"", "1.3.0 → 1.4.0", "Pushed "} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}

	// Again: nothing to change, said in text; --debug shows the git commands, never the token.
	_, errOut, code = runGit(t, dir, environ, "writeback", "--debug")
	if code != 0 || !strings.Contains(errOut, "Nothing to change: main already has "+imageName+":1.4.0 and tag jobboard-production is on its tip") ||
		!strings.Contains(errOut, "git ls-remote --end-of-options "+srv.RepoURL(infraRepo)+" refs/heads/main refs/tags/jobboard-production") {
		t.Fatalf("no-op: exit %d\n%s", code, errOut)
	}

	// A dry run of the next version prints the diff on stdout and pushes nothing.
	dry := append(environ, "TARGET_IMAGE_VERSION=1.5.0")
	out, errOut, code = runGit(t, dir, dry, "writeback", "--dry-run")
	if code != 0 || !strings.Contains(out, "-          image: "+imageName+":1.4.0\n+          image: "+imageName+":1.5.0\n") ||
		!strings.Contains(errOut, "Dry run: would commit this") {
		t.Fatalf("dry run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if srv.RefValue(t, infraRepo, "refs/heads/main") != res.Commit {
		t.Fatal("a dry run pushed")
	}

	// --file, --tag, --branch and --remote from the command line (a URL with credentials, dropped).
	out, errOut, code = runGit(t, dir, dry, "writeback", "-o", "json", "--file", "kubernetes/jobboard.yaml", "--tag", "web-live",
		"--remote", strings.Replace(srv.RepoURL(infraRepo), "https://", "https://oauth2:"+gitToken+"@", 1), "--message", "Ship $GLCD_IMAGE")
	if code != 0 || !strings.Contains(out, `"tag":"web-live"`) || srv.RefValue(t, infraRepo, "refs/tags/web-live^{commit}") != srv.RefValue(t, infraRepo, "refs/heads/main") {
		t.Fatalf("flags: exit %d\n%s\n%s", code, out, errOut)
	}
	if msg := srv.GitBare(t, infraRepo, "log", "-1", "--format=%B", "main"); msg != "Ship "+imageName+":1.5.0" {
		t.Fatalf("message %q", msg)
	}
}

func TestWritebackFailures(t *testing.T) {
	srv, dir, environ := infra(t)
	seed := srv.RefValue(t, infraRepo, "refs/heads/main")

	wrong := append(environ, "CI_PERSONAL_ACCESS_TOKEN="+wrongToken)
	_, errOut, code := runGit(t, dir, wrong, "writeback")
	if code != exitcode.Usage || !strings.Contains(errOut, "glcd: list the refs of "+srv.RepoURL(infraRepo)) ||
		!strings.Contains(errOut, "the server refused CI_PERSONAL_ACCESS_TOKEN (user oauth2)") {
		t.Fatalf("wrong token: exit %d\n%s", code, errOut)
	}

	dead := gitserver.Start(t, gitserver.Options{})
	deadURL := dead.RepoURL(infraRepo)
	dead.Close()
	_, errOut, code = runGit(t, dir, environ, "writeback", "--remote", deadURL)
	if code != exitcode.Failed || !strings.Contains(errOut, "could not be reached") {
		t.Fatalf("unreachable: exit %d\n%s", code, errOut)
	}

	// A server that accepts connections and never answers: --timeout ends it, exit 3. The
	// limit must cover starting git twice on a loaded machine (with 300 ms it ran out during
	// git version under load); the connection accepted proves glcd got to the server.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	_, errOut, code = runGit(t, dir, environ, "writeback", "--remote", "http://"+l.Addr().String()+"/group/app-infra.git", "--timeout", "3s")
	if code != exitcode.Timeout || !strings.Contains(errOut, "glcd: timed out after 3s (--timeout): list the refs of http://"+l.Addr().String()) ||
		strings.Contains(errOut, "signal: killed") {
		t.Fatalf("timeout: exit %d\n%s", code, errOut)
	}
	select {
	case <-accepted:
	default:
		t.Fatal("the timeout came before glcd connected to the server")
	}

	_, errOut, code = runGit(t, dir, []string{"PATH=" + os.Getenv("PATH"), "CI_PROJECT_DIR=" + dir}, "writeback")
	if code != exitcode.Usage {
		t.Fatalf("nothing set: exit %d\n%s", code, errOut)
	}
	for _, s := range []string{"IMAGE_NAME is not set", "TARGET_IMAGE_VERSION is not set", "PROJECT_NAME is not set", "CI_ENVIRONMENT_NAME is not set"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	_, errOut, code = runGit(t, dir, environ, "writeback", "--tries", "0")
	if code != exitcode.Usage || !strings.Contains(errOut, "--tries must be at least 1") {
		t.Fatalf("--tries 0: exit %d\n%s", code, errOut)
	}
	if srv.RefValue(t, infraRepo, "refs/heads/main") != seed || srv.RefValue(t, infraRepo, "refs/tags/jobboard-production") != "" {
		t.Fatal("a failed write-back changed the remote")
	}
}

// app starts the app repo (a Makefile with the version) and returns its server, a CI
// checkout and the tag job's environment.
func app(t *testing.T) (*gitserver.Server, string, string, []string) {
	t.Helper()
	srv := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: gitToken}}})
	seed := srv.Seed(t, appRepo, "main", gitserver.Commit{Files: map[string]string{"Makefile": "DEPLOY_VERSION ?= 2.0.1\n"}, Message: "2.0.1"})
	genv := srv.Env(t)
	dir := srv.CloneCI(t, appRepo, genv)
	// The app repo's jobs also carry the infra repo's location, for the trigger: autotag must
	// tag the app repo (CI_REPOSITORY_URL), not that one.
	environ := append(genv, "CI_PROJECT_DIR="+dir, "GLCD_GIT_TOKEN="+gitToken, "CI_JOB_TOKEN="+ciJobToken,
		"CI_REPOSITORY_URL="+strings.Replace(srv.RepoURL(appRepo), "https://", "https://gitlab-ci-token:"+ciJobToken+"@", 1),
		"PROJECT_INFRA_REPO_LOCATION="+srv.Location(infraRepo))
	return srv, dir, seed, environ
}

func TestAutotagCommand(t *testing.T) {
	srv, dir, seed, environ := app(t)
	dotenv := filepath.Join(t.TempDir(), "tag.env")
	out, errOut, code := runGit(t, dir, environ, "autotag", "-o", "json", "--dotenv", dotenv)
	if code != 0 || !strings.Contains(out, `"status":"created"`) || !strings.Contains(errOut, "Created tag v2.0.1 at "+seed[:12]) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if srv.RefValue(t, appRepo, "refs/tags/v2.0.1^{commit}") != seed {
		t.Fatal("no tag on the remote")
	}
	if b, _ := os.ReadFile(dotenv); string(b) != "GLCD_AUTOTAG_TAG=v2.0.1\nGLCD_AUTOTAG_VERSION=2.0.1\nGLCD_AUTOTAG_STATUS=created\nGLCD_AUTOTAG_COMMIT="+seed+"\n" {
		t.Fatalf("dotenv:\n%s", b)
	}
	_, errOut, code = runGit(t, dir, environ, "autotag")
	if code != 0 || !strings.Contains(errOut, "Tag v2.0.1 already exists at this commit") {
		t.Fatalf("again: exit %d\n%s", code, errOut)
	}
	// A later commit with the same version: left alone, exit 0; --strict: exit 1.
	srv.Append(t, appRepo, "main", gitserver.Commit{Files: map[string]string{"README": "x\n"}, Message: "docs"})
	later := srv.CloneCI(t, appRepo, srv.Env(t))
	env2 := append(environ, "CI_PROJECT_DIR="+later)
	_, errOut, code = runGit(t, later, env2, "autotag")
	if code != 0 || !strings.Contains(errOut, "Warning: tag v2.0.1 already exists at "+seed) {
		t.Fatalf("elsewhere: exit %d\n%s", code, errOut)
	}
	_, errOut, code = runGit(t, later, env2, "autotag", "--strict")
	if code != exitcode.Failed || !strings.Contains(errOut, "glcd: tag v2.0.1 already exists at "+seed) {
		t.Fatalf("--strict: exit %d\n%s", code, errOut)
	}
	// Another prefix makes another tag.
	_, errOut, code = runGit(t, later, env2, "autotag", "--prefix", "release-")
	if code != 0 || srv.RefValue(t, appRepo, "refs/tags/release-2.0.1") == "" {
		t.Fatalf("--prefix: exit %d\n%s", code, errOut)
	}
}

func TestAutotagViaAPICommand(t *testing.T) {
	_, dir, seed, environ := app(t)
	s := gitlabapi.New()
	t.Cleanup(s.Close)
	s.AddProject(gitlabapi.Project{ID: 42, Path: "group/jobboard", Branches: map[string]string{"main": seed}})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: apiToken, Scopes: []string{"api"}})
	environ = append(environ, "CI_API_V4_URL="+s.APIURL(), "CI_PROJECT_ID=42", "GLCD_GITLAB_TOKEN="+apiToken)
	out, errOut, code := runGit(t, dir, environ, "autotag", "--via", "api", "-o", "json")
	if code != 0 || !strings.Contains(out, `"via":"api"`) || !strings.Contains(out, `"status":"created"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if tag, ok := s.Tag("group/jobboard", "v2.0.1"); !ok || tag.Commit.ID != seed {
		t.Fatalf("tag %+v %v", tag, ok)
	}
	post := s.Requests()[len(s.Requests())-1]
	if post.Method != "POST" || post.Header.Get("Private-Token") != apiToken || post.Header.Get("User-Agent") != "glcd/1.2.3" {
		t.Fatalf("request %+v", post)
	}
	// A read_api token: GitLab's 403, exit 2, with what to do.
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: "glpat-Cli-ReadApi-0123456789", Scopes: []string{"read_api"}})
	_, errOut, code = runGit(t, dir, append(environ, "GLCD_GITLAB_TOKEN=glpat-Cli-ReadApi-0123456789"), "autotag", "--via", "api", "--prefix", "rc-")
	if code != exitcode.Usage || !strings.Contains(errOut, "403") || !strings.Contains(errOut, "creating tags needs api") {
		t.Fatalf("read_api: exit %d\n%s", code, errOut)
	}
}
