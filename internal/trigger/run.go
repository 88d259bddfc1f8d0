package trigger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"gitlab.com/glcd/glcd/internal/clock"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/gitlab"
)

// API is what Run needs from GitLab; *gitlab.Client implements it.
type API interface {
	Trigger(ctx context.Context, opts gitlab.TriggerOptions) (*gitlab.Pipeline, error)
	Pipeline(ctx context.Context, project string, id int64) (*gitlab.Pipeline, error)
	FailedJobs(ctx context.Context, project string, pipelineID int64) ([]gitlab.Job, error)
}

// maxReadFailures is how many reads of a followed pipeline in a row may fail (each after the
// client's own retries) before Run gives up.
const maxReadFailures = 5

// DefaultPollInterval is how often Run reads a followed pipeline by default.
const DefaultPollInterval = 5 * time.Second

// Options say how to run a plan.
type Options struct {
	// Wait follows the pipeline until it ends.
	Wait bool
	// AllowManual accepts a pipeline that stops at a manual job (status manual) as done.
	AllowManual bool
	// Timeout bounds the whole run, trigger included; 0 means no bound but ctx's.
	Timeout time.Duration
	// PollInterval is the time between two reads of a followed pipeline (default 5s).
	PollInterval time.Duration
	// Progress receives the human account of the run (stderr); nil discards it.
	Progress io.Writer
	// Sleep waits between polls; nil waits on a timer. It returns ctx's error if ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time, for durations in messages; nil means time.Now.
	Now func() time.Time
}

// Outcomes of a run.
const (
	Triggered = "triggered" // started, not followed
	Succeeded = "success"
	Failed    = "failed"
	Canceled  = "canceled"
	Skipped   = "skipped"
	Manual    = "manual" // waiting for a person to run a manual job
	TimedOut  = "timeout"
)

// Result is what a run did, for --output json and --dotenv.
type Result struct {
	Project    string           `json:"project"`
	Ref        string           `json:"ref"`
	Variables  []Variable       `json:"variables"`
	Pipeline   *gitlab.Pipeline `json:"pipeline"`
	Waited     bool             `json:"waited"`
	Outcome    string           `json:"outcome"`
	FailedJobs []gitlab.Job     `json:"failed_jobs,omitempty"`
	Duration   string           `json:"duration,omitempty"` // how long the run took
}

// Dotenv returns the GLCD_PIPELINE_* lines for artifacts:reports:dotenv.
func (r *Result) Dotenv() [][2]string {
	if r == nil || r.Pipeline == nil {
		return nil
	}
	return [][2]string{
		{"GLCD_PIPELINE_ID", fmt.Sprint(r.Pipeline.ID)},
		{"GLCD_PIPELINE_URL", r.Pipeline.WebURL},
		{"GLCD_PIPELINE_STATUS", r.Pipeline.Status},
	}
}

var errTimeout = errors.New("--timeout")

