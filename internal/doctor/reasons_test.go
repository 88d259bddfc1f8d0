package doctor

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"gitlab.com/glcd/glcd/internal/ci"
)

func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

func TestUnauthorizedReasonOfAToken(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	expired := jwt(`{"sub":"system:serviceaccount:web:deployer","iss":"https://kubernetes.default.svc","exp":1795000000}`)
	why, fix := unauthorizedReason(&rest.Config{BearerToken: expired}, now)
	if !strings.Contains(why, "the token (service account system:serviceaccount:web:deployer) expired at 2026-11-18T") || !strings.Contains(fix, "kubectl create token") {
		t.Errorf("expired: %q / %q", why, fix)
	}
	valid := jwt(`{"sub":"system:serviceaccount:web:deployer","iss":"https://other.example","exp":1896000000}`)
	why, _ = unauthorizedReason(&rest.Config{BearerToken: valid}, now)
	if !strings.Contains(why, "does not accept the token of system:serviceaccount:web:deployer (issuer https://other.example)") {
		t.Errorf("rejected: %q", why)
	}
	why, _ = unauthorizedReason(&rest.Config{BearerToken: "glpat-not-a-jwt"}, now)
	if !strings.Contains(why, "does not know the token") {
		t.Errorf("opaque: %q", why)
	}
}

func TestMinorSkew(t *testing.T) {
	for _, c := range []struct {
		client, server string
		skew           int
	}{{"v1.37.2", "v1.37.2", 0}, {"v1.36.0", "v1.37.2", -1}, {"v1.30.4", "v1.37.2", -7}, {"v1.38.0-alpha.1", "v1.37.2+k3s1", 1}} {
		if got, err := minorSkew(c.client, c.server); err != nil || got != c.skew {
			t.Errorf("%s vs %s: %d, %v; want %d", c.client, c.server, got, err, c.skew)
		}
	}
}

func TestProtectedVariableOnAnUnprotectedRef(t *testing.T) {
	env := ciEnv(map[string]string{"GITLAB_CI": "true", "CI_ENVIRONMENT_NAME": "production", "CI_COMMIT_REF_PROTECTED": "false", "CI_COMMIT_REF_NAME": "feature/x"})
	if fix := noClusterCause(env); !strings.Contains(fix, `unprotected ref "feature/x"`) || !strings.Contains(fix, "Protect the ref") {
		t.Errorf("fix: %q", fix)
	}
}

func ciEnv(m map[string]string) *ci.Env { return ci.Load(ci.Map(m)) }
