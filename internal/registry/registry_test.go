package registry_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed"
)

func wantCode(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("exit code %d, want %d", got, want)
	}
}

// The open registry: missing, then exists once builder:KEY is pushed; the key is printed either way.
func TestExistsOpenRegistry(t *testing.T) {
	key := sampleKey(t)
	repo := repo(t, "localhost:5000")
	out, errOut, code := builderKey(t, nil, "--exists", repo)
	wantCode(t, code, 1)
	if out != key+"\n" {
		t.Errorf("stdout %q, want the key %s", out, key)
	}
	if want := repo + ":" + key + " is missing"; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks %q", errOut, want)
	}
	pushImage(t, repo+":"+key)
	out, errOut, code = builderKey(t, nil, "--exists", repo)
	wantCode(t, code, 0)
	if out != key+"\n" || !strings.Contains(errOut, repo+":"+key+" exists") {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
	// another key of the same repository is still missing
	_, _, code = builderKey(t, nil, "--exists", repo, "--base", "localhost:5001/glcd/builder-base:9.0.2-2")
	wantCode(t, code, 1)
}

// The registry with authentication: GitLab's job credentials are sent to CI_REGISTRY only,
// refused credentials are a configuration error (2), not "missing", and never printed.
func TestExistsAuthRegistry(t *testing.T) {
	key := sampleKey(t)
	repo := repo(t, "localhost:5001")
	creds := []string{"CI_REGISTRY=localhost:5001", "CI_REGISTRY_USER=" + testbed.RegistryUser, "CI_REGISTRY_PASSWORD=" + testbed.RegistryPassword, "CI_JOB_TOKEN=" + jobToken}

	_, errOut, code := builderKey(t, creds, "--exists", repo)
	wantCode(t, code, 1)
	if !strings.Contains(errOut, "is missing") {
		t.Errorf("stderr %q does not say missing", errOut)
	}
	pushImage(t, repo+":"+key)

	out, _, code := builderKey(t, creds, "--exists", repo, "-o", "json")
	wantCode(t, code, 0)
	var res struct {
		Key    string
		Image  string
		Exists *bool
		Inputs []struct{ Name, Sha256 string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if res.Key != key || res.Image != repo+":"+key || res.Exists == nil || !*res.Exists || len(res.Inputs) == 0 {
		t.Errorf("json %+v", res)
	}

	refused := map[string][]string{
		"no credentials":             nil,
		"wrong password":             {"CI_REGISTRY=localhost:5001", "CI_REGISTRY_USER=" + testbed.RegistryUser, "CI_REGISTRY_PASSWORD=not-the-registry-pass"},
		"job token it does not know": {"CI_REGISTRY=localhost:5001", "CI_JOB_TOKEN=" + jobToken},
		"credentials for another registry": {"CI_REGISTRY=registry.example.com", "CI_REGISTRY_USER=" + testbed.RegistryUser,
			"CI_REGISTRY_PASSWORD=" + testbed.RegistryPassword},
	}
	for name, env := range refused {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := builderKey(t, env, "--exists", repo)
			wantCode(t, code, 2)
			if !strings.Contains(errOut, "the registry refused the credentials") {
				t.Errorf("stderr %q does not say the credentials were refused", errOut)
			}
		})
	}
}

// Bad input is exit 2 with every problem named, before the registry is asked.
func TestExistsBadInput(t *testing.T) {
	_, errOut, code := builderKey(t, nil, "--exists", "localhost:5000/Builder:tag", "--dir", t.TempDir())
	wantCode(t, code, 2)
	for _, want := range []string{`--exists "localhost:5000/Builder:tag"`, "no stack.yaml, package.yaml"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
}
