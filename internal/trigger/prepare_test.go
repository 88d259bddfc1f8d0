package trigger

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

const (
	pipelineToken = "glptt-Pipeline-0123456789abcdef"
	jobTokenValue = "glcbt-Job-0123456789abcdef"
)

func env(kv ...string) *ci.Env {
	return ci.Load(ci.Environ(kv))
}

func TestPrepareListsEveryProblemAtOnce(t *testing.T) {
	_, err := Prepare(Input{
		Env:     env("CI_PROJECT_DIR=" + t.TempDir()),
		Vars:    []string{"OK=1", "bad key=1", "NOEQUALS"},
		PassEnv: []string{"UNSET_VAR", "CI_JOB_TOKEN", "bad-name"},
		Wait:    true,
	})
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("exit %d, want 2: %v", exitcode.Of(err), err)
	}
	var ve *ci.VarsError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ci.VarsError, got %T", err)
	}
	var names []string
	for _, p := range ve.Problems {
		names = append(names, p.Name)
	}
	want := []string{"GLCD_TRIGGER_PROJECT (--project)", "GLCD_TRIGGER_REF (--ref)", "CI_API_V4_URL", "INFRA_PIPELINE_TOKEN (--token)",
		"GLCD_GITLAB_TOKEN", "--pass-env UNSET_VAR", "--pass-env CI_JOB_TOKEN", "--pass-env bad-name", "--var bad key", "--var (no =)"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("problems\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	msg := err.Error()
	for _, s := range []string{"10 environment variables are missing or invalid", "or set the old INFRA_PIPELINE_TRIGGER_URL",
		"names a credential", "a masked CI/CD variable holding the infra project's pipeline trigger token"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
}

func TestPrepareTakesTheOldTriggerURL(t *testing.T) {
	plan, err := Prepare(Input{Env: env(
		"INFRA_PIPELINE_TRIGGER_URL=https://gitlab.example.com/api/v4/projects/group%2Fapp-infra/ref/main/trigger/pipeline",
		"INFRA_PIPELINE_TOKEN="+pipelineToken,
		"CI_API_V4_URL=https://ci.example.com/api/v4", // the trigger URL names the downstream GitLab: it wins
		"CI_JOB_TOKEN="+jobTokenValue,
		"TARGET_IMAGE_VERSION=1.4.0",
	)})
	if err != nil {
		t.Fatal(err)
	}
	if plan.APIURL != "https://gitlab.example.com/api/v4" || plan.Project != "group/app-infra" || plan.Ref != "main" ||
		plan.Token.Reveal() != pipelineToken || plan.TokenFrom != "INFRA_PIPELINE_TOKEN" {
		t.Fatalf("plan %+v", plan)
	}
	// Flags win over the URL; a token in the URL's query is used when nothing else is set.
	plan, err = Prepare(Input{Env: env(
		"INFRA_PIPELINE_TRIGGER_URL=https://gitlab.example.com/api/v4/projects/42/trigger/pipeline?token="+pipelineToken+"&ref=main",
		"TARGET_IMAGE_VERSION=1.4.0",
	), Project: "other/infra", Ref: "production", GitLabURL: "https://gitlab2.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if plan.APIURL != "https://gitlab2.example.com/api/v4" || plan.Project != "other/infra" || plan.Ref != "production" ||
		plan.Token.Reveal() != pipelineToken || plan.TokenFrom != "INFRA_PIPELINE_TRIGGER_URL" {
		t.Fatalf("plan %+v", plan)
	}
	// A broken URL is listed, without its token.
	_, err = Prepare(Input{Env: env("INFRA_PIPELINE_TRIGGER_URL=https://gitlab.example.com/trigger?token=" + pipelineToken)})
	if err == nil || !strings.Contains(err.Error(), "INFRA_PIPELINE_TRIGGER_URL is invalid") || strings.Contains(err.Error(), pipelineToken) {
		t.Fatalf("err %v", err)
	}
}

func TestPrepareTokenOrder(t *testing.T) {
	base := []string{"CI_SERVER_URL=https://gitlab.example.com", "TARGET_IMAGE_VERSION=1"}
	for _, tc := range []struct {
		flag    string
		environ []string
		want    string
		from    string
	}{
		{"flag-token", []string{"INFRA_PIPELINE_TOKEN=" + pipelineToken, "CI_JOB_TOKEN=" + jobTokenValue}, "flag-token", "--token"},
		{"", []string{"INFRA_PIPELINE_TOKEN=" + pipelineToken, "CI_JOB_TOKEN=" + jobTokenValue}, pipelineToken, "INFRA_PIPELINE_TOKEN"},
		{"", []string{"CI_JOB_TOKEN=" + jobTokenValue}, jobTokenValue, "CI_JOB_TOKEN"},
	} {
		plan, err := Prepare(Input{Env: env(append(tc.environ, base...)...), Project: "1", Ref: "main", Token: ci.NewSecret(tc.flag)})
		if err != nil {
			t.Fatal(err)
		}
		if plan.Token.Reveal() != tc.want || plan.TokenFrom != tc.from || plan.APIURL != "https://gitlab.example.com/api/v4" {
			t.Errorf("token from %s, want %s", plan.TokenFrom, tc.from)
		}
	}
}

func TestPrepareVariables(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte("NAME = app\nDEPLOY_VERSION ?= 2.3.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"CI_API_V4_URL=https://gitlab.example.com/api/v4", "INFRA_PIPELINE_TOKEN=" + pipelineToken, "CI_PROJECT_DIR=" + dir,
		"PROJECT_NAME=jobboard", "POD_NAME=web", "IMAGE_NAME=registry.example.com/g/jobboard", "PROJECT_INFRA_REPO_LOCATION=gitlab.example.com/g/infra",
		"EXTRA=from env", "UNRELATED=not passed"}
	for _, tc := range []struct {
		name     string
		environ  []string
		in       Input
		want     string // KEY=value (from), joined by |
		warnings int
	}{
		{"the deploy contract, version from the Makefile", nil, Input{},
			"PROJECT_NAME=jobboard (environment)|POD_NAME=web (environment)|IMAGE_NAME=registry.example.com/g/jobboard (environment)|" +
				"PROJECT_INFRA_REPO_LOCATION=gitlab.example.com/g/infra (environment)|TARGET_IMAGE_VERSION=2.3.4 (Makefile:2)", 0},
		{"TARGET_IMAGE_VERSION from the environment wins", []string{"TARGET_IMAGE_VERSION=9.9.9"}, Input{},
			"TARGET_IMAGE_VERSION=9.9.9 (environment)|PROJECT_NAME=jobboard (environment)|POD_NAME=web (environment)|" +
				"IMAGE_NAME=registry.example.com/g/jobboard (environment)|PROJECT_INFRA_REPO_LOCATION=gitlab.example.com/g/infra (environment)", 0},
		{"--pass-env and --var, --var last", nil, Input{PassEnv: []string{"EXTRA"}, Vars: []string{"POD_NAME=api", "EXTRA=x=y", "TARGET_IMAGE_VERSION=1.0.0"}},
			"PROJECT_NAME=jobboard (environment)|POD_NAME=api (--var)|IMAGE_NAME=registry.example.com/g/jobboard (environment)|" +
				"PROJECT_INFRA_REPO_LOCATION=gitlab.example.com/g/infra (environment)|EXTRA=x=y (--var)|TARGET_IMAGE_VERSION=1.0.0 (--var)", 0},
		{"another Makefile variable and directory", nil, Input{Dir: t.TempDir(), VersionVar: "NAME"},
			"PROJECT_NAME=jobboard (environment)|POD_NAME=web (environment)|IMAGE_NAME=registry.example.com/g/jobboard (environment)|" +
				"PROJECT_INFRA_REPO_LOCATION=gitlab.example.com/g/infra (environment)", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Env, in.Project, in.Ref = env(append(common, tc.environ...)...), "g/infra", "main"
			plan, err := Prepare(in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range plan.Variables {
				got = append(got, v.Key+"="+v.Value+" ("+v.From+")")
			}
			if strings.Join(got, "|") != tc.want {
				t.Fatalf("variables\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(tc.want, "|", "\n"))
			}
			if len(plan.Warnings) != tc.warnings {
				t.Fatalf("warnings %q", plan.Warnings)
			}
			if tc.warnings > 0 && !strings.Contains(plan.Warnings[0], "TARGET_IMAGE_VERSION is not set and no version found in") {
				t.Fatalf("warning %q", plan.Warnings[0])
			}
		})
	}
	// A declaration that is there but unreadable is an error, not a silent skip.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "Makefile"), []byte("DEPLOY_VERSION = $(shell git describe)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Prepare(Input{Env: env(append(common, "CI_PROJECT_DIR="+bad)...), Project: "g/infra", Ref: "main"})
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "refers to other variables or functions") {
		t.Fatalf("err %v", err)
	}
}
