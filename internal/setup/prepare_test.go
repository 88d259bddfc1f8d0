package setup_test

import (
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
	"gitlab.com/glcd/glcd/internal/setup"
)

// Every problem of the command line at once, each flag named once; nothing reaches a cluster.
func TestPrepareListsEveryProblem(t *testing.T) {
	_, err := setup.PrepareRobot(setup.RobotInput{Args: []string{"x"}, Namespace: "Bad_NS", Name: "deployer", For: []string{"rollout,bogus"}})
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("PrepareRobot: %v", err)
	}
	for _, want := range []string{`takes no arguments, got "x"`, "--for: ", "bogus", `--namespace "Bad_NS"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	if strings.Count(err.Error(), "--for") != 1 {
		t.Errorf("--for named more than once:\n%v", err)
	}
	rb, err := setup.PrepareRobot(setup.RobotInput{Namespace: "web", Name: "deployer", For: []string{"rollout", "apply"}})
	if err != nil || len(rb.For) != 2 {
		t.Fatalf("a good robot: %+v, %v", rb, err)
	}

	env := ci.Load(func(string) (string, bool) { return "", false })
	_, err = setup.PrepareVars(setup.VarsInput{Namespace: "web", Name: "deployer", Format: "yaml", ToGitLab: "group/app", GitLabURL: "https://gitlab.example.com"}, env)
	if exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("PrepareVars: %v", err)
	}
	for _, want := range []string{`--format "yaml"`, "--to-gitlab: set GLCD_GITLAB_TOKEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	if _, err := setup.PrepareVars(setup.VarsInput{Namespace: "web", Name: "deployer", Format: setup.FormatEnv}, env); err == nil ||
		!strings.Contains(err.Error(), "--out FILE: say where to write the values") {
		t.Errorf("no destination: %v", err)
	}
}