// Run starts the plan's pipeline and, with opts.Wait, follows it until it ends. The result
// is non-nil once a pipeline exists, also when the error says it failed (exit 1), stopped
// at a manual job (exit 1 unless AllowManual) or was still running at the timeout (exit 3).
func Run(ctx context.Context, api API, plan *Plan, opts Options) (*Result, error) {
	out := opts.Progress
	if out == nil {
		out = io.Discard
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = clock.Sleep
	}
	poll := opts.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, errTimeout)
		defer cancel()
	}
	started := now()

	fmt.Fprintf(out, "Triggering a pipeline of %s at %s (token from %s)", plan.Project, plan.Ref, plan.TokenFrom)
	if len(plan.Variables) == 0 {
		fmt.Fprintln(out, " without variables")
	} else {
		fmt.Fprintln(out, " with:")
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, v := range plan.Variables {
			fmt.Fprintf(tw, "  %s=%s\t(%s)\n", v.Key, v.Shown(), v.From)
		}
		tw.Flush()
	}
	for _, w := range plan.Warnings {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	p, err := api.Trigger(ctx, gitlab.TriggerOptions{Project: plan.Project, Ref: plan.Ref, Token: plan.Token, Variables: plan.VariableMap()})
	if err != nil {
		return nil, timeoutOr(ctx, err, opts.Timeout, "GitLab did not answer the trigger call; "+
			"a pipeline may have started anyway: look at the project's pipelines before triggering again")
	}
	res := &Result{Project: plan.Project, Ref: plan.Ref, Variables: plan.Variables, Pipeline: p, Outcome: Triggered}
	fmt.Fprintf(out, "Pipeline %d created (%s): %s\n", p.ID, p.Status, p.WebURL)
	if !opts.Wait {
		return res, nil
	}

	res.Waited = true
	seen, failures := p.Status, 0
	for !final(p.Status) {
		if err := sleep(ctx, poll); err != nil {
			return res, finish(res, timeoutOr(ctx, err, opts.Timeout, fmt.Sprintf("pipeline %d is still %s", p.ID, p.Status)), now().Sub(started))
		}
		next, err := api.Pipeline(ctx, plan.Project, p.ID)
		switch {
		case err != nil && ctx.Err() != nil:
			return res, finish(res, timeoutOr(ctx, err, opts.Timeout, fmt.Sprintf("pipeline %d is still %s", p.ID, p.Status)), now().Sub(started))
		case err != nil && exitcode.Of(err) == exitcode.Failed && failures < maxReadFailures:
			// GitLab stayed unavailable through the client's retries: keep following.
			failures++
			fmt.Fprintf(out, "warning: %v; trying again in %s\n", err, poll)
			continue
		case err != nil:
			return res, finish(res, err, now().Sub(started))
		}
		failures = 0
		p = next
		res.Pipeline = p
		if p.Status != seen {
			fmt.Fprintf(out, "Pipeline %d: %s\n", p.ID, p.Status)
			seen = p.Status
		}
	}

	elapsed := now().Sub(started)
	res.Outcome = p.Status
	switch p.Status {
	case Succeeded:
		fmt.Fprintf(out, "Pipeline %d succeeded after %s: %s\n", p.ID, round(elapsed), p.WebURL)
		return res, finish(res, nil, elapsed)
	case Manual:
		if opts.AllowManual {
			fmt.Fprintf(out, "Pipeline %d is waiting for a person to run a manual job (accepted by --allow-manual): %s\n", p.ID, p.WebURL)
			return res, finish(res, nil, elapsed)
		}
		return res, finish(res, exitcode.FailedError(fmt.Errorf("pipeline %d is waiting for a person to run a manual job: %s "+
			"(pass --allow-manual to accept a pipeline that stops there)", p.ID, p.WebURL)), elapsed)
	}
	jobs, jerr := api.FailedJobs(ctx, plan.Project, p.ID)
	res.FailedJobs = jobs
	if len(jobs) > 0 {
		fmt.Fprintln(out, "Failed jobs:")
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  STAGE\tJOB\tREASON\tURL")
		for _, j := range jobs {
			reason := j.FailureReason
			if j.AllowFailure {
				reason += " (allowed to fail)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", j.Stage, j.Name, reason, j.WebURL)
		}
		tw.Flush()
	}
	if jerr != nil {
		fmt.Fprintf(out, "warning: the failed jobs could not be listed: %v\n", jerr)
	}
	return res, finish(res, exitcode.FailedError(fmt.Errorf("downstream pipeline %d %s after %s: %s", p.ID, verb(p.Status), round(elapsed), p.WebURL)), elapsed)
}

func finish(res *Result, err error, elapsed time.Duration) error {
	res.Duration = round(elapsed).String()
	if exitcode.Of(err) == exitcode.Timeout {
		res.Outcome = TimedOut
	}
	return err
}

// final reports whether a pipeline status will not change by itself.
func final(status string) bool {
	switch status {
	case Succeeded, Failed, Canceled, Skipped, Manual:
		return true
	}
	return false
}

func verb(status string) string {
	switch status {
	case Failed:
		return "failed"
	case Canceled:
		return "was canceled"
	case Skipped:
		return "was skipped"
	}
	return "ended " + status
}

// timeoutOr turns an error caused by the --timeout into a timeout error (exit 3) that says
// what was still going on; other errors pass unchanged.
func timeoutOr(ctx context.Context, err error, timeout time.Duration, what string) error {
	if errors.Is(context.Cause(ctx), errTimeout) {
		return exitcode.TimeoutError(fmt.Errorf("timed out after %s (--timeout): %s", timeout, strings.TrimSpace(what)))
	}
	if ctx.Err() != nil && exitcode.Of(err) != exitcode.Timeout {
		return exitcode.CancelledError(errors.New(strings.TrimSpace(what))) // glcd names the signal
	}
	return err
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
