package ci

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

func TestLoadReadsTheTypedView(t *testing.T) {
	e := Load(Environ([]string{
		"CI_PROJECT_ID=42", "CI_SERVER_URL=https://gitlab.example.com", "KUBE_NAMESPACE= app ",
		"PROJECT_NAME=jobboard", "POD_NAME=web", "CI_JOB_TOKEN=" + tokenValue, "IGNORED=1", "BROKEN",
	}))
	if e.GitLab.ProjectID != "42" || e.GitLab.ServerURL != "https://gitlab.example.com" {
		t.Errorf("gitlab: %+v", e.GitLab)
	}
	if e.Kube.Namespace != "app" {
		t.Errorf("namespace %q: values are trimmed", e.Kube.Namespace)
	}
	if e.Deploy.Project != "jobboard" || e.Deploy.Container != "web" {
		t.Errorf("deploy: %+v", e.Deploy)
	}
	if e.GitLab.JobToken.Reveal() != tokenValue {
		t.Error("job token not loaded")
	}
	if s := e.Secrets(); len(s) != 1 || s[0].Reveal() != tokenValue {
		t.Errorf("Secrets() = %v", s)
	}
}

func TestValidateListsEveryProblemAtOnce(t *testing.T) {
	dir := t.TempDir()
	e := Load(Map(map[string]string{
		"CI_PROJECT_ID":        "abc",
		"KUBE_URL":             "http://203.0.113.7",
		"KUBE_CA_PEM":          "not a certificate",
		"KUBECONFIG":           filepath.Join(dir, "missing.yaml"),
		"TARGET_IMAGE_VERSION": "-bad tag",
		"IMAGE_NAME":           "registry.example.com/app:1.0",
		"PROJECT_NAME":         "Job_Board",
		"CI_JOB_TOKEN":         tokenValue,
	}))
	err := e.Validate("CI_PROJECT_ID", "KUBE_URL", "KUBE_CA_PEM", "KUBECONFIG", "TARGET_IMAGE_VERSION",
		"IMAGE_NAME", "PROJECT_NAME", "CI_JOB_TOKEN", "CI_ENVIRONMENT_NAME", "POD_NAME")
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit code %d, want 2 (err %v)", exitcode.Of(err), err)
	}
	var ve *VarsError
	if !errors.As(err, &ve) {
		t.Fatalf("want *VarsError, got %T", err)
	}
	var names []string
	for _, p := range ve.Problems {
		names = append(names, p.Name)
	}
	want := "CI_PROJECT_ID KUBE_URL KUBE_CA_PEM KUBECONFIG TARGET_IMAGE_VERSION IMAGE_NAME PROJECT_NAME CI_ENVIRONMENT_NAME POD_NAME"
	if strings.Join(names, " ") != want {
		t.Fatalf("problems for %v, want %s", names, want)
	}
	msg := err.Error()
	for _, s := range []string{
		"9 environment variables are missing or invalid",
		`CI_PROJECT_ID="abc" is invalid: want the project's numeric id`,
		"KUBE_URL=\"http://203.0.113.7\" is invalid: want the API server's https URL with its port",
		"CI_ENVIRONMENT_NAME is not set — GitLab sets it only for jobs that declare `environment:`",
		"missing.yaml: no such file or directory",
		"(the tag goes in TARGET_IMAGE_VERSION)",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, tokenValue) {
		t.Fatal("a secret reached the error")
	}
}

func TestValidateAcceptsGoodValues(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := Load(Map(map[string]string{
		"CI_PROJECT_ID": "42", "KUBE_URL": "https://203.0.113.7:6443", "KUBECONFIG": kc,
		"TARGET_IMAGE_VERSION": "1.4.0", "IMAGE_NAME": "registry.gitlab.com/g/app", "PROJECT_NAME": "jobboard",
		"CI_COMMIT_SHA": strings.Repeat("a", 40), "PROJECT_INFRA_REPO_LOCATION": "gitlab.com/g/app-infra",
	}))
	if err := e.Validate("CI_PROJECT_ID", "KUBE_URL", "KUBECONFIG", "TARGET_IMAGE_VERSION", "IMAGE_NAME",
		"PROJECT_NAME", "CI_COMMIT_SHA", "PROJECT_INFRA_REPO_LOCATION"); err != nil {
		t.Fatal(err)
	}
	if err := e.CheckSet("KUBE_CA_PEM", "CI_ENVIRONMENT_NAME"); err != nil {
		t.Fatalf("CheckSet must accept unset variables: %v", err)
	}
}

func TestInvalidSecretOrCredentialURLIsNotEchoed(t *testing.T) {
	e := Load(Map(map[string]string{"INFRA_PIPELINE_TRIGGER_URL": "ftp://user:" + tokenValue + "@host/x"}))
	err := e.Validate("INFRA_PIPELINE_TRIGGER_URL")
	if err == nil || strings.Contains(err.Error(), tokenValue) {
		t.Fatalf("err %v", err)
	}
}
