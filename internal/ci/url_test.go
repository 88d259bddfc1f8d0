package ci

import (
	"strings"
	"testing"
)

func TestRedactURLDropsTheUserPart(t *testing.T) {
	const tok = "glpat-UserPosTok3n"
	for in, want := range map[string]string{
		"https://" + tok + "@gitlab.example.com/g/infra.git":                "https://gitlab.example.com/g/infra.git",
		"https://oauth2:" + tok + "@gitlab.example.com/g/infra.git":         "https://gitlab.example.com/g/infra.git",
		tok + "@gitlab.example.com:g/infra.git":                             "gitlab.example.com:g/infra.git",
		tok + "@gitlab.example.com/g/infra":                                 "gitlab.example.com/g/infra",
		"https://gitlab.example.com/api/v4/projects/1/trigger?token=" + tok: "https://gitlab.example.com/api/v4/projects/1/trigger?…",
		"gitlab.example.com/g/infra":                                        "gitlab.example.com/g/infra",
	} {
		if got := RedactURL(in); got != want || strings.Contains(got, tok) {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskerHidesTokensInTheUserPosition(t *testing.T) {
	const tok = "glpat-UserPosTok3n"
	m := NewMasker()
	for _, in := range []string{
		"cloning https://" + tok + "@gitlab.example.com/g/infra.git now",
		"remote " + tok + "@gitlab.example.com:g/infra.git",
		"push to " + tok + "@gitlab.example.com/g/infra failed",
		`url="https://oauth2:` + tok + `@gitlab.example.com/g/p.git"`,
	} {
		if got := m.String(in); strings.Contains(got, tok) || !strings.Contains(got, Masked) {
			t.Errorf("String(%q) = %q", in, got)
		}
	}
	// e-mail addresses are not URLs
	for _, in := range []string{"Deploy by Seed <seed@example.com>", "mail alice@example.com: done"} {
		if got := m.String(in); got != in {
			t.Errorf("String(%q) = %q, want it unchanged", in, got)
		}
	}
}
