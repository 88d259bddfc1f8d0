// Package registry answers questions about images in an OCI registry without pulling them.
package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"gitlab.com/glcd/glcd/internal/ci"
)

// ErrRefused is returned when the registry refuses the credentials (or their absence).
var ErrRefused = errors.New("the registry refused the credentials")

// Auth returns the credentials for registry and where they come from. GitLab's job
// credentials (CI_REGISTRY_USER/CI_REGISTRY_PASSWORD, else CI_JOB_TOKEN as gitlab-ci-token)
// are only sent to the job's own registry, CI_REGISTRY; any other registry is read
// anonymously. The password is added to masker.
func Auth(env *ci.Env, masker *ci.Masker, registry string) (authn.Authenticator, string) {
	if reg := env.Value("CI_REGISTRY"); reg != "" && reg == registry {
		if u, p := env.Value("CI_REGISTRY_USER"), env.Value("CI_REGISTRY_PASSWORD"); u != "" && p != "" {
			masker.Add(ci.NewSecret(p))
			return authn.FromConfig(authn.AuthConfig{Username: u, Password: p}), "CI_REGISTRY_USER"
		}
		if env.GitLab.JobToken.IsSet() {
			return authn.FromConfig(authn.AuthConfig{Username: "gitlab-ci-token", Password: env.GitLab.JobToken.Reveal()}), "CI_JOB_TOKEN"
		}
	}
	return authn.Anonymous, "anonymously"
}

// Exists reports whether ref's manifest is in its registry, with one HEAD request (and the
// token exchange the registry asks for): no layer is pulled. A missing tag or repository is
// (false, nil); refused credentials wrap ErrRefused.
func Exists(ctx context.Context, ref ggcrname.Reference, auth authn.Authenticator) (bool, error) {
	_, err := remote.Head(ref, remote.WithContext(ctx), remote.WithAuth(auth))
	if err == nil {
		return true, nil
	}
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound:
			return false, nil
		case http.StatusUnauthorized, http.StatusForbidden:
			return false, fmt.Errorf("%s: %w (HTTP %d)", ref, ErrRefused, te.StatusCode)
		}
		// some registries answer an unknown repository with NAME_UNKNOWN on another status
		for _, d := range te.Errors {
			if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
				return false, nil
			}
		}
	}
	return false, fmt.Errorf("%s: %w", ref, err)
}
