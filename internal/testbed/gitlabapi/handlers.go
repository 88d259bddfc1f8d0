package gitlabapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const apiPrefix = "/api/v4/"

// route dispatches on the escaped path, so that an encoded project path such as
// group%2Fapp stays one segment, as in GitLab's router.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	raw := r.URL.EscapedPath()
	if !strings.HasPrefix(raw, apiPrefix) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
		return
	}
	var segs []string
	for _, seg := range strings.Split(strings.TrimPrefix(raw, apiPrefix), "/") {
		u, err := url.PathUnescape(seg)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid path encoding"})
			return
		}
		segs = append(segs, u)
	}
	n := len(segs)
	if n < 2 || segs[0] != "projects" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
		return
	}
	id := segs[1]
	switch {
	case r.Method == http.MethodPost && n == 4 && segs[2] == "trigger" && segs[3] == "pipeline":
		s.trigger(w, r, body, id, "")
	case r.Method == http.MethodPost && n >= 6 && segs[2] == "ref" && segs[n-2] == "trigger" && segs[n-1] == "pipeline":
		s.trigger(w, r, body, id, strings.Join(segs[3:n-2], "/"))
	case r.Method == http.MethodGet && n == 4 && segs[2] == "pipelines":
		s.getPipeline(w, r, id, segs[3])
	case r.Method == http.MethodGet && n == 5 && segs[2] == "pipelines" && segs[4] == "jobs":
		s.listJobs(w, r, id, segs[3])
	case r.Method == http.MethodGet && n == 5 && segs[2] == "repository" && segs[3] == "tags":
		s.getTag(w, r, id, segs[4])
	case r.Method == http.MethodPost && n == 4 && segs[2] == "repository" && segs[3] == "tags":
		s.createTag(w, r, body, id)
	case r.Method == http.MethodPost && n == 3 && segs[2] == "variables":
		s.createVariable(w, r, body, id)
	case r.Method == http.MethodPut && n == 4 && segs[2] == "variables":
		s.updateVariable(w, r, body, id, segs[3])
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func message(w http.ResponseWriter, status int, msg any) {
	writeJSON(w, status, map[string]any{"message": msg})
}

// params merges the query string and the body (urlencoded, multipart or JSON) as Grape does.
// Variables come from variables[KEY]=value fields or a JSON "variables" object.
func params(r *http.Request, body []byte) (p map[string]string, vars map[string]string, err error) {
	p, vars = map[string]string{}, map[string]string{}
	add := func(v url.Values) error {
		for k, vs := range v {
			if len(vs) == 0 {
				continue
			}
			if strings.HasPrefix(k, "variables[") && strings.HasSuffix(k, "]") {
				key := strings.TrimSuffix(strings.TrimPrefix(k, "variables["), "]")
				if strings.ContainsAny(key, "[]") {
					return fmt.Errorf("variables needs to be a map of key-valued strings")
				}
				vars[key] = vs[len(vs)-1]
				continue
			}
			p[k] = vs[len(vs)-1]
		}
		return nil
	}
	if err := add(r.URL.Query()); err != nil {
		return nil, nil, err
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		if len(strings.TrimSpace(string(body))) == 0 {
			break
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, fmt.Errorf("the request body is not a JSON object")
		}
		for k, v := range m {
			if k == "variables" {
				obj, ok := v.(map[string]any)
				if !ok && v != nil {
					return nil, nil, fmt.Errorf("variables needs to be a map of key-valued strings")
				}
				for vk, vv := range obj {
					sv, ok := vv.(string)
					if !ok {
						return nil, nil, fmt.Errorf("variables needs to be a map of key-valued strings")
					}
					vars[vk] = sv
				}
				continue
			}
			switch v := v.(type) {
			case string:
				p[k] = v
			case float64:
				p[k] = strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				p[k] = strconv.FormatBool(v)
			case map[string]any: // filter: {environment_scope: ...} arrives as filter[environment_scope]
				for sk, sv := range v {
					if str, ok := sv.(string); ok {
						p[k+"["+sk+"]"] = str
					}
				}
			}
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"), strings.HasPrefix(ct, "multipart/form-data"):
		if strings.HasPrefix(ct, "multipart/") {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				return nil, nil, fmt.Errorf("bad multipart body")
			}
		} else if err := r.ParseForm(); err != nil {
			return nil, nil, fmt.Errorf("bad form body")
		}
		if err := add(r.PostForm); err != nil {
			return nil, nil, err
		}
	}
	return p, vars, nil
}

// missing answers Grape's validation error for absent or blank required parameters.
func missing(w http.ResponseWriter, p map[string]string, names ...string) bool {
	var errs []string
	for _, n := range names {
		v, ok := p[n]
		switch {
		case !ok:
			errs = append(errs, n+" is missing")
		case strings.TrimSpace(v) == "":
			errs = append(errs, n+" is empty")
		}
	}
	if len(errs) == 0 {
		return false
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.Join(errs, ", ")})
	return true
}

