package doctor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed"
	"gitlab.com/glcd/glcd/internal/testbed/gitlabapi"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

func TestInfraRemoteTokens(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	const right = "glpat-RightInfraTokenForDoctor"
	s := gitserver.Start(t, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: right}}})
	s.Seed(t, "group/infra.git", "main", gitserver.Commit{Files: map[string]string{"kubernetes/web.yaml": "kind: Deployment\n"}, Message: "init"})
	env := []string{"GIT_SSL_CAINFO=" + s.CAFile, "PROJECT_INFRA_REPO_LOCATION=" + s.Location("group/infra.git"), "GIT_CONFIG_NOSYSTEM=1"}
	path := []string{"/usr/bin", "/bin"}

	// GLCD_GIT_TOKEN (set by doctor()) is not the server's token
	out, code := doctor(t, env, path, "--for", "writeback")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ git:", "401", s.RepoURL("group/infra.git"), "GLCD_GIT_TOKEN")
	wantFix(t, out, "✗ git:", "project access token", "write_repository")

	out, code = doctor(t, append(env, "GLCD_GIT_TOKEN="+right), path, "--for", "writeback")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ git:", s.RepoURL("group/infra.git"), "PROJECT_INFRA_REPO_LOCATION", "GLCD_GIT_TOKEN", "HEAD ")

	out, code = doctor(t, append(env, "GLCD_GIT_TOKEN="+right), path, "--for", "writeback", "--remote", s.RepoURL("group/other.git"))
	wantCode(t, code, 1)
	wantLine(t, out, "✗ git:", "404", "group/other.git")
	wantFix(t, out, "✗ git:", "allowlist")
}

func TestImagesWithAndWithoutEntrypoint(t *testing.T) {
	tb.Need(t)
	pushTestImages(t)
	env := []string{"CI_REGISTRY=" + testbed.RegistryAuth, "CI_REGISTRY_USER=" + testbed.RegistryUser, "CI_REGISTRY_PASSWORD=" + testbed.RegistryPassword}
	out, code := doctorIn(t, inNetns(t), env, noKubectl(t), "--for", "trigger",
		"--image", testbed.Registry+"/tools/kubectl:1", "--image", testbed.Registry+"/glcd/kubectl:1", "--image", testbed.RegistryAuth+"/private/app:1")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ image: "+testbed.Registry+"/tools/kubectl:1", `ENTRYPOINT ["kubectl"]`, "never run")
	wantFix(t, out, "✗ image: "+testbed.Registry+"/tools/kubectl:1", `entrypoint: [""]`)
	wantLine(t, out, "✓ image: "+testbed.Registry+"/glcd/kubectl:1", "no ENTRYPOINT")
	wantLine(t, out, "✓ image: "+testbed.RegistryAuth+"/private/app:1", "CI_REGISTRY_USER")

	// without the job's registry credentials the private image is refused, not "missing"
	out, code = doctorIn(t, inNetns(t), nil, noKubectl(t), "--for", "trigger", "--image", testbed.RegistryAuth+"/private/app:1")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ image: "+testbed.RegistryAuth+"/private/app:1", "refused anonymously (401)")
	wantFix(t, out, "✗ image: ", "CI_REGISTRY_USER")
}

// seedPipeline is the write-up's infra pipeline: services: [kubernetes], no environment:,
// an image with an ENTRYPOINT; spread over an include, an anchor and extends.
const seedPipeline = `include:
  - local: ci/base.yml
  - remote: https://gitlab.example.com/templates/raw/main/lint.yml
.kube: &kube
  image: %s
  services: [kubernetes]
deploy_production:
  <<: *kube
  extends: .deploy
  only: [triggers]
`

