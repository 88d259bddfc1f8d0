package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/gitlab"
)

// gitlabCheck is check 9 for the API side: GLCD_GITLAB_TOKEN (what `glcd trigger --wait` reads
// the downstream pipeline with) is accepted by a read-only call on the downstream project. A
// trigger token cannot be checked without starting a pipeline, so only its presence is told.
func (d *run) gitlabCheck(ctx context.Context) {
	env := d.opts.Env
	if !d.wants(access.Trigger) || !env.GitLabToken.IsSet() {
		return
	}
	project, apiURL := d.opts.TriggerProject, ""
	if env.Deploy.TriggerURL != "" {
		if tu, err := gitlab.ParseTriggerURL(env.Deploy.TriggerURL); err == nil {
			apiURL = tu.APIURL
			if project == "" {
				project = tu.Project
			}
		}
	}
	if d.opts.GitLabURL != "" || apiURL == "" {
		u, err := gitlab.APIURL(d.opts.GitLabURL, env)
		if err != nil {
			d.add(Result{Check: CheckGitLab, Status: Fail, Evidence: err.Error(), Fix: "give GitLab's URL as https://gitlab.example.com"})
			return
		}
		apiURL = u
	}
	if project == "" || apiURL == "" {
		d.add(Result{Check: CheckGitLab, Status: Warn, Evidence: "GLCD_GITLAB_TOKEN is set but no downstream project (--project, INFRA_PIPELINE_TRIGGER_URL) or GitLab URL: not checked"})
		return
	}
	d.add(timed(func() Result {
		c, err := gitlab.New(gitlab.Options{APIURL: apiURL, Token: env.GitLabToken, Retries: -1, RequestTimeout: d.opts.StepTimeout, UserAgent: "glcd-doctor"})
		if err != nil {
			return Result{Check: CheckGitLab, Status: Fail, Evidence: err.Error()}
		}
		gctx, cancel := context.WithTimeout(ctx, 2*d.opts.StepTimeout)
		defer cancel()
		_, _, err = c.Tag(gctx, project, "glcd-doctor-probe") // a tag that does not exist: a read that changes nothing
		trig := "no trigger token (INFRA_PIPELINE_TOKEN) set"
		if env.Deploy.PipelineToken.IsSet() {
			trig = "trigger token INFRA_PIPELINE_TOKEN set (GitLab has no read-only check for trigger tokens)"
		}
		if err == nil {
			return Result{Check: CheckGitLab, Status: OK, Evidence: fmt.Sprintf("GLCD_GITLAB_TOKEN reads project %s at %s; %s", project, apiURL, trig)}
		}
		r := Result{Check: CheckGitLab, Status: Fail, Evidence: firstLine(err.Error())}
		var ge *gitlab.Error
		if errors.As(err, &ge) {
			switch ge.Status {
			case http.StatusUnauthorized:
				r.Evidence = fmt.Sprintf("401: GitLab at %s refused GLCD_GITLAB_TOKEN (wrong, expired or revoked)", apiURL)
				r.Fix = "create a project access token of the downstream project with read_api and store it as the masked CI/CD variable GLCD_GITLAB_TOKEN"
			case http.StatusForbidden:
				r.Evidence = fmt.Sprintf("403: GLCD_GITLAB_TOKEN may not read project %s", project)
				r.Fix = "give the token the read_api scope and at least the Reporter role on the downstream project"
			case http.StatusNotFound:
				r.Evidence = fmt.Sprintf("404: project %s does not exist at %s, or GLCD_GITLAB_TOKEN cannot see it", project, apiURL)
				r.Fix = "check the project (--project, INFRA_PIPELINE_TRIGGER_URL) and that the token belongs to it"
			}
		}
		return r
	}))
}
