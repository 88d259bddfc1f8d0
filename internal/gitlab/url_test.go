package gitlab

import (
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/exitcode"
)

func TestAPIURL(t *testing.T) {
	for _, tc := range []struct {
		flag    string
		environ map[string]string
		want    string
		err     string
	}{
		{"https://gitlab.example.com", nil, "https://gitlab.example.com/api/v4", ""},
		{"https://gitlab.example.com/", map[string]string{"CI_API_V4_URL": "https://other/api/v4"}, "https://gitlab.example.com/api/v4", ""},
		{"https://example.com/gitlab/api/v4/", nil, "https://example.com/gitlab/api/v4", ""},
		{"", map[string]string{"CI_API_V4_URL": "https://gitlab.example.com/api/v4", "CI_SERVER_URL": "https://x"}, "https://gitlab.example.com/api/v4", ""},
		{"", map[string]string{"CI_SERVER_URL": "http://127.0.0.1:8080"}, "http://127.0.0.1:8080/api/v4", ""},
		{"", nil, "", ""},
		{"gitlab.example.com", nil, "", `--gitlab-url: "gitlab.example.com" is not a GitLab URL`},
		{"https://user:" + triggerToken + "@gitlab.example.com", nil, "", "carries credentials"},
		{"", map[string]string{"CI_SERVER_URL": "ftp://x"}, "", "CI_SERVER_URL:"},
	} {
		got, err := APIURL(tc.flag, ci.Load(ci.Map(tc.environ)))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("%q: err %v, want %q", tc.flag, err, tc.err)
			}
			if err != nil {
				noSecrets(t, err.Error())
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q %v: got %q %v, want %q", tc.flag, tc.environ, got, err, tc.want)
		}
	}
}

func TestParseTriggerURL(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want TriggerURL
		tok  string
	}{
		{"https://gitlab.example.com/api/v4/projects/42/trigger/pipeline",
			TriggerURL{APIURL: "https://gitlab.example.com/api/v4", Project: "42"}, ""},
		{"https://gitlab.example.com/api/v4/projects/group%2Fapp-infra/trigger/pipeline",
			TriggerURL{APIURL: "https://gitlab.example.com/api/v4", Project: "group/app-infra"}, ""},
		{"http://127.0.0.1:3000/gitlab/api/v4/projects/7/ref/release%2F1.x/trigger/pipeline?token=" + triggerToken,
			TriggerURL{APIURL: "http://127.0.0.1:3000/gitlab/api/v4", Project: "7", Ref: "release/1.x"}, triggerToken},
		{"https://gitlab.example.com/api/v4/projects/42/ref/feature/x/trigger/pipeline",
			TriggerURL{APIURL: "https://gitlab.example.com/api/v4", Project: "42", Ref: "feature/x"}, ""},
		{"https://gitlab.example.com/api/v4/projects/42/trigger/pipeline?ref=main&token=" + triggerToken,
			TriggerURL{APIURL: "https://gitlab.example.com/api/v4", Project: "42", Ref: "main"}, triggerToken},
	} {
		got, err := ParseTriggerURL(tc.raw)
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		if got.APIURL != tc.want.APIURL || got.Project != tc.want.Project || got.Ref != tc.want.Ref || got.Token.Reveal() != tc.tok {
			t.Errorf("%s: got %+v", tc.raw, got)
		}
	}
	for _, bad := range []string{
		"gitlab.example.com/api/v4/projects/42/trigger/pipeline",
		"https://gitlab.example.com/projects/42/trigger/pipeline",
		"https://gitlab.example.com/api/v4/projects/42/pipeline",
		"https://gitlab.example.com/api/v4/projects/group/app/trigger/pipeline?token=" + triggerToken,
		"https://x:" + triggerToken + "@gitlab.example.com/api/v4/projects/42/trigger/pipeline",
	} {
		_, err := ParseTriggerURL(bad)
		if err == nil || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%s: err %v, want a usage error", bad, err)
			continue
		}
		noSecrets(t, err.Error())
	}
}
