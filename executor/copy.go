package executor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
)

// CopyIn unpacks the tar stream r into dir in the job's pod, through the helper container
// (the builds volume is shared), with umask 0000 as the helper's stages run, so that a build
// image's non-root user can write into what it unpacked. glcd local uses it where a CI job
// would get_sources.
func (d *Driver) CopyIn(ctx context.Context, dir string, r io.Reader) error {
	var stderr bytes.Buffer
	cmd := []string{"sh", "-c", `umask 0000 && mkdir -p "$1" && cd "$1" && tar -xf -`, "glcd-copy", dir}
	if err := d.exec(ctx, HelperContainer, cmd, r, io.Discard, &stderr); err != nil {
		return fmt.Errorf("copying the working tree into %s of pod %s/%s: %s %s", dir, d.namespace(), d.podName(), shortErr(err), strings.TrimSpace(stderr.String()))
	}
	return nil
}
