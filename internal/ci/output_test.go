package ci

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestSectionMarkers(t *testing.T) {
	var b bytes.Buffer
	s := StartSection(&b, "rollout deployment/web", "Rolling out", true)
	b.WriteString("progress\n")
	s.End()
	re := regexp.MustCompile("^\x1b\\[0Ksection_start:\\d+:rollout_deployment_web\\[collapsed=true\\]\r\x1b\\[0KRolling out\nprogress\n\x1b\\[0Ksection_end:\\d+:rollout_deployment_web\r\x1b\\[0K\n$")
	if !re.Match(b.Bytes()) {
		t.Fatalf("markers: %q", b.String())
	}
}

func TestWriteDotenv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deploy.env")
	if err := WriteDotenv(p, [][2]string{{"GLCD_DEPLOYED_IMAGE", "registry/app:1.4.0"}, {"GLCD_REVISION", "3"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "GLCD_DEPLOYED_IMAGE=registry/app:1.4.0\nGLCD_REVISION=3\n" {
		t.Fatalf("got %q", got)
	}
	if err := WriteDotenv(p, [][2]string{{"BAD KEY", "x"}}); err == nil {
		t.Fatal("a bad key must be refused")
	}
	if err := WriteDotenv(p, [][2]string{{"K", "a\nb"}}); err == nil {
		t.Fatal("a multi-line value must be refused")
	}
	if got2, _ := os.ReadFile(p); !bytes.Equal(got, got2) {
		t.Fatal("a refused write must leave the old file")
	}
}
