package gitlab

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

func TestSetVariableCreatesThenUpdates(t *testing.T) {
	s := double(t)
	c := newClient(t, s.APIURL(), ci.NewSecret(apiToken), &recorder{})
	ctx := context.Background()
	const value = "eyJhbGciOiJSUzI1NiJ9.first-value_0123"
	v := Variable{Key: "KUBE_TOKEN", Value: ci.NewSecret(value), Protected: true, Masked: true, EnvironmentScope: "production"}
	created, err := c.SetVariable(ctx, project, v)
	if err != nil || !created {
		t.Fatalf("first set: created %v, %v", created, err)
	}
	// the same key in another scope is another variable
	other := v
	other.EnvironmentScope = "staging"
	if created, err := c.SetVariable(ctx, project, other); err != nil || !created {
		t.Fatalf("staging: created %v, %v", created, err)
	}
	// updating staging's must not touch production's (the PUT filters by scope)
	other.Value = ci.NewSecret("eyJhbGciOiJSUzI1NiJ9.second-value_0123")
	created, err = c.SetVariable(ctx, project, other)
	if err != nil || created {
		t.Fatalf("second set: created %v (want an update), %v", created, err)
	}
	vars := s.ProjectVariables(project)
	if len(vars) != 2 {
		t.Fatalf("variables: %+v", vars)
	}
	got := vars[1]
	if got.Key != "KUBE_TOKEN" || got.Value != "eyJhbGciOiJSUzI1NiJ9.second-value_0123" || got.EnvironmentScope != "staging" ||
		!got.Protected || !got.Masked || !got.Raw || got.VariableType != "env_var" || vars[0].Value != value {
		t.Fatalf("stored: %+v", vars)
	}
	var methods []string
	for _, r := range s.Requests() {
		methods = append(methods, r.Method+" "+r.RawPath)
	}
	want := "POST /api/v4/projects/group%2Fapp-infra/variables,POST /api/v4/projects/group%2Fapp-infra/variables," +
		"POST /api/v4/projects/group%2Fapp-infra/variables,PUT /api/v4/projects/group%2Fapp-infra/variables/KUBE_TOKEN"
	if strings.Join(methods, ",") != want {
		t.Fatalf("requests:\n%s\nwant\n%s", strings.Join(methods, "\n"), strings.ReplaceAll(want, ",", "\n"))
	}
}

func TestSetVariableErrorsSayWhy(t *testing.T) {
	s := double(t)
	ctx := context.Background()
	c := newClient(t, s.APIURL(), ci.NewSecret(readToken), &recorder{})
	_, err := c.SetVariable(ctx, project, Variable{Key: "KUBE_URL", Value: ci.NewSecret("https://10.0.0.1:6443")})
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden || !strings.Contains(err.Error(), "Maintainer") || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("read_api token: %v", err)
	}
	c = newClient(t, s.APIURL(), ci.NewSecret(apiToken), &recorder{})
	const secret = "short pem\nwith lines"
	_, err = c.SetVariable(ctx, project, Variable{Key: "KUBE_CA_PEM", Value: ci.NewSecret(secret), Masked: true})
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest || !strings.Contains(err.Error(), "masked value") || strings.Contains(err.Error(), secret) {
		t.Fatalf("unmaskable value: %v", err)
	}
	if len(s.ProjectVariables(project)) != 0 {
		t.Fatal("a refused variable was stored")
	}
}
