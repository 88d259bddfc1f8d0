package local

import "testing"

func TestOriginPath(t *testing.T) {
	for url, want := range map[string][2]string{
		"https://gitlab.example.com/group/sub/app.git":        {"gitlab.example.com", "group/sub/app"},
		"https://oauth2:glpat-x@gitlab.example.com:8443/g/a/": {"gitlab.example.com", "g/a"},
		"git@gitlab.com:group/app.git":                        {"gitlab.com", "group/app"},
		"ssh://git@gitlab.com:2222/group/app.git":             {"gitlab.com", "group/app"},
		"file:///srv/git/app.git":                             {"", ""},
		"/srv/git/app":                                        {"", ""},
	} {
		if h, p := originPath(url); h != want[0] || p != want[1] {
			t.Errorf("originPath(%q) = %q, %q; want %q, %q", url, h, p, want[0], want[1])
		}
	}
}
