// Package trigger starts a downstream pipeline (the infra repo's deploy) through GitLab's
// pipeline trigger API, passing the deploy contract's variables, and optionally follows it
// to its end: glcd trigger. Prepare turns the command line and the job's environment into a
// checked Plan, listing every problem at once; Run does the work against an API.
package trigger

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
	"gitlab.com/glcd/glcd/internal/version"
)

// DeployVars are the variables of the old deploy contract, passed when set.
var DeployVars = []string{"TARGET_IMAGE_VERSION", "PROJECT_NAME", "POD_NAME", "IMAGE_NAME", "PROJECT_INFRA_REPO_LOCATION"}

const versionVar = "TARGET_IMAGE_VERSION"

// Input is what the command line says, before any check. Empty fields fall back to the
// environment, as documented on each.
type Input struct {
	Env *ci.Env
	// Project is the downstream project's id or path (else INFRA_PIPELINE_TRIGGER_URL's).
	Project string
	// Ref is the branch or tag to run (else INFRA_PIPELINE_TRIGGER_URL's).
	Ref string
	// Token is the trigger token (else INFRA_PIPELINE_TOKEN, the trigger URL's ?token=,
	// then CI_JOB_TOKEN, which starts a multi-project pipeline).
	Token ci.Secret
	// GitLabURL is the server or API URL (else the trigger URL's, CI_API_V4_URL, CI_SERVER_URL).
	GitLabURL string
	// Vars are KEY=value pairs to pass; they override everything else.
	Vars []string
	// PassEnv names variables of the environment to pass.
	PassEnv []string
	// Wait says the pipeline will be followed: a token that can read it is then required.
	Wait bool
	// Dir is where to look for the version when TARGET_IMAGE_VERSION is not set
	// (else CI_PROJECT_DIR, else the working directory); VersionVar is the Makefile
	// variable to read (default DEPLOY_VERSION).
	Dir        string
	VersionVar string
}

// Variable is one variable passed to the pipeline, and where its value came from.
type Variable struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	From  string `json:"from"` // "environment", "--var", "--pass-env", or the file:line of a detected version
}

// Shown is the value as glcd prints it: [MASKED] when the name looks like a credential.
func (v Variable) Shown() string {
	if ci.LooksSecret(v.Key) {
		return ci.Masked
	}
	return v.Value
}

// MarshalJSON writes the variable with its value as Shown: --output json never holds a credential.
func (v Variable) MarshalJSON() ([]byte, error) {
	type plain Variable
	p := plain(v)
	p.Value = v.Shown()
	return json.Marshal(p)
}

// Plan is a checked trigger: what to start, where, with what.
type Plan struct {
	APIURL    string
	Project   string
	Ref       string
	Token     ci.Secret
	TokenFrom string // the variable or flag the token came from
	Variables []Variable
	Warnings  []string
}

// VariableMap returns the variables as GitLab's trigger takes them.
func (p *Plan) VariableMap() map[string]string {
	m := make(map[string]string, len(p.Variables))
	for _, v := range p.Variables {
		m[v.Key] = v.Value
	}
	return m
}

// varKey is what GitLab accepts as a CI/CD variable key.
var varKey = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

// Prepare checks in and returns the plan, or one usage error (exit 2) that lists every
// missing or invalid setting.
func Prepare(in Input) (*Plan, error) {
	env := in.Env
	var probs []ci.Problem
	problem := func(name, reason, hint string) {
		probs = append(probs, ci.Problem{Name: name, Reason: reason, Hint: hint})
	}
	plan := &Plan{Project: strings.TrimSpace(in.Project), Ref: strings.TrimSpace(in.Ref)}
	// the deploy variables it passes on are checked here, not in the infra pipeline
	probs = append(probs, env.SetProblems(DeployVars...)...)

	var turl gitlab.TriggerURL
	if raw := env.Deploy.TriggerURL; raw != "" {
		var err error
		if turl, err = gitlab.ParseTriggerURL(raw); err != nil {
			problem("INFRA_PIPELINE_TRIGGER_URL", "is invalid: "+strings.TrimPrefix(err.Error(), "INFRA_PIPELINE_TRIGGER_URL "), "")
		}
	}
	if plan.Project == "" {
		plan.Project = turl.Project
	}
	if plan.Project == "" {
		problem("GLCD_TRIGGER_PROJECT (--project)", "is not set",
			"the downstream project's numeric id or path, such as group/app-infra; or set the old INFRA_PIPELINE_TRIGGER_URL")
	}
	if plan.Ref == "" {
		plan.Ref = turl.Ref
	}
	if plan.Ref == "" {
		problem("GLCD_TRIGGER_REF (--ref)", "is not set", "the branch or tag of the downstream project to run, such as main")
	}

	switch {
	case strings.TrimSpace(in.GitLabURL) != "":
		u, err := gitlab.APIURL(in.GitLabURL, env)
		if err != nil {
			problem("GLCD_GITLAB_URL (--gitlab-url)", "is invalid: "+strings.TrimPrefix(err.Error(), "--gitlab-url: "), "")
		}
		plan.APIURL = u
	case turl.APIURL != "":
		plan.APIURL = turl.APIURL
	default:
		u, err := gitlab.APIURL("", env)
		switch {
		case err != nil:
			problem("CI_API_V4_URL", "is invalid: "+err.Error(), ci.Hint("CI_API_V4_URL"))
		case u == "":
			problem("CI_API_V4_URL", "is not set, nor CI_SERVER_URL, nor --gitlab-url (GLCD_GITLAB_URL)", ci.Hint("CI_API_V4_URL"))
		}
		plan.APIURL = u
	}

	switch {
	case in.Token.IsSet():
		plan.Token, plan.TokenFrom = in.Token, "--token"
		if in.Token.Reveal() == env.Deploy.PipelineToken.Reveal() {
			plan.TokenFrom = "INFRA_PIPELINE_TOKEN" // the flag's environment binding
		}
	case env.Deploy.PipelineToken.IsSet():
		plan.Token, plan.TokenFrom = env.Deploy.PipelineToken, "INFRA_PIPELINE_TOKEN"
	case turl.Token.IsSet():
		plan.Token, plan.TokenFrom = turl.Token, "INFRA_PIPELINE_TRIGGER_URL"
	case env.GitLab.JobToken.IsSet():
		plan.Token, plan.TokenFrom = env.GitLab.JobToken, "CI_JOB_TOKEN"
	default:
		problem("INFRA_PIPELINE_TOKEN (--token)", "is not set, nor CI_JOB_TOKEN", ci.Hint("INFRA_PIPELINE_TOKEN"))
	}
	if in.Wait && !env.GitLabToken.IsSet() && !env.GitLab.JobToken.IsSet() {
		problem("GLCD_GITLAB_TOKEN", "is not set, nor CI_JOB_TOKEN, and --wait reads the pipeline",
			"a masked CI/CD variable holding a token with the read_api scope on the downstream project")
	}

	vars, warnings, vprobs := variables(in)
	plan.Variables, plan.Warnings = vars, warnings
	probs = append(probs, vprobs...)
	if len(probs) > 0 {
		return nil, exitcode.UsageError(&ci.VarsError{Problems: probs})
	}
	return plan, nil
}

