package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"gitlab.com/glcd/glcd/internal/ci"
)

// imageChecks is check 10: each image's configuration, read from its registry without pulling
// the layers. An ENTRYPOINT swallows GitLab's `sh` (the job's script never runs): a ✗ unless
// every job using the image overrides it.
func (d *run) imageChecks(ctx context.Context) {
	images := d.opts.Images
	overridden := map[string]bool{}
	if len(images) == 0 && d.pipe != nil {
		for _, j := range d.pipe.Jobs {
			im, ok := j.ImageOf()
			if !ok || strings.Contains(im.Name, "$") {
				continue
			}
			if !slices.Contains(images, im.Name) {
				images = append(images, im.Name)
				overridden[im.Name] = true
			}
			overridden[im.Name] = overridden[im.Name] && im.EntrypointOverride
		}
	}
	for _, img := range images {
		d.add(timed(func() Result { return d.image(ctx, img, overridden[img]) }))
	}
}

func (d *run) image(ctx context.Context, img string, overridden bool) Result {
	ref, err := ggcrname.ParseReference(img)
	if err != nil {
		return Result{Check: CheckImage, Status: Fail, Evidence: fmt.Sprintf("%s: %v", img, err), Fix: "write the image as registry/repository:tag or @sha256:digest"}
	}
	auth, authFrom := d.registryAuth(ref.Context().RegistryStr())
	ictx, cancel := context.WithTimeout(ctx, 2*d.opts.StepTimeout)
	defer cancel()
	desc, err := remote.Image(ref, remote.WithContext(ictx), remote.WithAuth(auth))
	if err != nil {
		r := Result{Check: CheckImage, Status: Fail, Evidence: fmt.Sprintf("%s: %s", img, firstLine(err.Error()))}
		var te *transport.Error
		if errors.As(err, &te) {
			switch te.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				r.Evidence = fmt.Sprintf("%s: the registry refused %s (%d)", img, authFrom, te.StatusCode)
				r.Fix = "give the job registry credentials: GitLab's CI_REGISTRY_USER/CI_REGISTRY_PASSWORD for its own registry, or a deploy token"
			case http.StatusNotFound:
				r.Evidence = fmt.Sprintf("%s: not found in the registry", img)
				r.Fix = "push the image, or correct its name and tag"
			}
		}
		return r
	}
	cfg, err := desc.ConfigFile()
	if err != nil {
		return Result{Check: CheckImage, Status: Fail, Evidence: fmt.Sprintf("%s: configuration: %v", img, err)}
	}
	ep := cfg.Config.Entrypoint
	digest, _ := desc.Digest()
	short := digest.String()
	if len(short) > 19 {
		short = short[:19]
	}
	if len(ep) == 0 {
		return Result{Check: CheckImage, Status: OK, Evidence: fmt.Sprintf("%s (%s, %s): no ENTRYPOINT; CMD %q", img, short, authFrom, cfg.Config.Cmd)}
	}
	if overridden {
		return Result{Check: CheckImage, Status: OK, Evidence: fmt.Sprintf("%s (%s): ENTRYPOINT %q, overridden by every job using it (entrypoint: [\"\"])", img, short, ep)}
	}
	return Result{Check: CheckImage, Status: Fail,
		Evidence: fmt.Sprintf("%s (%s) has ENTRYPOINT %q: GitLab's shell script is passed to it as arguments and the job's commands never run", img, short, ep),
		Fix:      fmt.Sprintf("override it on the job:  image: {name: %s, entrypoint: [\"\"]}  or use the glcd image, which has none", img)}
}

// registryAuth picks the credentials a job has for a registry: CI_REGISTRY_USER/PASSWORD, or
// the job token, for GitLab's registry (CI_REGISTRY); nothing for the others.
func (d *run) registryAuth(registry string) (authn.Authenticator, string) {
	env := d.opts.Env
	if reg := env.Value("CI_REGISTRY"); reg != "" && reg == registry {
		if u, p := env.Value("CI_REGISTRY_USER"), env.Value("CI_REGISTRY_PASSWORD"); u != "" && p != "" {
			d.opts.Masker.Add(ci.NewSecret(p))
			return authn.FromConfig(authn.AuthConfig{Username: u, Password: p}), "CI_REGISTRY_USER"
		}
		if env.GitLab.JobToken.IsSet() {
			return authn.FromConfig(authn.AuthConfig{Username: "gitlab-ci-token", Password: env.GitLab.JobToken.Reveal()}), "CI_JOB_TOKEN"
		}
	}
	return authn.Anonymous, "anonymously"
}
