package gitlabapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const trig = "glptt-0123456789"

func start(t *testing.T) *Server {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	s.AddProject(Project{ID: 9, Path: "group/infra", TriggerTokens: []string{trig}})
	s.AddToken(Token{Kind: PrivateToken, Value: "glpat-read", Scopes: []string{"read_api"}})
	return s
}

func do(t *testing.T, method, u, ctype string, body io.Reader, header ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, resp.Header, m
}

// The trigger takes its parameters as curl sends them: a multipart form (curl -F, the old
// deploy scripts), an urlencoded form, the query string, or JSON; and the ref/:ref/ form.
func TestTriggerAcceptsEveryFormGitLabAccepts(t *testing.T) {
	s := start(t)
	base := s.APIURL() + "/projects/group%2Finfra"

	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	for k, v := range map[string]string{"token": trig, "ref": "main", "variables[TARGET_IMAGE_VERSION]": "1.4.0"} {
		w.WriteField(k, v)
	}
	w.Close()
	code, _, p := do(t, "POST", base+"/trigger/pipeline", w.FormDataContentType(), &mp)
	if code != 201 || p["status"] != "created" || p["id"].(float64) != 1000 || p["source"] != "trigger" || p["ref"] != "main" {
		t.Fatalf("multipart: %d %v", code, p)
	}
	for _, k := range []string{"id", "iid", "project_id", "sha", "ref", "status", "source", "created_at", "updated_at", "web_url",
		"before_sha", "tag", "yaml_errors", "user", "started_at", "finished_at", "committed_at", "duration", "queued_duration", "coverage", "detailed_status"} {
		if _, ok := p[k]; !ok {
			t.Errorf("the pipeline lacks GitLab's field %q", k)
		}
	}
	form := url.Values{"token": {trig}, "ref": {"main"}, "variables[A]": {"x y"}}
	if code, _, _ := do(t, "POST", base+"/trigger/pipeline", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); code != 201 {
		t.Fatalf("urlencoded: %d", code)
	}
	if code, _, _ := do(t, "POST", s.APIURL()+"/projects/9/ref/main/trigger/pipeline?token="+trig+"&variables[B]=1", "", nil); code != 201 {
		t.Fatalf("ref in the path, token in the query: %d", code)
	}
	if got := s.Variables(1000)["TARGET_IMAGE_VERSION"]; got != "1.4.0" {
		t.Fatalf("multipart variables: %q", got)
	}
	if got := s.Variables(1001)["A"]; got != "x y" {
		t.Fatalf("urlencoded variables: %q", got)
	}
	if got := s.Variables(1002)["B"]; got != "1" {
		t.Fatalf("query variables: %q", got)
	}
	reqs := s.Requests()
	if reqs[0].Form.Get("variables[TARGET_IMAGE_VERSION]") != "1.4.0" || reqs[0].RawPath != "/api/v4/projects/group%2Finfra/trigger/pipeline" ||
		reqs[0].Path != "/api/v4/projects/group/infra/trigger/pipeline" {
		t.Fatalf("recorded %+v", reqs[0])
	}
}

