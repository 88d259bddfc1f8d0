package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/glcd/glcd/internal/ci"
)

// Variable is a project CI/CD variable to set.
type Variable struct {
	Key              string
	Value            ci.Secret
	File             bool // variable_type file (the job gets a path to a file holding Value)
	Protected        bool // only on protected branches and tags
	Masked           bool // masked in job logs
	EnvironmentScope string
}

// SetVariable creates the project variable with POST /projects/:id/variables or, when GitLab
// answers that the key is already taken in that environment scope, updates it with PUT
// /projects/:id/variables/:key?filter[environment_scope]=... It says whether it created it.
func (c *Client) SetVariable(ctx context.Context, project string, v Variable) (created bool, err error) {
	c.masker.Add(v.Value)
	typ := gl.EnvVariableType
	if v.File {
		typ = gl.FileVariableType
	}
	scope := v.EnvironmentScope
	if scope == "" {
		scope = "*"
	}
	value := v.Value.Reveal()
	raw := true // the value is used as it is: no $VARIABLE expansion inside a PEM or a token
	err = c.call(ctx, start, opVariable, fmt.Sprintf("create variable %s (scope %s) in %s", v.Key, scope, project), http.MethodPost,
		projectPath(project)+"/variables", true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			_, resp, err := c.api.ProjectVariables.CreateVariable(project, &gl.CreateProjectVariableOptions{
				Key: &v.Key, Value: &value, VariableType: &typ, Protected: &v.Protected, Masked: &v.Masked, Raw: &raw, EnvironmentScope: &scope,
			}, o...)
			return resp, err
		})
	var ge *Error
	if err == nil || !errors.As(err, &ge) || ge.Status != http.StatusBadRequest || !strings.Contains(ge.Message, "has already been taken") {
		return err == nil, err
	}
	return false, c.call(ctx, start, opVariable, fmt.Sprintf("update variable %s (scope %s) in %s", v.Key, scope, project), http.MethodPut,
		projectPath(project)+"/variables/"+gl.PathEscape(v.Key), true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			_, resp, err := c.api.ProjectVariables.UpdateVariable(project, v.Key, &gl.UpdateProjectVariableOptions{
				Value: &value, VariableType: &typ, Protected: &v.Protected, Masked: &v.Masked, Raw: &raw,
				Filter: &gl.VariableFilter{EnvironmentScope: scope},
			}, o...)
			return resp, err
		})
}
