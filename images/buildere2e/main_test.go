package buildere2e

import (
	"os"
	"path/filepath"
	"testing"

	"gitlab.com/glcd/glcd/internal/testbed"
)

var (
	// tb runs the publish jobs of the app pipeline as pods.
	tb *testbed.Cluster
	// glcdBin is the glcd that builder-base carries; glcdContext the build context that holds
	// it at /usr/local/bin/glcd, standing for Dockerfile.builder's GLCD image.
	glcdBin, glcdContext string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "glcd-buildere2e-")
	if err != nil {
		panic(err)
	}
	code := testbed.MainWithGLCD(m, &tb, &glcdBin, func(*testbed.Cluster) error {
		glcdContext = filepath.Join(dir, "glcd")
		dst := filepath.Join(glcdContext, "usr", "local", "bin", "glcd")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		b, err := os.ReadFile(glcdBin)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o755)
	})
	os.RemoveAll(dir)
	os.Exit(code)
}
