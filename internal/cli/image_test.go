package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Bad input to image build is named all at once, with exit 2, before anything runs or is sent.
func TestImageBuildListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(df, []byte("FROM debian:12.12 AS a\nADD x /x\nHEALTHCHECK CMD true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runGLCD(t, []string{"CI_COMMIT_TIMESTAMP=yesterday"}, "image", "build", "-f", df, "--target", "a",
		"--tag", "registry.example.com/app", "--tag", "Bad Name:1", "--build-arg", "NOVALUE", dir)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errOut)
	}
	for _, want := range []string{"--base is required", `--tag "Bad Name:1"`, `--build-arg "NOVALUE": want NAME=VALUE`,
		`CI_COMMIT_TIMESTAMP "yesterday"`, "Dockerfile:2: ADD is not supported", "Dockerfile:3: HEALTHCHECK is not supported"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, code = runGLCD(t, nil, "image", "tag", "registry.example.com/app:1")
	if code != 2 || !strings.Contains(errOut, "image tag takes SOURCE TARGET...") {
		t.Errorf("image tag with one argument: exit %d\n%s", code, errOut)
	}
}

func TestSourceDate(t *testing.T) {
	for _, c := range []struct {
		commit, epoch string
		want          time.Time
	}{
		{"2026-12-01T10:00:00+01:00", "5", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"", "1764576000", time.Unix(1764576000, 0).UTC()},
		{"", "", time.Unix(0, 0).UTC()},
	} {
		if got, err := sourceDate(c.commit, c.epoch); err != nil || !got.Equal(c.want) {
			t.Errorf("sourceDate(%q, %q) = %s, %v; want %s", c.commit, c.epoch, got, err, c.want)
		}
	}
	if _, err := sourceDate("", "soon"); err == nil {
		t.Error("SOURCE_DATE_EPOCH=soon accepted")
	}
}
