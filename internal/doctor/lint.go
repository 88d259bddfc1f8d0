package doctor

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"gitlab.com/glcd/glcd/internal/pipeline"
)

// knownEntrypoints are popular images whose ENTRYPOINT breaks GitLab's shell, as the seed met.
var knownEntrypoints = map[string]string{
	"bitnami/kubectl":                "kubectl",
	"lachlanevenson/k8s-kubectl":     "kubectl",
	"alpine/helm":                    "helm",
	"alpine/git":                     "git",
	"hashicorp/terraform":            "terraform",
	"bitnami/git":                    "git",
	"gcr.io/kaniko-project/executor": "/kaniko/executor",
}

func knownEntrypoint(image string) string {
	repo := image
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	repo = strings.TrimPrefix(strings.TrimPrefix(repo, "docker.io/"), "index.docker.io/")
	return knownEntrypoints[repo]
}

// loadPipeline reads --ci-file; a file that does not parse is a failed check.
func (d *run) loadPipeline() {
	if d.opts.CIFile == "" {
		return
	}
	p, err := pipeline.LoadWith(d.opts.CIFile, pipeline.LoadOptions{Catalogs: d.opts.Catalogs})
	if err != nil {
		d.add(Result{Check: CheckPipeline, Status: Fail, Evidence: err.Error(), Fix: "make the file valid YAML that GitLab's pipeline editor accepts"})
		return
	}
	d.pipe = p
}

// pipelineLint is check 11.
func (d *run) pipelineLint() {
	p := d.pipe
	if p == nil {
		return
	}
	file := filepath.Base(p.File)
	var found int
	fail := func(job, ev, fix string) {
		found++
		d.add(Result{Check: CheckPipeline, Status: Fail, Evidence: fmt.Sprintf("%s: job %s: %s", file, job, ev), Fix: fix})
	}
	for _, j := range p.Jobs {
		if line := j.UsesCluster(); line != "" && j.Environment() == "" {
			fail(j.Name, fmt.Sprintf("runs `%s` without `environment:`, so GitLab gives it no KUBECONFIG and no KUBE_* variables", line),
				fmt.Sprintf("declare the environment on the job:  %s: {environment: {name: production}}", j.Name))
		}
		for _, s := range j.Services() {
			if strings.Contains(strings.ToLower(s), "kubernetes") {
				fail(j.Name, fmt.Sprintf("has `services: [%s]`: no such service exists; services are containers beside the job, not a cluster", s),
					"remove the service; the cluster is reached through `environment:` plus a GitLab agent (KUBECONFIG, KUBE_CONTEXT) or KUBE_URL/KUBE_TOKEN/KUBE_CA_PEM")
			}
		}
		if im, ok := j.ImageOf(); ok && !im.EntrypointOverride {
			if ep := knownEntrypoint(im.Name); ep != "" {
				fail(j.Name, fmt.Sprintf("uses image %s, whose ENTRYPOINT is %s: the job's script is handed to %s and never runs", im.Name, ep, ep),
					fmt.Sprintf("image: {name: %s, entrypoint: [\"\"]}, or the glcd image, which has no ENTRYPOINT", im.Name))
			}
		}
		if im, ok := j.ImageOf(); ok && j.RunsGLCD() != "" {
			if v := imageVariable(im.Name); len(d.opts.FlagVars[v]) > 0 {
				fail(j.Name, fmt.Sprintf("names its image $%s, which is also what sets glcd %s: every glcd command of the job reads the image's name as that flag", v, strings.Join(d.opts.FlagVars[v], ", ")),
					fmt.Sprintf("name the variable otherwise, e.g. GLCD_JOB_IMAGE: image: $GLCD_JOB_IMAGE (and variables: {GLCD_JOB_IMAGE: ...} instead of %s)", v))
			}
		}
		if line := j.Deploys(); line != "" {
			if ok, why := j.RunsOnTags(); !ok {
				fail(j.Name, fmt.Sprintf("runs `%s` but can never run in a tag pipeline (%s), where releases are published", line, why),
					"let it run on tags: only: [tags], or rules: [{if: $CI_COMMIT_TAG}]")
			}
		}
	}
	if found > 0 {
		return
	}
	ev := fmt.Sprintf("%s: %d jobs read (anchors, default:, extends", file, len(p.Jobs))
	if n := len(p.Included) - len(p.Components); n > 0 {
		ev += fmt.Sprintf(", %d local includes", n)
	}
	if len(p.Components) > 0 {
		ev += fmt.Sprintf(", %d components", len(p.Components))
	}
	ev += " resolved); nothing wrong found"
	r := Result{Check: CheckPipeline, Status: OK, Evidence: ev}
	if len(p.Remote) > 0 {
		r.Status = Warn
		r.Details = []string{"not followed: " + strings.Join(p.Remote, ", ")}
	}
	d.add(r)
}

var imageVar = regexp.MustCompile(`^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$`)

// imageVariable returns NAME for an image written $NAME or ${NAME}, else "".
func imageVariable(image string) string {
	m := imageVar.FindStringSubmatch(strings.TrimSpace(image))
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}
