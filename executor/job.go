package executor

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// job_env keys config hands to the later stages. The runner passes them unprefixed and before
// the job's variables (which all carry CUSTOM_ENV_), so a job cannot set them.
const (
	JobEnvPod       = "GLCD_EXECUTOR_POD"
	JobEnvNamespace = "GLCD_EXECUTOR_POD_NAMESPACE"
	// JobEnvNonce is the random value config made for this job: in the pod's name and label,
	// it is what run and cleanup check before they touch a pod.
	JobEnvNonce = "GLCD_EXECUTOR_NONCE"
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

// Credential is a registry login GitLab hands the runner for the job (the job token for
// GitLab's own container registry): the job's images are pulled with it.
type Credential struct {
	Type     string `json:"type"`
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// jobResponse is the part of JOB_RESPONSE_FILE the driver reads: the job as GitLab sent it
// to the runner. The runner writes the file itself; a job's variables cannot change it.
type jobResponse struct {
	ID      int64  `json:"id"`
	Token   string `json:"token"`
	JobInfo struct {
		ProjectID int64  `json:"project_id"`
		Name      string `json:"name"`
	} `json:"job_info"`
	GitInfo struct {
		// Protected is sent by GitLab 18.3 and later (and passed on by runners that know it).
		Protected *bool `json:"protected"`
	} `json:"git_info"`
	RunnerInfo struct {
		Timeout int64 `json:"timeout"`
	} `json:"runner_info"`
	Variables []Variable `json:"variables"`
	Image     struct {
		Name string `json:"name"`
	} `json:"image"`
	Services []Service `json:"services"`
	Cache    []struct {
		Key       string   `json:"key"`
		Paths     []string `json:"paths"`
		Untracked bool     `json:"untracked"`
	} `json:"cache"`
	Artifacts []struct {
		Paths     []string `json:"paths"`
		Untracked bool     `json:"untracked"`
	} `json:"artifacts"`
	Credentials []Credential `json:"credentials"`
}

// Job is the job the driver runs, as GitLab sent it to the runner (JOB_RESPONSE_FILE): its
// identity, image, services and token never come from the job's own variables.
type Job struct {
	ID        string // the job's id
	ProjectID string // its project's id
	Name      string // the job's name in .gitlab-ci.yml
	Runner    string // "r" + GitLab's CI_RUNNER_ID, for labels; "" when unknown
	Image     string // the job's image: ("" means the settings' default)
	Services  []Service
	// Variables are the job's variables as GitLab sent them: its predefined ones first.
	Variables []Variable
	// token is the job token (CI_JOB_TOKEN).
	token ci.Secret
	// Protected says the job runs for a protected branch or tag.
	Protected bool
	// Timeout is the job's timeout (runner_info.timeout); 0 when GitLab sent none.
	Timeout time.Duration
	// Cache and Artifacts say the job declares cache: paths and artifacts: paths.
	Cache, Artifacts bool
	// Credentials are the registry logins GitLab sent for the job's images.
	Credentials []Credential
}

// Secrets are the values of the job token, the masked variables and the registry passwords,
// for a masker: they never reach the driver's output or a pod spec.
func (j *Job) Secrets() []string {
	var out []string
	for _, s := range j.secrets() {
		if v := s.Reveal(); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (j *Job) secrets() []ci.Secret {
	out := []ci.Secret{j.token}
	for _, v := range j.Variables {
		if v.Masked || !v.Public && ci.LooksSecret(v.Key) {
			out = append(out, ci.NewSecret(v.Value))
		}
	}
	for _, c := range j.Credentials {
		out = append(out, ci.NewSecret(c.Password))
	}
	return out
}

// LoadJob reads the job from JOB_RESPONSE_FILE, the job exactly as GitLab sent it to the
// runner. A job whose own variables contradict GitLab's CI_JOB_ID or CI_PROJECT_ID is refused
// with a build failure naming the variable: a job could otherwise pass for another one.
func LoadJob(lookup func(name string) (string, bool)) (*Job, error) {
	f, ok := lookup(EnvJobResponseFile)
	if !ok || f == "" {
		return nil, fmt.Errorf("%s is not set: glcd executor runs under GitLab Runner's custom executor "+
			"(14.0 or later), which writes the job GitLab sent to that file", EnvJobResponseFile)
	}
	b, err := readCapped(f, MaxJobResponseSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvJobResponseFile, err)
	}
	var r jobResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not the runner's job JSON: %w", EnvJobResponseFile, err)
	}
	if r.ID <= 0 || r.JobInfo.ProjectID <= 0 {
		return nil, fmt.Errorf("%s: the job has no id or no job_info.project_id (id %d, project %d)", EnvJobResponseFile, r.ID, r.JobInfo.ProjectID)
	}
	j := &Job{
		ID: strconv.FormatInt(r.ID, 10), ProjectID: strconv.FormatInt(r.JobInfo.ProjectID, 10), Name: r.JobInfo.Name,
		Image: r.Image.Name, Services: r.Services, Variables: r.Variables, token: ci.NewSecret(r.Token),
		Timeout: time.Duration(r.RunnerInfo.Timeout) * time.Second, Credentials: r.Credentials,
	}
	if id, ok := j.predefined("CI_RUNNER_ID"); ok && id != "" {
		j.Runner = "r" + id
	}
	j.Protected = protected(&r)
	for _, c := range r.Cache {
		j.Cache = j.Cache || len(c.Paths) > 0 || c.Untracked
	}
	for _, a := range r.Artifacts {
		j.Artifacts = j.Artifacts || len(a.Paths) > 0 || a.Untracked
	}
	var problems []string
	for _, v := range []struct{ key, truth, what string }{
		{"CI_JOB_ID", j.ID, "job " + j.ID}, {"CI_PROJECT_ID", j.ProjectID, "project " + j.ProjectID},
	} {
		forged := map[string]bool{}
		if env, ok := lookup(CustomEnvPrefix + v.key); ok && env != v.truth {
			forged[env] = true
		}
		for _, jv := range r.Variables {
			if jv.Key == v.key && jv.Value != v.truth {
				forged[jv.Value] = true
			}
		}
		for value := range forged {
			problems = append(problems, fmt.Sprintf("the job sets %s=%q in its variables, but GitLab runs it as %s", v.key, value, v.what))
		}
	}
	if len(problems) > 0 {
		return nil, BuildFailure(fmt.Errorf("%s: CI_JOB_ID and CI_PROJECT_ID are GitLab's own and cannot be overridden on this runner "+
			"(remove them from variables: in .gitlab-ci.yml)", strings.Join(problems, "; ")))
	}
	return j, nil
}

// protected decides whether the job runs for a protected ref, as GitLab Runner's docker
// executor decides which cache volume a job gets: git_info.protected when GitLab sent it,
// else GitLab's own CI_COMMIT_REF_PROTECTED (the first one: a later duplicate is the job's),
// or a cache key GitLab suffixed with -protected.
func protected(r *jobResponse) bool {
	if p := r.GitInfo.Protected; p != nil {
		return *p
	}
	for _, v := range r.Variables {
		if v.Key == "CI_COMMIT_REF_PROTECTED" {
			if v.Value == "true" {
				return true
			}
			break
		}
	}
	for _, c := range r.Cache {
		if strings.HasSuffix(c.Key, "-protected") {
			return true
		}
	}
	return false
}

// predefined returns the first value of key among the job's variables: GitLab's own, before
// any the job defines itself.
func (j *Job) predefined(key string) (string, bool) {
	for _, v := range j.Variables {
		if v.Key == key {
			return v.Value, true
		}
	}
	return "", false
}
