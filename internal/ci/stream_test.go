package ci

import (
	"strings"
	"testing"
)

// The stream writer passes text on at once, holds back only what may be a secret's start,
// and in the end writes exactly what the line masker would.
func TestStreamWriterIsLiveAndMasksSplitSecrets(t *testing.T) {
	secrets := []string{"glpat-S3cretValue", "cdXYtoken", "abcd-job-token"}
	var ss []Secret
	for _, s := range secrets {
		ss = append(ss, NewSecret(s))
	}
	m := NewMasker(ss...)
	text := "progress 10%\rprogress 20% token glpat-S3cretValue done\n" +
		"clone https://u:pw-in-url@git.example/x.git\n" +
		"overlap abcd-job-tokenXYtoken and cdXYtoken end"
	for _, chunk := range []int{1, 2, 3, 7, len(text)} {
		var out strings.Builder
		w := m.StreamWriter(&out)
		for i := 0; i < len(text); i += chunk {
			end := min(i+chunk, len(text))
			if _, err := w.Write([]byte(text[i:end])); err != nil {
				t.Fatal(err)
			}
			if end >= len("progress 10%") && !strings.HasPrefix(out.String(), "progress 10%") {
				t.Fatalf("chunk %d: %q not passed on at once: got %q", chunk, "progress 10%", out.String())
			}
			for _, s := range append(secrets, "pw-in-url") {
				if strings.Contains(out.String(), s) {
					t.Fatalf("chunk %d: %q leaked: %q", chunk, s, out.String())
				}
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if want := m.String(text); out.String() != want {
			t.Fatalf("chunk %d:\n got %q\nwant %q", chunk, out.String(), want)
		}
	}
}