func TestGitLabsErrorAnswers(t *testing.T) {
	s := start(t)
	base := s.APIURL() + "/projects/group%2Finfra"
	for _, tc := range []struct {
		name, method, url, ctype, body string
		header                         []string
		code                           int
		want                           string // the JSON answer
	}{
		{"unknown trigger token", "POST", base + "/trigger/pipeline", "application/json", `{"ref":"main","token":"nope"}`, nil,
			404, `{"message":"404 Not Found"}`},
		{"unknown project", "POST", s.APIURL() + "/projects/group%2Fnone/trigger/pipeline", "application/json", `{"ref":"main","token":"` + trig + `"}`, nil,
			404, `{"message":"404 Not Found"}`},
		{"unknown ref", "POST", base + "/trigger/pipeline", "application/json", `{"ref":"nope","token":"` + trig + `"}`, nil,
			400, `{"message":{"base":["Reference not found"]}}`},
		{"missing parameters", "POST", base + "/trigger/pipeline", "application/json", `{}`, nil,
			400, `{"error":"ref is missing, token is missing"}`},
		{"variables not strings", "POST", base + "/trigger/pipeline", "application/json", `{"ref":"main","token":"` + trig + `","variables":{"A":1}}`, nil,
			400, `{"message":"variables needs to be a map of key-valued strings"}`},
		{"bad token on a read", "GET", base + "/pipelines/1000", "", "", []string{"PRIVATE-TOKEN", "wrong"},
			401, `{"message":"401 Unauthorized"}`},
		{"no token on a read of a private project", "GET", base + "/pipelines/1000", "", "", nil,
			404, `{"message":"404 Project Not Found"}`},
		{"unknown pipeline", "GET", base + "/pipelines/77", "", "", []string{"PRIVATE-TOKEN", "glpat-read"},
			404, `{"message":"404 Not found"}`},
		{"bad job scope", "GET", base + "/pipelines/77/jobs?scope[]=exploded", "", "", []string{"PRIVATE-TOKEN", "glpat-read"},
			400, `{"error":"scope[0] does not have a valid value"}`},
		{"missing tag", "GET", base + "/repository/tags/v1", "", "", []string{"PRIVATE-TOKEN", "glpat-read"},
			404, `{"message":"404 Tag Not Found"}`},
		{"unknown route", "GET", s.APIURL() + "/version", "", "", nil,
			404, `{"error":"404 Not Found"}`},
		{"an unencoded path is another route", "GET", s.APIURL() + "/projects/group/infra/pipelines/1", "", "", []string{"PRIVATE-TOKEN", "glpat-read"},
			404, `{"error":"404 Not Found"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || string(b) != tc.want {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, b, tc.code, tc.want)
			}
		})
	}
}

func TestScriptsFaultsAndPagination(t *testing.T) {
	s := start(t)
	var jobs []Job
	for i := range 25 {
		jobs = append(jobs, Job{Name: "job" + string(rune('a'+i)), Stage: "test", Status: "failed"})
	}
	jobs = append(jobs, Job{Name: "ok", Stage: "test", Status: "success"})
	s.Script(Script{Statuses: []string{"pending", "manual"}, Jobs: jobs})
	s.Inject(Fault{Method: "POST", Path: "/trigger/pipeline", Status: 429, RetryAfter: "30"})
	base := s.APIURL() + "/projects/9"
	body := `{"ref":"main","token":"` + trig + `"}`
	code, h, _ := do(t, "POST", base+"/trigger/pipeline", "application/json", strings.NewReader(body))
	if code != 429 || h.Get("Retry-After") != "30" || len(s.Pipelines()) != 0 {
		t.Fatalf("fault: %d %v, %d pipelines", code, h, len(s.Pipelines()))
	}
	code, _, p := do(t, "POST", base+"/trigger/pipeline", "application/json", strings.NewReader(body))
	if code != 201 || p["status"] != "pending" {
		t.Fatalf("%d %v", code, p)
	}
	for range 2 {
		_, _, p = do(t, "GET", base+"/pipelines/1000", "", nil, "PRIVATE-TOKEN", "glpat-read")
	}
	if p["status"] != "manual" || p["detailed_status"].(map[string]any)["text"] != "blocked" {
		t.Fatalf("after two reads: %v", p)
	}
	code, h, _ = do(t, "GET", base+"/pipelines/1000/jobs?scope[]=failed&per_page=10&page=3", "", nil, "PRIVATE-TOKEN", "glpat-read")
	if code != 200 || h.Get("X-Total") != "25" || h.Get("X-Total-Pages") != "3" || h.Get("X-Next-Page") != "" || h.Get("X-Page") != "3" {
		t.Fatalf("pagination: %d %v", code, h)
	}
	req, _ := http.NewRequest("GET", base+"/pipelines/1000/jobs?scope=failed&per_page=10&page=3", nil)
	req.Header.Set("PRIVATE-TOKEN", "glpat-read")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list) != 5 || list[0]["failure_reason"] != "script_failure" || list[0]["stage"] != "test" || list[0]["web_url"] == "" {
		t.Fatalf("page 3 of failed jobs: %v", list)
	}
	if s.Count("POST", "/trigger/pipeline") != 2 || s.Count("GET", "/jobs") != 2 {
		t.Fatalf("counts: %d %d", s.Count("POST", "/trigger/pipeline"), s.Count("GET", "/jobs"))
	}
}
