package executor

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
)

// The runner's protocol variables (GitLab Runner's custom executor).
const (
	EnvBuildFailureExitCode  = "BUILD_FAILURE_EXIT_CODE"
	EnvSystemFailureExitCode = "SYSTEM_FAILURE_EXIT_CODE"
	EnvBuildExitCodeFile     = "BUILD_EXIT_CODE_FILE"
	EnvJobResponseFile       = "JOB_RESPONSE_FILE"
	// CustomEnvPrefix prefixes each job variable in the driver's environment.
	CustomEnvPrefix = "CUSTOM_ENV_"
	// MaxJobResponseSize caps JOB_RESPONSE_FILE.
	MaxJobResponseSize = 16 << 20
)

// job_env keys config hands to the later stages, so they find the pod prepare made even if
// the settings change while the job runs.
const (
	JobEnvPod       = "GLCD_EXECUTOR_POD"
	JobEnvNamespace = "GLCD_EXECUTOR_POD_NAMESPACE"
)

// Variable is one job variable as the runner's job response holds it.
type Variable struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Public bool   `json:"public"`
	Masked bool   `json:"masked"`
	File   bool   `json:"file"`
	Raw    bool   `json:"raw"`
}

// Service is one entry of the job's services: as the runner's job response holds it.
type Service struct {
	Name       string     `json:"name"`
	Alias      string     `json:"alias"`
	Entrypoint []string   `json:"entrypoint"`
	Command    []string   `json:"command"`
	Variables  []Variable `json:"variables"`
}

// Aliases are the host names the service answers to: its aliases (comma or space
// separated), or names derived from the image as GitLab does (postgres:16 -> postgres;
// registry.example/team/db:1 -> team-db and team__db).
func (s Service) Aliases() []string {
	if s.Alias != "" {
		return strings.FieldsFunc(s.Alias, func(r rune) bool { return r == ',' || r == ' ' })
	}
	name := s.Name
	if i := strings.LastIndex(name, "@"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	if i := strings.Index(name, "/"); i >= 0 && strings.ContainsAny(name[:i], ".:") {
		name = name[i+1:] // drop the registry host
	}
	names := []string{strings.ReplaceAll(name, "/", "-")}
	if strings.Contains(name, "/") {
		names = append(names, strings.ReplaceAll(name, "/", "__"))
	}
	return names
}

// jobResponse is the part of JOB_RESPONSE_FILE the driver reads.
type jobResponse struct {
	ID        int64      `json:"id"`
	Token     string     `json:"token"`
	Variables []Variable `json:"variables"`
	Image     struct {
		Name string `json:"name"`
	} `json:"image"`
	Services []Service `json:"services"`
}

// Job is what the runner tells the driver about the job it runs.
type Job struct {
	ID                  string // CI_JOB_ID
	ProjectID           string // CI_PROJECT_ID
	ConcurrentProjectID string // CI_CONCURRENT_PROJECT_ID
	Runner              string // CI_RUNNER_SHORT_TOKEN, else "r" + CI_RUNNER_ID
	Image               string // CI_JOB_IMAGE ("" means the settings' default)
	Services            []Service
	// Variables are the job's variables, from the job response or else CUSTOM_ENV_*.
	Variables []Variable
	// Token is the job token (CI_JOB_TOKEN).
	Token ci.Secret

	lookup ci.Lookup
}

// Secrets are the job token and the values of masked variables: they never reach the
// driver's output or a pod spec.
func (j *Job) Secrets() []ci.Secret {
	out := []ci.Secret{j.Token}
	for _, v := range j.Variables {
		if v.Masked || !v.Public && ci.LooksSecret(v.Key) {
			out = append(out, ci.NewSecret(v.Value))
		}
	}
	return out
}

// LoadJob reads the job from the runner's environment: CUSTOM_ENV_* and JOB_RESPONSE_FILE.
func LoadJob(lookup ci.Lookup) (*Job, error) {
	env := func(name string) string {
		v, _ := lookup(CustomEnvPrefix + name)
		return v
	}
	j := &Job{
		ID: env("CI_JOB_ID"), ProjectID: env("CI_PROJECT_ID"), ConcurrentProjectID: env("CI_CONCURRENT_PROJECT_ID"),
		Image: env("CI_JOB_IMAGE"), Token: ci.NewSecret(env("CI_JOB_TOKEN")), lookup: lookup,
	}
	j.Runner = env("CI_RUNNER_SHORT_TOKEN")
	if j.Runner == "" && env("CI_RUNNER_ID") != "" {
		j.Runner = "r" + env("CI_RUNNER_ID")
	}
	if f, ok := lookup(EnvJobResponseFile); ok && f != "" {
		b, err := readCapped(f, MaxJobResponseSize)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvJobResponseFile, err)
		}
		var r jobResponse
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: not the runner's job JSON: %w", EnvJobResponseFile, err)
		}
		j.Variables, j.Services = r.Variables, r.Services
		if r.Token != "" {
			j.Token = ci.NewSecret(r.Token)
		}
		if j.Image == "" {
			j.Image = r.Image.Name
		}
		if j.ID == "" && r.ID != 0 {
			j.ID = fmt.Sprint(r.ID)
		}
	}
	var missing []string
	for name, v := range map[string]string{"CI_JOB_ID": j.ID, "CI_PROJECT_ID": j.ProjectID} {
		if v == "" {
			missing = append(missing, CustomEnvPrefix+name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not called by a GitLab Runner custom executor: %s not set "+
			"(the runner sets CUSTOM_ENV_<name> for each job variable)", strings.Join(slices.Sorted(slices.Values(missing)), ", "))
	}
	return j, nil
}

// Variable returns the value of the job variable key.
func (j *Job) Variable(key string) (string, bool) {
	for i := len(j.Variables) - 1; i >= 0; i-- {
		if j.Variables[i].Key == key {
			return j.Variables[i].Value, true
		}
	}
	if j.lookup == nil {
		return "", false
	}
	return j.lookup(CustomEnvPrefix + key)
}