func TestPipelineWithTheSeedsMistakes(t *testing.T) {
	tb.Need(t)
	pushTestImages(t)
	dir := t.TempDir()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".gitlab-ci.yml", strings.Replace(seedPipeline, "%s", testbed.Registry+"/tools/kubectl:1", 1))
	write("ci/base.yml", ".deploy:\n  stage: deploy\n  script:\n    - kubectl set image deployment/$PROJECT_NAME $POD_NAME=$IMAGE_NAME:$TARGET_IMAGE_VERSION\n")
	// CI_PROJECT_DIR's .gitlab-ci.yml is the default --ci-file; its images the default --image
	out, code := doctorIn(t, inNetns(t), []string{"CI_PROJECT_DIR=" + dir}, noKubectl(t), "--for", "trigger")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ image: "+testbed.Registry+"/tools/kubectl:1", `ENTRYPOINT ["kubectl"]`)
	wantLine(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy_production: has `services: [kubernetes]`", "no such service")
	wantFix(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy_production: has `services", "remove the service")
	wantLine(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy_production: runs `kubectl set image", "without `environment:`")
	wantFix(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy_production: runs", "environment: {name: production}")

	// a well-known image with an ENTRYPOINT is named without reading the registry
	write(".gitlab-ci.yml", strings.Replace(seedPipeline, "%s", "bitnami/kubectl:1.29", 1))
	out, code = doctor(t, nil, noKubectl(t), "--for", "trigger", "--ci-file", filepath.Join(dir, ".gitlab-ci.yml"), "--image", "127.0.0.1:1/x:1")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy_production: uses image bitnami/kubectl:1.29", "ENTRYPOINT is kubectl")
	wantFix(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy_production: uses image", `entrypoint: [""]`)

	// fixed: environment, no service, entrypoint overridden
	write(".gitlab-ci.yml", "include: ci/base.yml\ndeploy_production:\n  extends: .deploy\n  image: {name: "+testbed.Registry+"/tools/kubectl:1, entrypoint: [\"\"]}\n  environment: production\n")
	out, code = doctorIn(t, inNetns(t), []string{"CI_PROJECT_DIR=" + dir}, noKubectl(t), "--for", "trigger")
	wantCode(t, code, 0)
	wantLine(t, out, "✓ image: "+testbed.Registry+"/tools/kubectl:1", "overridden by every job")
	wantLine(t, out, "✓ pipeline: .gitlab-ci.yml: 1 jobs read", "1 local includes", "nothing wrong")
}

// The examples once named the glcd image GLCD_IMAGE, the variable of rollout's and writeback's
// --image: every deploy would have rolled out the glcd image. The lint names it.
func TestPipelineImageVariableThatSetsAFlag(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	file := filepath.Join(t.TempDir(), ".gitlab-ci.yml")
	pipe := func(name string) {
		t.Helper()
		src := "variables:\n  " + name + ": registry.gitlab.com/glcd/glcd:0.1\ndeploy:\n  image: ${" + name + "}\n  environment: production\n  script:\n    - glcd rollout\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pipe("GLCD_IMAGE")
	out, code := doctor(t, nil, noKubectl(t), "--for", "trigger", "--ci-file", file)
	wantCode(t, code, 1)
	wantLine(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy: names its image $GLCD_IMAGE", "sets glcd rollout --image, writeback --image")
	wantFix(t, out, "✗ pipeline: .gitlab-ci.yml: job deploy: names its image", "GLCD_JOB_IMAGE")

	pipe("GLCD_JOB_IMAGE")
	out, code = doctor(t, nil, noKubectl(t), "--for", "trigger", "--ci-file", file)
	wantCode(t, code, 0)
	wantLine(t, out, "✓ pipeline: .gitlab-ci.yml: 1 jobs read", "nothing wrong")
}

func TestGitLabAPIToken(t *testing.T) {
	tb.Need(t) // runs the built glcd against the test bed
	const right = "glpat-RightApiTokenForDoctor"
	s := gitlabapi.New()
	t.Cleanup(s.Close)
	s.AddProject(gitlabapi.Project{ID: 7, Path: "demo/app-infra"})
	s.AddProject(gitlabapi.Project{ID: 8, Path: "demo/secret"})
	s.AddToken(gitlabapi.Token{Kind: gitlabapi.PrivateToken, Value: right, Scopes: []string{"read_api"}, Projects: []int64{7}})
	args := []string{"--for", "trigger", "--gitlab-url", s.URL, "--project", "demo/app-infra"}

	out, code := doctor(t, []string{"GLCD_GITLAB_TOKEN=glpat-WrongApiTokenForDoctor"}, noKubectl(t), args...)
	wantCode(t, code, 1)
	wantLine(t, out, "✗ gitlab:", "401", "refused GLCD_GITLAB_TOKEN")
	wantFix(t, out, "✗ gitlab:", "read_api")

	out, code = doctor(t, []string{"GLCD_GITLAB_TOKEN=" + right, "INFRA_PIPELINE_TOKEN=glptt-SomeTriggerToken"}, noKubectl(t), args...)
	wantCode(t, code, 0)
	wantLine(t, out, "✓ gitlab:", "GLCD_GITLAB_TOKEN reads project demo/app-infra", "INFRA_PIPELINE_TOKEN set")

	out, code = doctor(t, []string{"GLCD_GITLAB_TOKEN=" + right}, noKubectl(t), "--for", "trigger", "--gitlab-url", s.URL, "--project", "demo/secret")
	wantCode(t, code, 1)
	wantLine(t, out, "✗ gitlab:", "404", "demo/secret")
}
