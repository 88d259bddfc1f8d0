package ci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const tokenValue = "glpat-s3cr3t-V4lue-xyz"

type holder struct {
	Name  string
	Token Secret
	inner Secret // unexported: fmt cannot call its methods
	Ptr   *Secret
}

func TestSecretNeverPrintsItsValue(t *testing.T) {
	s := NewSecret(tokenValue)
	h := holder{Name: "n", Token: s, inner: s, Ptr: &s}
	var outputs []string
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []Secret{s}))
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(h), fmt.Errorf("wrapped: %w", errors.New(s.String())).Error())
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "token", s, "holder", h)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "token", s, "holder", h)
	outputs = append(outputs, logs.String())
	all := strings.Join(outputs, "\n")
	if strings.Contains(all, tokenValue) {
		t.Fatalf("secret value leaked:\n%s", all)
	}
	if !strings.Contains(all, Masked) {
		t.Fatalf("no [MASKED] at all:\n%s", all)
	}
	if got := fmt.Sprintf("%v|%s|%+v", s, s, h.Token); got != "[MASKED]|[MASKED]|[MASKED]" {
		t.Errorf("got %q", got)
	}
	if s.Reveal() != tokenValue {
		t.Errorf("Reveal = %q", s.Reveal())
	}
	if NewSecret("").IsSet() || NewSecret("").String() != "" {
		t.Error("an empty secret must be unset and print empty")
	}
}

func TestMaskerMasksSecretsAndURLCredentials(t *testing.T) {
	m := NewMasker(NewSecret(tokenValue), NewSecret("ab")) // too short to mask
	var out bytes.Buffer
	w := m.Writer(&out)
	// a secret split across writes, and a URL with credentials
	for _, chunk := range []string{"push with glpat-s3cr", "3t-V4lue-xyz failed\n", "remote https://oauth2:other-pass@gitlab.example.com/g/p.git\n", "ab tail without newline ", tokenValue} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(out.String(), "tail without") {
		t.Fatal("an incomplete line must be held back until Flush")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "push with [MASKED] failed\n" +
		"remote https://oauth2:[MASKED]@gitlab.example.com/g/p.git\n" +
		"ab tail without newline [MASKED]"
	if out.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", out.String(), want)
	}
}

func TestMaskerPrefersTheLongestSecret(t *testing.T) {
	m := NewMasker(NewSecret("abcdef"), NewSecret("abcdefghij"))
	if got := m.String("x abcdefghij y abcdef"); got != "x [MASKED] y [MASKED]" {
		t.Fatalf("got %q", got)
	}
}

func FuzzMaskerNeverLeaks(f *testing.F) {
	f.Add("prefix ", "suffix", 3)
	f.Add("", "", 1)
	f.Fuzz(func(t *testing.T, before, after string, split int) {
		m := NewMasker(NewSecret(tokenValue))
		var out bytes.Buffer
		w := m.Writer(&out)
		text := before + tokenValue + after
		if split < 0 {
			split = -split
		}
		split %= len(text) + 1
		_, _ = w.Write([]byte(text[:split]))
		_, _ = w.Write([]byte(text[split:]))
		_ = w.Flush()
		if strings.Contains(out.String(), tokenValue) {
			t.Fatalf("leaked through %q + %q", text[:split], text[split:])
		}
	})
}
