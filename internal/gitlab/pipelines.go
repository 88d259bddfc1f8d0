package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/glcd/glcd/internal/ci"
)

// Pipeline is the part of GitLab's pipeline entity glcd uses.
type Pipeline struct {
	ID         int64      `json:"id"`
	IID        int64      `json:"iid"`
	ProjectID  int64      `json:"project_id"`
	Status     string     `json:"status"`
	Source     string     `json:"source,omitempty"`
	Ref        string     `json:"ref"`
	SHA        string     `json:"sha"`
	WebURL     string     `json:"web_url"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Duration   int64      `json:"duration,omitempty"` // seconds
}

// Job is the part of GitLab's job entity glcd reports.
type Job struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Stage         string `json:"stage"`
	Status        string `json:"status"`
	FailureReason string `json:"failure_reason,omitempty"`
	AllowFailure  bool   `json:"allow_failure"`
	WebURL        string `json:"web_url"`
}

// TriggerOptions say which pipeline to start.
type TriggerOptions struct {
	Project   string    // numeric id or full path, such as group/app-infra
	Ref       string    // branch or tag
	Token     ci.Secret // the project's pipeline trigger token, or CI_JOB_TOKEN for a multi-project pipeline
	Variables map[string]string
}

// projectPath is the API path of a project, encoded as GitLab wants it (group%2Fapp).
func projectPath(project string) string { return "/projects/" + gl.PathEscape(project) }

// Trigger starts a pipeline with POST /projects/:id/trigger/pipeline. The request is
// retried only when it certainly did not reach GitLab (see the start rules), so a
// pipeline is never started twice.
func (c *Client) Trigger(ctx context.Context, opts TriggerOptions) (*Pipeline, error) {
	c.masker.Add(opts.Token)
	ref, token := opts.Ref, opts.Token.Reveal()
	body := &gl.RunPipelineTriggerOptions{Ref: &ref, Token: &token, Variables: opts.Variables}
	var p *gl.Pipeline
	path := projectPath(opts.Project) + "/trigger/pipeline"
	err := c.call(ctx, start, opTrigger, fmt.Sprintf("trigger a pipeline of %s at %s", opts.Project, opts.Ref),
		http.MethodPost, path, false, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			var resp *gl.Response
			var err error
			p, resp, err = c.api.PipelineTriggers.RunPipelineTrigger(opts.Project, body, o...)
			return resp, err
		})
	if err != nil {
		return nil, err
	}
	return pipelineOf(p), nil
}

// Pipeline gets a pipeline with GET /projects/:id/pipelines/:pipeline_id.
func (c *Client) Pipeline(ctx context.Context, project string, id int64) (*Pipeline, error) {
	var p *gl.Pipeline
	path := fmt.Sprintf("%s/pipelines/%d", projectPath(project), id)
	err := c.call(ctx, read, opPipeline, fmt.Sprintf("get pipeline %d of %s", id, project), http.MethodGet, path, true,
		func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			var resp *gl.Response
			var err error
			p, resp, err = c.api.Pipelines.GetPipeline(project, id, o...)
			return resp, err
		})
	if err != nil {
		return nil, err
	}
	return pipelineOf(p), nil
}

// maxJobPages bounds how many pages of 100 failed jobs FailedJobs reads.
const maxJobPages = 10

// FailedJobs lists a pipeline's failed jobs with GET /projects/:id/pipelines/:pipeline_id/jobs?scope[]=failed,
// newest first, as GitLab orders them.
func (c *Client) FailedJobs(ctx context.Context, project string, pipelineID int64) ([]Job, error) {
	var out []Job
	scope := []gl.BuildStateValue{gl.Failed}
	for page := int64(1); page > 0 && page <= maxJobPages; {
		opt := &gl.ListJobsOptions{ListOptions: gl.ListOptions{PerPage: 100, Page: page}, Scope: &scope}
		var jobs []*gl.Job
		var next int64
		path := fmt.Sprintf("%s/pipelines/%d/jobs", projectPath(project), pipelineID)
		err := c.call(ctx, read, opJobs, fmt.Sprintf("list the failed jobs of pipeline %d of %s", pipelineID, project),
			http.MethodGet, path, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
				var resp *gl.Response
				var err error
				jobs, resp, err = c.api.Jobs.ListPipelineJobs(project, pipelineID, opt, o...)
				if resp != nil {
					next = resp.NextPage
				}
				return resp, err
			})
		if err != nil {
			return nil, err
		}
		for _, j := range jobs {
			out = append(out, Job{ID: j.ID, Name: j.Name, Stage: j.Stage, Status: j.Status,
				FailureReason: j.FailureReason, AllowFailure: j.AllowFailure, WebURL: j.WebURL})
		}
		page = next
	}
	return out, nil
}

func pipelineOf(p *gl.Pipeline) *Pipeline {
	if p == nil {
		return &Pipeline{}
	}
	return &Pipeline{
		ID: p.ID, IID: p.IID, ProjectID: p.ProjectID, Status: p.Status, Source: string(p.Source),
		Ref: p.Ref, SHA: p.SHA, WebURL: p.WebURL, CreatedAt: p.CreatedAt, StartedAt: p.StartedAt,
		FinishedAt: p.FinishedAt, Duration: p.Duration,
	}
}
