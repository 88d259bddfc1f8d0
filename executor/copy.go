package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	utilexec "k8s.io/client-go/util/exec"
)

// ErrCopyShort is a tar stream that reached the pod without its last entry: an exec's stdin
// can lose data on a busy node (kubernetes/kubernetes#112834). Send it again.
var ErrCopyShort = errors.New("the tar stream reached the pod short")

// copyInCommand unpacks its stdin into $1 and removes the stream's last entry $2: exit code 3
// when it did not arrive, tar's own when tar fails.
var copyInCommand = []string{"sh", "-c", `umask 0000 && mkdir -p "$1" && cd "$1" && tar -xf - || exit $?; [ -e "$2" ] || exit 3; rm -f "$2"`, "glcd-copy"}

// CopyIn unpacks the tar stream r into dir in the job's pod, through the helper container
// (the builds volume is shared), with umask 0000 as the helper's stages run, so that a build
// image's non-root user can write into what it unpacked. The stream's last entry is the file
// end (a name of its own at the top of dir): CopyIn removes it, and returns ErrCopyShort when
// it did not arrive. glcd local uses it where a CI job would get_sources.
func (d *Driver) CopyIn(ctx context.Context, dir, end string, r io.Reader) error {
	var stderr bytes.Buffer
	cmd := append(slices.Clone(copyInCommand), dir, end)
	err := d.exec(ctx, HelperContainer, cmd, r, io.Discard, &stderr)
	var code utilexec.CodeExitError
	if errors.As(err, &code) && code.ExitStatus() == 3 {
		return fmt.Errorf("copying the working tree into %s of pod %s/%s: %w", dir, d.namespace(), d.podName(), ErrCopyShort)
	}
	if err != nil {
		return fmt.Errorf("copying the working tree into %s of pod %s/%s: %s %s", dir, d.namespace(), d.podName(), shortErr(err), strings.TrimSpace(stderr.String()))
	}
	return nil
}