// variables assembles the variables: the deploy contract from the environment, then
// --pass-env, then --var; TARGET_IMAGE_VERSION falls back to the detected version.
func variables(in Input) (vars []Variable, warnings []string, probs []ci.Problem) {
	set := func(v Variable) {
		if i := slices.IndexFunc(vars, func(x Variable) bool { return x.Key == v.Key }); i >= 0 {
			vars[i] = v
			return
		}
		vars = append(vars, v)
	}
	for _, name := range DeployVars {
		if v := in.Env.Value(name); v != "" {
			set(Variable{Key: name, Value: v, From: "environment"})
		}
	}
	for _, name := range in.PassEnv {
		name = strings.TrimSpace(name)
		switch v := in.Env.Value(name); {
		case !varKey.MatchString(name):
			probs = append(probs, ci.Problem{Name: "--pass-env " + name, Reason: "is not a variable name", Hint: "letters, digits and _ only"})
		case ci.LooksSecret(name):
			probs = append(probs, ci.Problem{Name: "--pass-env " + name, Reason: "names a credential",
				Hint: "glcd does not copy credentials into another pipeline's variables, where its maintainers can read them"})
		case v == "":
			probs = append(probs, ci.Problem{Name: "--pass-env " + name, Reason: "is not set in this job's environment", Hint: ci.Hint(name)})
		default:
			set(Variable{Key: name, Value: v, From: "--pass-env"})
		}
	}
	for _, kv := range in.Vars {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || !varKey.MatchString(k) {
			shown := k
			if !ok {
				shown = "(no =)"
			}
			probs = append(probs, ci.Problem{Name: "--var " + shown, Reason: "is not KEY=value with a variable name as KEY", Hint: "such as --var TARGET_IMAGE_VERSION=1.4.0"})
			continue
		}
		set(Variable{Key: k, Value: v, From: "--var"})
	}
	if slices.ContainsFunc(vars, func(v Variable) bool { return v.Key == versionVar }) {
		return vars, warnings, append(probs, checkVersion(vars)...)
	}
	dir := in.Dir
	if dir == "" {
		dir = in.Env.Value("CI_PROJECT_DIR")
	}
	if dir == "" {
		dir = "."
	}
	found, derr := version.Detect(dir, version.Options{MakefileVar: in.VersionVar})
	var nf *version.NotFoundError
	switch {
	case errors.As(derr, &nf):
		warnings = append(warnings, fmt.Sprintf("%s is not set and %s; it is not passed", versionVar, strings.ReplaceAll(nf.Error(), "\n", "\n  ")))
	case derr != nil:
		probs = append(probs, ci.Problem{Name: versionVar, Reason: "is not set, and the version in " + dir + " is unreadable: " + derr.Error(),
			Hint: "fix the declaration, or pass --var TARGET_IMAGE_VERSION=..."})
	default:
		set(Variable{Key: versionVar, Value: found.Version, From: fmt.Sprintf("%s:%d", found.Source, found.Line)})
	}
	return vars, warnings, append(probs, checkVersion(vars)...)
}

// checkVersion refuses a version the infra pipeline could not deploy: it becomes the image's
// tag there, so it must be a valid tag, wherever it came from.
func checkVersion(vars []Variable) []ci.Problem {
	for _, v := range vars {
		if v.Key == versionVar && v.From != "environment" && !ci.ValidTag(v.Value) { // the environment's is checked with the rest
			return []ci.Problem{{Name: versionVar, Value: fmt.Sprintf("=%q", v.Value), Reason: "(from " + v.From + ") is not a valid image tag",
				Hint: "letters, digits, '_', '.', '-', at most 128 characters, not starting with '.' or '-'"}}
		}
	}
	return nil
}