// findProject finds a project by numeric id or full path. Callers hold s.mu.
func (s *Server) findProject(id string) *project {
	for _, p := range s.projects {
		if strconv.FormatInt(p.ID, 10) == id || p.Path == id {
			return p
		}
	}
	return nil
}

// authenticate returns the token of the request: ok false with an answer written when the
// request carries an unknown token (401), nil when it carries none. Callers hold s.mu.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (tok *Token, ok bool) {
	var kind TokenKind
	var value string
	switch {
	case r.Header.Get("Private-Token") != "":
		kind, value = PrivateToken, r.Header.Get("Private-Token")
	case r.Header.Get("Job-Token") != "":
		kind, value = JobToken, r.Header.Get("Job-Token")
	case strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "):
		kind, value = PrivateToken, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	default:
		return nil, true
	}
	for i := range s.tokens {
		if s.tokens[i].Kind == kind && s.tokens[i].Value == value {
			return &s.tokens[i], true
		}
	}
	message(w, http.StatusUnauthorized, "401 Unauthorized")
	return nil, false
}

// readableProject authenticates the request and finds the project it may read; it writes
// GitLab's answer and returns nil otherwise. Projects are private: without a token, or with
// a token that cannot see the project, GitLab answers 404 so as not to reveal it exists.
func (s *Server) readableProject(w http.ResponseWriter, r *http.Request, id string) (*project, *Token) {
	tok, ok := s.authenticate(w, r)
	if !ok {
		return nil, nil
	}
	p := s.findProject(id)
	if p == nil || tok == nil || (len(tok.Projects) > 0 && !slices.Contains(tok.Projects, p.ID)) {
		message(w, http.StatusNotFound, "404 Project Not Found")
		return nil, nil
	}
	return p, tok
}

func (s *Server) trigger(w http.ResponseWriter, r *http.Request, body []byte, id, pathRef string) {
	p, vars, err := params(r, body)
	if err != nil {
		message(w, http.StatusBadRequest, err.Error())
		return
	}
	if pathRef != "" {
		p["ref"] = pathRef
	}
	if missing(w, p, "ref", "token") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	proj := s.findProject(id)
	if proj == nil {
		message(w, http.StatusNotFound, "404 Not Found")
		return
	}
	source := ""
	switch {
	case slices.Contains(proj.TriggerTokens, p["token"]):
		source = "trigger"
	case slices.ContainsFunc(s.tokens, func(t Token) bool { return t.Kind == JobToken && t.Value == p["token"] }):
		source = "pipeline" // a multi-project pipeline started with CI_JOB_TOKEN
	default:
		// An unknown token, or another project's trigger token: GitLab does not reveal which.
		message(w, http.StatusNotFound, "404 Not Found")
		return
	}
	sha, ok := proj.Branches[p["ref"]]
	isTag := false
	if !ok {
		if t, found := proj.tags[p["ref"]]; found {
			sha, ok, isTag = t.Target, true, true
		}
	}
	if !ok {
		message(w, http.StatusBadRequest, map[string][]string{"base": {"Reference not found"}})
		return
	}
	sc := Script{}
	if len(s.scripts) > 0 {
		sc, s.scripts = s.scripts[0], s.scripts[1:]
	}
	if len(sc.Statuses) == 0 {
		sc.Statuses = []string{"created", "pending", "running", "success"}
	}
	pl := &pipeline{statuses: sc.Statuses, vars: vars}
	now := epoch.Add(time.Duration(len(s.pipelines)) * time.Minute)
	pl.entity = Pipeline{
		ID: s.nextID, IID: proj.nextIID, ProjectID: proj.ID, SHA: sha, Ref: p["ref"], Source: source,
		CreatedAt: now, UpdatedAt: now, BeforeSHA: strings.Repeat("0", 40), Tag: isTag,
		WebURL: fmt.Sprintf("%s/%s/-/pipelines/%d", s.URL, proj.Path, s.nextID),
		User:   User{ID: 1, Username: "root", Name: "Administrator", State: "active", WebURL: s.URL + "/root"},
	}
	s.nextID++
	proj.nextIID++
	for _, j := range sc.Jobs {
		pl.jobs = append(pl.jobs, s.jobEntity(proj, pl, j))
	}
	pl.setStatus(sc.Statuses[0], s.URL, proj.Path)
	s.pipelines = append(s.pipelines, pl)
	writeJSON(w, http.StatusCreated, pl.entity)
}

