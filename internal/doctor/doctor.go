// Package doctor explains, in seconds, why a CD job cannot reach, trust or act on the cluster
// and the repos: it runs glcd's own resolution (internal/kube), then checks the network, TLS,
// authentication, the permissions of internal/access, the workload and kubectl, one line of
// evidence per check and, for each failure, the exact fix.
package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/kube"
	"gitlab.com/glcd/glcd/internal/pipeline"
)

// Status is the outcome of one check.
type Status string

// Check outcomes. A warning does not fail the run; a skipped check could not run because an
// earlier one failed.
const (
	OK   Status = "ok"
	Fail Status = "fail"
	Warn Status = "warn"
	Skip Status = "skip"
)

func (s Status) mark() string {
	switch s {
	case OK:
		return "✓"
	case Fail:
		return "✗"
	case Warn:
		return "!"
	}
	return "-"
}

// Check names, in the order they run.
const (
	CheckEnvironment    = "environment"
	CheckKubeconfig     = "kubeconfig"
	CheckNetwork        = "network"
	CheckTLS            = "tls"
	CheckAuthentication = "authentication"
	CheckAuthorization  = "authorization"
	CheckNamespace      = "namespace"
	CheckWorkload       = "workload"
	CheckKubectl        = "kubectl"
	CheckGit            = "git"
	CheckGitLab         = "gitlab"
	CheckImage          = "image"
	CheckPipeline       = "pipeline"
)

// Result is one line of the report.
type Result struct {
	Check    string   `json:"check"`
	Status   Status   `json:"status"`
	Evidence string   `json:"evidence"`
	Details  []string `json:"details,omitempty"`
	Fix      string   `json:"fix,omitempty"`
	Millis   int64    `json:"ms"`
}

// Report is the whole run.
type Report struct {
	Status  Status           `json:"status"` // ok (warnings allowed) or fail
	For     []access.Command `json:"for"`
	Results []Result         `json:"checks"`
	Millis  int64            `json:"ms"`
}

// Fails counts the failed checks.
func (r *Report) Fails() int {
	n := 0
	for _, res := range r.Results {
		if res.Status == Fail {
			n++
		}
	}
	return n
}

// Failed reports whether a check failed.
func (r *Report) Failed() bool { return r.Status == Fail }

// Options are the doctor's inputs.
type Options struct {
	Env  *ci.Env
	Kube kube.Options // flags; Warn is set by the doctor
	// For are the commands whose needs are checked.
	For []access.Command
	// Workload is KIND/NAME (default deployment/$PROJECT_NAME); Container defaults to $POD_NAME.
	Workload, Container string
	// GitRemote is writeback's --remote ("" uses PROJECT_INFRA_REPO_LOCATION, CI_REPOSITORY_URL).
	GitRemote string
	// TriggerProject and GitLabURL are trigger's --project and --gitlab-url ("": from the
	// environment, as trigger finds them).
	TriggerProject, GitLabURL string
	// Images are references whose configuration is read from the registry (check 10).
	Images []string
	// CIFile is a .gitlab-ci.yml to lint ("" for none).
	CIFile string
	// Catalogs are component projects the lint reads the included components of (glcd's own).
	Catalogs map[string]fs.FS
	// FlagVars maps the environment variables that set glcd's flags to those flags
	// ("GLCD_IMAGE": "rollout --image"): a job image named by one of them is reported.
	FlagVars map[string][]string
	// Masker learns the credentials the doctor finds (tokens in kubeconfigs).
	Masker *ci.Masker
	// StepTimeout bounds every network step (default 3s).
	StepTimeout time.Duration
	// Exec finds and runs kubectl; nil uses the real one.
	Exec Exec
	// Environ is the job's environment for the programs the doctor runs.
	Environ []string
}

// Run runs the checks and returns the report. It never returns an error: every problem is a
// failed check with its fix.
func Run(ctx context.Context, opts Options) *Report {
	start := time.Now()
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = 3 * time.Second
	}
	if opts.Exec == nil {
		opts.Exec = OSExec{}
	}
	if opts.Masker == nil {
		opts.Masker = ci.NewMasker(opts.Env.Secrets()...)
	}
	d := &run{opts: opts, rep: &Report{For: opts.For, Status: OK}}
	haveCluster := d.environment()
	if d.needsCluster() {
		if haveCluster {
			d.cluster(ctx)
		} else {
			d.skip("kubeconfig, network, tls, authentication, authorization, namespace, workload", "no cluster configuration")
		}
	}
	d.kubectl(ctx)
	d.gitChecks(ctx)
	d.gitlabCheck(ctx)
	d.loadPipeline()
	d.imageChecks(ctx)
	d.pipelineLint()
	d.rep.Millis = time.Since(start).Milliseconds()
	return d.rep
}

type run struct {
	opts Options
	rep  *Report
	// set by the cluster checks
	target *kube.Target
	cfg    *rest.Config
	server string // server version (gitVersion), when known
	user   string // who the cluster says we are
	pipe   *pipeline.Pipeline
}

func (d *run) add(r Result) {
	r.Evidence = d.opts.Masker.String(r.Evidence)
	r.Fix = d.opts.Masker.String(r.Fix)
	for i := range r.Details {
		r.Details[i] = d.opts.Masker.String(r.Details[i])
	}
	if r.Status == Fail {
		d.rep.Status = Fail
	}
	d.rep.Results = append(d.rep.Results, r)
}

// timed runs f and stamps its duration on the result it returns.
func timed(f func() Result) Result {
	t := time.Now()
	r := f()
	r.Millis = time.Since(t).Milliseconds()
	return r
}

func (d *run) wants(c access.Command) bool { return slices.Contains(d.opts.For, c) }

func (d *run) needsCluster() bool {
	for _, c := range d.opts.For {
		if len(access.For(c)) > 0 {
			return true
		}
	}
	return false
}

// WriteText writes the report as lines: a mark, the check, its evidence, details indented,
// and a fix line under each failure.
func (r *Report) WriteText(w io.Writer) {
	names := make([]string, len(r.For))
	for i, c := range r.For {
		names[i] = string(c)
	}
	fmt.Fprintf(w, "glcd doctor, for %s\n", strings.Join(names, ", "))
	for _, res := range r.Results {
		writeResult(w, res)
	}
	fails, warns := 0, 0
	for _, res := range r.Results {
		switch res.Status {
		case Fail:
			fails++
		case Warn:
			warns++
		}
	}
	switch {
	case fails > 0:
		fmt.Fprintf(w, "%d check(s) failed, %d warning(s) (%d ms)\n", fails, warns, r.Millis)
	default:
		fmt.Fprintf(w, "all checks passed, %d warning(s) (%d ms)\n", warns, r.Millis)
	}
}

func writeResult(w io.Writer, r Result) {
	fmt.Fprintf(w, "%s %s: %s\n", r.Status.mark(), r.Check, r.Evidence)
	for _, l := range r.Details {
		fmt.Fprintf(w, "    %s\n", l)
	}
	if r.Fix != "" {
		fmt.Fprintf(w, "    fix: %s\n", strings.ReplaceAll(r.Fix, "\n", "\n         "))
	}
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ParseFor turns --for values ("rollout", "all", "rollout,apply") into commands.
func ParseFor(values []string) ([]access.Command, error) {
	var out []access.Command
	var bad []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			switch s {
			case "":
				continue
			case "all":
				for _, c := range access.Commands() {
					if !slices.Contains(out, c) {
						out = append(out, c)
					}
				}
				continue
			}
			c, err := access.ParseCommand(s)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "; "))
	}
	return out, nil
}
