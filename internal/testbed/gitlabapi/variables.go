package gitlabapi

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
)

// VariableEntity is a project CI/CD variable as GitLab's project variables API returns it
// (https://docs.gitlab.com/api/project_level_variables/).
type VariableEntity struct {
	VariableType     string `json:"variable_type"` // env_var or file
	Key              string `json:"key"`
	Value            string `json:"value"`
	Protected        bool   `json:"protected"`
	Masked           bool   `json:"masked"`
	Hidden           bool   `json:"hidden"`
	Raw              bool   `json:"raw"`
	EnvironmentScope string `json:"environment_scope"`
	Description      string `json:"description"`
}

// ProjectVariables returns a project's CI/CD variables (by id or path), as stored.
func (s *Server) ProjectVariables(project string) []VariableEntity {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.findProject(project); p != nil {
		return slices.Clone(p.vars)
	}
	return nil
}

var (
	variableKeyRE = regexp.MustCompile(`^[a-zA-Z0-9_]{1,255}$`)
	// GitLab masks a value of at least 8 characters from the Base64 alphabet (RFC 4648, with
	// the URL-safe one) and @ : . ~, on one line.
	maskableRE = regexp.MustCompile(`^[a-zA-Z0-9+/=@:.~_-]{8,}$`)
)

// writableProject is readableProject for calls that need the Maintainer role: an api-scoped
// personal or project token (a job token or read_api token is refused, as GitLab does).
func (s *Server) writableProject(w http.ResponseWriter, r *http.Request, id string) *project {
	proj, tok := s.readableProject(w, r, id)
	if proj == nil {
		return nil
	}
	if tok.Kind == JobToken {
		message(w, http.StatusForbidden, "403 Forbidden")
		return nil
	}
	if len(tok.Scopes) > 0 && !slices.Contains(tok.Scopes, "api") {
		writeJSON(w, http.StatusForbidden, map[string]string{
			"error":             "insufficient_scope",
			"error_description": "The request requires higher privileges than provided by the access token.",
			"scope":             "api",
		})
		return nil
	}
	return proj
}

// variableFrom applies the parameters to v and validates it as GitLab's model does; it
// returns the errors by field, GitLab's 400 message shape.
func variableFrom(v VariableEntity, p map[string]string) (VariableEntity, map[string][]string) {
	errs := map[string][]string{}
	if val, ok := p["value"]; ok {
		v.Value = val
	}
	if t, ok := p["variable_type"]; ok {
		if t != "env_var" && t != "file" {
			errs["variable_type"] = append(errs["variable_type"], "does not have a valid value")
		}
		v.VariableType = t
	}
	for name, dst := range map[string]*bool{"protected": &v.Protected, "masked": &v.Masked, "raw": &v.Raw} {
		switch p[name] {
		case "true":
			*dst = true
		case "false":
			*dst = false
		case "":
		default:
			errs[name] = append(errs[name], "is invalid")
		}
	}
	if sc, ok := p["environment_scope"]; ok && sc != "" {
		v.EnvironmentScope = sc
	}
	if d, ok := p["description"]; ok {
		v.Description = d
	}
	if !variableKeyRE.MatchString(v.Key) {
		errs["key"] = append(errs["key"], "can contain only letters, digits and '_'.")
	}
	if v.Masked && !maskableRE.MatchString(v.Value) {
		errs["value"] = append(errs["value"], "is invalid")
	}
	return v, errs
}

func (s *Server) createVariable(w http.ResponseWriter, r *http.Request, body []byte, id string) {
	p, _, err := params(r, body)
	if err != nil {
		message(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	proj := s.writableProject(w, r, id)
	if proj == nil || missing(w, p, "key", "value") {
		return
	}
	v, errs := variableFrom(VariableEntity{Key: p["key"], VariableType: "env_var", EnvironmentScope: "*"}, p)
	if slices.ContainsFunc(proj.vars, func(x VariableEntity) bool { return x.Key == v.Key && x.EnvironmentScope == v.EnvironmentScope }) {
		errs["key"] = append(errs["key"], fmt.Sprintf("(%s) has already been taken", v.Key))
	}
	if len(errs) > 0 {
		message(w, http.StatusBadRequest, errs)
		return
	}
	proj.vars = append(proj.vars, v)
	writeJSON(w, http.StatusCreated, v)
}

// updateVariable is PUT /projects/:id/variables/:key; filter[environment_scope] picks one of
// several variables of the same key (without it, GitLab updates the first).
func (s *Server) updateVariable(w http.ResponseWriter, r *http.Request, body []byte, id, key string) {
	p, _, err := params(r, body)
	if err != nil {
		message(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	proj := s.writableProject(w, r, id)
	if proj == nil {
		return
	}
	scope, filtered := p["filter[environment_scope]"]
	i := slices.IndexFunc(proj.vars, func(x VariableEntity) bool { return x.Key == key && (!filtered || x.EnvironmentScope == scope) })
	if i < 0 {
		message(w, http.StatusNotFound, "404 Variable Not Found")
		return
	}
	v, errs := variableFrom(proj.vars[i], p)
	if len(errs) > 0 {
		message(w, http.StatusBadRequest, errs)
		return
	}
	proj.vars[i] = v
	writeJSON(w, http.StatusOK, v)
}