func (pl *pipeline) setStatus(status, base, path string) {
	e := &pl.entity
	e.Status = status
	e.UpdatedAt = e.CreatedAt.Add(time.Duration(pl.step) * time.Second)
	if status != "created" && status != "pending" && status != "waiting_for_resource" && status != "preparing" && e.StartedAt == nil {
		t := e.UpdatedAt
		e.StartedAt = &t
	}
	switch status {
	case "success", "failed", "canceled", "skipped":
		t := e.UpdatedAt
		e.FinishedAt = &t
		if e.StartedAt != nil {
			d := int64(t.Sub(*e.StartedAt) / time.Second)
			e.Duration = &d
		}
	}
	text := map[string]string{"success": "passed", "manual": "blocked"}[status]
	if text == "" {
		text = status
	}
	e.DetailedStatus = &DetailedStatus{
		Icon: "status_" + status, Text: text, Label: text, Group: status, Tooltip: text,
		HasDetails: true, DetailsPath: fmt.Sprintf("/%s/-/pipelines/%d", path, e.ID),
		Favicon: "/assets/ci_favicons/favicon_status_" + status + ".png",
	}
}

func (s *Server) jobEntity(proj *project, pl *pipeline, j Job) JobEntity {
	id := s.nextJobID
	s.nextJobID++
	c := s.commit(proj, pl.entity.SHA)
	e := JobEntity{
		Commit: c, CreatedAt: pl.entity.CreatedAt, TagList: []string{}, ID: id, Name: j.Name, AllowFailure: j.AllowFailure,
		Pipeline: JobPipeline{ID: pl.entity.ID, ProjectID: proj.ID, Ref: pl.entity.Ref, SHA: pl.entity.SHA, Status: pl.entity.Status},
		Ref:      pl.entity.Ref, Artifacts: []any{}, Stage: j.Stage, Status: j.Status, Tag: pl.entity.Tag,
		WebURL:  fmt.Sprintf("%s/%s/-/jobs/%d", s.URL, proj.Path, id),
		Project: map[string]any{"ci_job_token_scope_enabled": false},
		User:    pl.entity.User,
	}
	if j.Status == "failed" {
		e.FailureReason = j.FailureReason
		if e.FailureReason == "" {
			e.FailureReason = "script_failure"
		}
	}
	return e
}

func (s *Server) commit(proj *project, sha string) Commit {
	return Commit{
		ID: sha, ShortID: sha[:8], Title: "Deploy", CreatedAt: epoch, ParentIDs: []string{},
		Message: "Deploy\n", AuthorName: "Administrator", AuthorEmail: "admin@example.com", AuthoredDate: epoch,
		CommitterName: "Administrator", CommitterEmail: "admin@example.com", CommittedDate: epoch,
		WebURL: fmt.Sprintf("%s/%s/-/commit/%s", s.URL, proj.Path, sha),
	}
}

func (s *Server) findPipeline(w http.ResponseWriter, proj *project, idStr string) *pipeline {
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "pipeline_id is invalid"})
		return nil
	}
	for _, pl := range s.pipelines {
		if pl.entity.ID == id && pl.entity.ProjectID == proj.ID {
			return pl
		}
	}
	message(w, http.StatusNotFound, "404 Not found")
	return nil
}

