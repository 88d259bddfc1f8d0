package executor

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
)

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// responseFile writes a job response as GitLab Runner writes JOB_RESPONSE_FILE, with GitLab's
// predefined variables first and then the job's own (extra), and returns the environment the
// runner gives the driver: CUSTOM_ENV_ for every variable in that order, the last one winning.
func responseFile(t *testing.T, mutate func(map[string]any), extra ...Variable) ci.Lookup {
	t.Helper()
	vars := []Variable{
		{Key: "CI_JOB_ID", Value: "1001", Public: true}, {Key: "CI_PROJECT_ID", Value: "8", Public: true},
		{Key: "CI_RUNNER_ID", Value: "5", Public: true}, {Key: "CI_COMMIT_REF_PROTECTED", Value: "false", Public: true},
		{Key: "CI_JOB_TOKEN", Value: "tok-1001", Masked: true},
	}
	vars = append(vars, extra...)
	resp := map[string]any{"id": 1001, "token": "tok-1001", "job_info": map[string]any{"name": "build", "project_id": 8},
		"git_info": map[string]any{"ref": "main"}, "runner_info": map[string]any{"timeout": 600}, "variables": vars,
		"image": map[string]any{"name": "alpine:3.21"}}
	if mutate != nil {
		mutate(resp)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "response.json")
	writeFile(t, p, string(b))
	env := map[string]string{EnvJobResponseFile: p}
	for _, v := range vars {
		env[CustomEnvPrefix+v.Key] = v.Value
	}
	return ci.Map(env)
}

func TestLoadJobTakesIdentityFromTheResponseFile(t *testing.T) {
	j, err := LoadJob(responseFile(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != "1001" || j.ProjectID != "8" || j.Image != "alpine:3.21" || j.token.Reveal() != "tok-1001" || j.Runner != "r5" ||
		j.Timeout != 10*time.Minute || j.Protected || j.Name != "build" {
		t.Errorf("job %+v", j)
	}
}

func TestLoadJobRefusesAForgedIdentity(t *testing.T) {
	for _, key := range []string{"CI_PROJECT_ID", "CI_JOB_ID"} {
		_, err := LoadJob(responseFile(t, nil, Variable{Key: key, Value: "7", Public: true}))
		var f *Failure
		if !errors.As(err, &f) || f.System {
			t.Fatalf("%s: err %v, want a build failure", key, err)
		}
		if !strings.Contains(err.Error(), `the job sets `+key+`="7" in its variables`) {
			t.Errorf("%s: %v", key, err)
		}
	}
	// an environment that disagrees with the file (a job variable the file does not show)
	lookup := responseFile(t, nil)
	env := map[string]string{CustomEnvPrefix + "CI_PROJECT_ID": "7"}
	f, _ := lookup(EnvJobResponseFile)
	env[EnvJobResponseFile] = f
	if _, err := LoadJob(ci.Map(env)); err == nil || !strings.Contains(err.Error(), "CI_PROJECT_ID") {
		t.Errorf("err %v", err)
	}
}

func TestLoadJobNeedsTheResponseFile(t *testing.T) {
	_, err := LoadJob(ci.Map(map[string]string{CustomEnvPrefix + "CI_JOB_ID": "1", CustomEnvPrefix + "CI_PROJECT_ID": "1"}))
	if err == nil || !strings.Contains(err.Error(), "JOB_RESPONSE_FILE is not set") {
		t.Errorf("err %v", err)
	}
}

func TestProtectedIsDecidedAsGitLabRunnerDoes(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name   string
		mutate func(map[string]any)
		extra  []Variable
		want   bool
	}{
		{"unprotected branch", nil, nil, false},
		{"a branch job claiming protection", nil, []Variable{{Key: "CI_COMMIT_REF_PROTECTED", Value: "true"}}, false},
		{"git_info.protected", func(r map[string]any) { r["git_info"] = map[string]any{"protected": &yes} }, nil, true},
		{"git_info.protected false wins", func(r map[string]any) {
			r["git_info"] = map[string]any{"protected": &no}
			r["cache"] = []map[string]any{{"key": "deps-protected"}}
		}, nil, false},
		{"GitLab's own variable", func(r map[string]any) {
			vars := r["variables"].([]Variable)
			vars[3].Value = "true"
		}, nil, true},
		{"a cache key GitLab suffixed", func(r map[string]any) {
			r["cache"] = []map[string]any{{"key": "deps-protected", "paths": []string{"x"}}}
		}, nil, true},
		{"an unprotected cache key", func(r map[string]any) {
			r["cache"] = []map[string]any{{"key": "deps-protected-non_protected", "paths": []string{"x"}}}
		}, nil, false},
	} {
		j, err := LoadJob(responseFile(t, c.mutate, c.extra...))
		if err != nil {
			t.Fatal(err)
		}
		if j.Protected != c.want {
			t.Errorf("%s: protected %v, want %v", c.name, j.Protected, c.want)
		}
	}
}

func TestLoadJobSeesCacheArtifactsAndCredentials(t *testing.T) {
	j, err := LoadJob(responseFile(t, func(r map[string]any) {
		r["cache"] = []map[string]any{{"key": "k-non_protected", "paths": []string{".stack"}}}
		r["artifacts"] = []map[string]any{{"paths": []string{"out/"}}}
		r["credentials"] = []map[string]any{{"type": "registry", "url": "registry.example", "username": "gitlab-ci-token", "password": "reg-pass"}}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !j.Cache || !j.Artifacts || len(j.Credentials) != 1 {
		t.Errorf("job %+v", j)
	}
	found := false
	for _, s := range j.Secrets() {
		found = found || s == "reg-pass"
	}
	if !found {
		t.Error("the registry password is not among the job's secrets")
	}
}
