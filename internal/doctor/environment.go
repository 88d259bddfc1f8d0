package doctor

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/ci"
)

// clusterVars are the variables glcd reads to find the cluster.
var clusterVars = []string{"KUBECONFIG", "KUBE_CONTEXT", "KUBE_URL", "KUBE_TOKEN", "KUBE_CA_PEM", "KUBE_CA_PEM_FILE", "KUBE_NAMESPACE"}

// varsFor are the other variables each command reads.
func varsFor(c access.Command) []string {
	switch c {
	case access.Rollout:
		return []string{"PROJECT_NAME", "POD_NAME", "IMAGE_NAME", "TARGET_IMAGE_VERSION"}
	case access.Apply:
		return []string{"PROJECT_NAME"}
	case access.Writeback:
		return []string{"PROJECT_NAME", "IMAGE_NAME", "TARGET_IMAGE_VERSION", "CI_ENVIRONMENT_NAME", "PROJECT_INFRA_REPO_LOCATION", "GLCD_GIT_TOKEN", "CI_PERSONAL_ACCESS_TOKEN"}
	case access.Trigger:
		return []string{"INFRA_PIPELINE_TRIGGER_URL", "INFRA_PIPELINE_TOKEN", "GLCD_GITLAB_TOKEN"}
	}
	return nil
}

// environment is check 1: which variables are present (masked), which are missing, and why.
func (d *run) environment() (haveCluster bool) {
	haveCluster = true
	d.add(timed(func() Result {
		env := d.opts.Env
		names := []string{}
		if d.needsCluster() {
			names = append(names, clusterVars...)
		}
		for _, c := range d.opts.For {
			for _, n := range varsFor(c) {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		var set, unset, details []string
		for _, n := range names {
			v := env.Value(n)
			if v == "" {
				unset = append(unset, n)
				continue
			}
			set = append(set, n)
			details = append(details, n+"="+shown(n, v))
		}
		r := Result{Check: CheckEnvironment, Status: OK, Details: details}
		r.Evidence = "set: " + list(set)
		if len(unset) > 0 {
			r.Evidence += "; not set: " + list(unset)
		}
		if !d.needsCluster() || d.opts.Kube.Kubeconfig != "" || env.Kube.Config != "" || env.Kube.URL != "" || env.Kube.Token.IsSet() || d.inCluster() {
			return r
		}
		haveCluster = false
		r.Status = Fail
		r.Evidence = "no cluster configuration: KUBECONFIG, KUBE_URL and KUBE_TOKEN are not set (and no in-cluster service account); " + r.Evidence
		r.Fix = noClusterCause(env)
		return r
	}))
	return haveCluster
}

// noClusterCause names the likely reason a job has no cluster variables, and the fix.
func noClusterCause(env *ci.Env) string {
	inCI := env.Value("GITLAB_CI") != "" || env.Value("CI_JOB_ID") != "" || env.GitLab.ServerURL != "" || env.GitLab.JobToken.IsSet()
	switch {
	case !inCI:
		return "outside GitLab CI: export KUBECONFIG=/path/to/kubeconfig (or pass --kubeconfig), or KUBE_URL, KUBE_TOKEN and KUBE_CA_PEM"
	case env.GitLab.EnvironmentName == "":
		return "the job has no `environment:` (CI_ENVIRONMENT_NAME is not set): GitLab sets KUBECONFIG and KUBE_* only for jobs that declare one.\n" +
			"Add to the deploy job:  environment: {name: production}"
	case env.Value("CI_COMMIT_REF_PROTECTED") == "false":
		return fmt.Sprintf("the job runs on the unprotected ref %q: protected CI/CD variables (KUBE_TOKEN, a KUBECONFIG file variable) are only given to protected branches and tags.\n"+
			"Protect the ref, or unprotect the variable", env.GitLab.CommitRefName)
	default:
		return fmt.Sprintf("the job declares environment %q but no cluster reaches it: configure a GitLab agent whose config file lists this project under ci_access "+
			"(then GitLab sets KUBECONFIG), or set KUBE_URL, KUBE_TOKEN and KUBE_CA_PEM as CI/CD variables scoped to that environment", env.GitLab.EnvironmentName)
	}
}

func (d *run) inCluster() bool {
	if d.opts.Kube.InCluster != nil {
		_, err := d.opts.Kube.InCluster()
		return err == nil
	}
	return d.opts.Env.Value("KUBERNETES_SERVICE_HOST") != ""
}

// shown is how a variable's value is printed: credentials masked, long PEM shortened.
func shown(name, v string) string {
	switch {
	case ci.IsSecret(name):
		return ci.Masked
	case strings.Contains(v, "-----BEGIN"):
		return fmt.Sprintf("(PEM, %d bytes)", len(v))
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" {
		// a trigger URL may carry ?token=…; user:password@ is the masker's
		q := u.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "token") {
				q.Set(k, "MASKED")
			}
		}
		if len(q) > 0 {
			u.RawQuery = strings.ReplaceAll(q.Encode(), "MASKED", ci.Masked)
			return u.String()
		}
	}
	return v
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