func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, id, pipelineID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	proj, _ := s.readableProject(w, r, id)
	if proj == nil {
		return
	}
	pl := s.findPipeline(w, proj, pipelineID)
	if pl == nil {
		return
	}
	if pl.step+1 < len(pl.statuses) {
		pl.step++
		pl.setStatus(pl.statuses[pl.step], s.URL, proj.Path)
		for i := range pl.jobs {
			pl.jobs[i].Pipeline.Status = pl.entity.Status
		}
	}
	writeJSON(w, http.StatusOK, pl.entity)
}

var jobScopes = []string{"created", "pending", "running", "failed", "success", "canceled", "skipped", "waiting_for_resource", "manual"}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, id, pipelineID string) {
	q := r.URL.Query()
	scopes := append(q["scope[]"], q["scope"]...)
	for i, sc := range scopes {
		if !slices.Contains(jobScopes, sc) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("scope[%d] does not have a valid value", i)})
			return
		}
	}
	page, perPage := intParam(q, "page", 1), min(intParam(q, "per_page", 20), 100)
	s.mu.Lock()
	defer s.mu.Unlock()
	proj, _ := s.readableProject(w, r, id)
	if proj == nil {
		return
	}
	pl := s.findPipeline(w, proj, pipelineID)
	if pl == nil {
		return
	}
	var jobs []JobEntity
	for i := len(pl.jobs) - 1; i >= 0; i-- { // newest first, as GitLab sorts them
		if len(scopes) == 0 || slices.Contains(scopes, pl.jobs[i].Status) {
			jobs = append(jobs, pl.jobs[i])
		}
	}
	total := len(jobs)
	pages := max(1, (total+perPage-1)/perPage)
	from, to := min((page-1)*perPage, total), min(page*perPage, total)
	w.Header().Set("X-Page", strconv.Itoa(page))
	w.Header().Set("X-Per-Page", strconv.Itoa(perPage))
	w.Header().Set("X-Total", strconv.Itoa(total))
	w.Header().Set("X-Total-Pages", strconv.Itoa(pages))
	next := ""
	if page < pages {
		next = strconv.Itoa(page + 1)
	}
	w.Header().Set("X-Next-Page", next)
	out := jobs[from:to]
	if out == nil {
		out = []JobEntity{}
	}
	writeJSON(w, http.StatusOK, out)
}

func intParam(q url.Values, name string, def int) int {
	if n, err := strconv.Atoi(q.Get(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func (s *Server) tagEntity(proj *project, name, sha, msg string) TagEntity {
	return TagEntity{Name: name, Message: msg, Target: sha, Commit: s.commit(proj, sha)}
}

func (s *Server) getTag(w http.ResponseWriter, r *http.Request, id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	proj, _ := s.readableProject(w, r, id)
	if proj == nil {
		return
	}
	t, ok := proj.tags[name]
	if !ok {
		message(w, http.StatusNotFound, "404 Tag Not Found")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

func (s *Server) createTag(w http.ResponseWriter, r *http.Request, body []byte, id string) {
	p, _, err := params(r, body)
	if err != nil {
		message(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	proj, tok := s.readableProject(w, r, id)
	if proj == nil {
		return
	}
	if tok.Kind == PrivateToken && len(tok.Scopes) > 0 && !slices.Contains(tok.Scopes, "api") {
		writeJSON(w, http.StatusForbidden, map[string]string{
			"error":             "insufficient_scope",
			"error_description": "The request requires higher privileges than provided by the access token.",
			"scope":             "api",
		})
		return
	}
	if tok.Kind == JobToken {
		message(w, http.StatusForbidden, "403 Forbidden")
		return
	}
	if missing(w, p, "tag_name", "ref") {
		return
	}
	name, ref := p["tag_name"], p["ref"]
	if _, exists := proj.tags[name]; exists {
		message(w, http.StatusBadRequest, fmt.Sprintf("Tag %s already exists", name))
		return
	}
	sha, ok := proj.Branches[ref]
	if !ok && shaRE.MatchString(ref) {
		sha, ok = ref, true
	}
	if !ok {
		message(w, http.StatusBadRequest, fmt.Sprintf("Target %s is invalid", ref))
		return
	}
	t := s.tagEntity(proj, name, sha, p["message"])
	proj.tags[name] = t
	writeJSON(w, http.StatusCreated, t)
}
