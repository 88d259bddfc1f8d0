package ci

import (
	"fmt"
	"io"
	"os"

	"gitlab.com/glcd/glcd/internal/exitcode"
)

// MaxFileSize caps every file glcd reads whole (manifests, Makefiles and other version files,
// kubeconfigs, pipeline files): a bigger one is bad input (exit 2), not an out-of-memory kill.
const MaxFileSize = 16 << 20

// ReadFile reads a whole file of at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, error) { return ReadFileMax(path, MaxFileSize) }

// ReadFileMax reads a whole file of at most limit bytes; a larger one is a usage error naming it.
func ReadFileMax(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, exitcode.UsageError(fmt.Errorf("%s is larger than %d MiB: glcd reads such files whole and refuses bigger ones", path, limit>>20))
	}
	return b, nil
}

// CheckFileSize refuses a file larger than MaxFileSize before a library reads it whole.
func CheckFileSize(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() <= MaxFileSize {
		return nil // a missing or unreadable file is reported by whoever reads it
	}
	return exitcode.UsageError(fmt.Errorf("%s is %d MiB, larger than %d MiB: glcd reads such files whole and refuses bigger ones", path, fi.Size()>>20, MaxFileSize>>20))
}
