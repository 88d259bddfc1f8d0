package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"

	"gitlab.com/glcd/glcd/internal/access"
	"gitlab.com/glcd/glcd/internal/gitops"
)

// gitChecks is check 9 for the git side: the infra remote answers an authenticated ls-remote
// with the token writeback would use. It runs when writeback is checked and a remote is set.
func (d *run) gitChecks(ctx context.Context) {
	if !d.wants(access.Writeback) {
		return
	}
	env := d.opts.Env
	remote, ok, err := gitops.ResolveRemote(d.opts.GitRemote, env)
	if err != nil {
		d.add(Result{Check: CheckGit, Status: Fail, Evidence: err.Error(),
			Fix: "PROJECT_INFRA_REPO_LOCATION is host/group/project without a scheme; --remote / GLCD_GIT_REMOTE is a URL"})
		return
	}
	if !ok {
		return
	}
	d.add(timed(func() Result {
		auth := gitops.AuthFromEnv(env, "")
		if !auth.IsSet() && remote.HTTP() {
			return Result{Check: CheckGit, Status: Fail, Evidence: fmt.Sprintf("%s (from %s): no token to push with", remote.URL, remote.From),
				Fix: "store a project access token of the infra project (role Developer or more, scope write_repository) as a masked CI/CD variable GLCD_GIT_TOKEN"}
		}
		gctx, cancel := context.WithTimeout(ctx, 2*d.opts.StepTimeout)
		defer cancel()
		repo := &gitops.Repo{Dir: os.TempDir(), Env: d.opts.Environ, Auth: auth, Masker: d.opts.Masker}
		refs, err := repo.LsRemote(gctx, remote.URL, "HEAD")
		if err == nil {
			head := refs["HEAD"]
			if len(head) > 12 {
				head = head[:12]
			}
			return Result{Check: CheckGit, Status: OK, Evidence: fmt.Sprintf("%s (from %s) answers ls-remote with the token of %s (HEAD %s)", remote.URL, remote.From, auth.From, head)}
		}
		r := Result{Check: CheckGit, Status: Fail, Evidence: firstLine(err.Error())}
		var ge *gitops.Error
		if !errors.As(err, &ge) {
			return r
		}
		switch ge.Kind {
		case gitops.KindAuth:
			r.Evidence = fmt.Sprintf("401: %s refused the token of %s (wrong, expired or revoked)", remote.URL, auth.From)
			r.Fix = fmt.Sprintf("replace %s with a valid project access token of the infra project (role Developer or more, scope write_repository), stored as a masked CI/CD variable", auth.From)
		case gitops.KindForbidden:
			r.Evidence = fmt.Sprintf("403: the token of %s may not read %s", auth.From, remote.URL)
			r.Fix = fmt.Sprintf("give the token of %s the write_repository scope and at least the Developer role on the infra project", auth.From)
		case gitops.KindNotFound:
			r.Evidence = fmt.Sprintf("404: no repository at %s (from %s), or the token of %s cannot see it", remote.URL, remote.From, auth.From)
			r.Fix = fmt.Sprintf("check %s (host/group/project of the infra repo); with CI_JOB_TOKEN, add this project to the infra project's job token allowlist, or use GLCD_GIT_TOKEN", remote.From)
		case gitops.KindTLS:
			r.Fix = "git does not trust the server's certificate: give its CA in GIT_SSL_CAINFO (GitLab sets CI_SERVER_TLS_CA_FILE)"
		case gitops.KindUnreachable:
			r.Fix = fmt.Sprintf("the runner cannot reach %s: check the host name and the network", remote.URL)
		}
		return r
	}))
}
