package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
)

func TestSettingsEnvironmentOverridesTheFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "executor.yaml")
	if err := os.WriteFile(file, []byte("namespace: from-file\nimage: debian:12\nallowedImages: [\"debian:*\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(file, ci.Map(map[string]string{
		"GLCD_EXECUTOR_NAMESPACE":         "from-env",
		"GLCD_EXECUTOR_ALLOWED_IMAGES":    "debian:*, registry.example.com/**",
		"GLCD_EXECUTOR_POD_START_TIMEOUT": "90s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Namespace != "from-env" || len(s.AllowedImages) != 2 || time.Duration(s.PodStartTimeout) != 90*time.Second {
		t.Errorf("settings: %+v", s)
	}
	if s.HelperImage != DefaultHelperImage || s.BuildsDir != "/builds" || s.CacheDir != "/cache" {
		t.Errorf("defaults not applied: %+v", s)
	}
}

func TestSettingsProblemsAreListedTogether(t *testing.T) {
	_, err := LoadSettings("", ci.Map(map[string]string{
		"GLCD_EXECUTOR_PRIVILEGED":      "sometimes",
		"GLCD_EXECUTOR_IMAGE":           "UPPER/Case:1",
		"GLCD_EXECUTOR_CACHE_HOST_PATH": "relative/dir",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"namespace is not set", `GLCD_EXECUTOR_PRIVILEGED="sometimes"`, `image "UPPER/Case:1"`, `cache.hostPath "relative/dir"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestUnknownSettingIsRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "executor.yaml")
	if err := os.WriteFile(file, []byte("namespace: ci\nallowed_images: [\"x\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSettings(file, ci.Map(nil)); err == nil || !strings.Contains(err.Error(), "allowed_images") {
		t.Errorf("a misspelt key must be refused, got %v", err)
	}
}
