package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// MaxScriptSize caps a stage script the runner hands over.
const MaxScriptSize = 64 << 20

// helperStages run in the helper container; every other stage, including the ones this
// driver has never heard of, runs in the build container.
var helperStages = []string{
	"get_sources", "clear_worktree", "restore_cache", "download_artifacts",
	"archive_cache", "archive_cache_on_failure", "upload_artifacts_on_success", "upload_artifacts_on_failure",
}

// ContainerFor returns the container a stage runs in.
func ContainerFor(stage string) string {
	if slices.Contains(helperStages, stage) {
		return HelperContainer
	}
	return BuildContainer
}

// pidFile is where the stage's shell notes its PID, so a cancel can stop it.
func (d *Driver) pidFile(container string) string {
	return d.Settings.BuildsDir + "/.glcd-" + container + ".pid"
}

// shellCommand runs the script read from stdin with bash when the image has it, else sh.
func (d *Driver) shellCommand(container string) []string {
	return []string{"sh", "-c", fmt.Sprintf(`echo $$ > %q 2>/dev/null; if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh`, d.pidFile(container))}
}

// killCommand stops the stage's shell and every process it started: TERM now, KILL a second
// later for what is still there. It walks /proc, so it needs nothing but sh in the image.
func (d *Driver) killCommand(container string) []string {
	script := `root=$(cat %q 2>/dev/null) || exit 0
all=$root; new=$root
while [ -n "$new" ]; do
  next=""
  for d in /proc/[0-9]*; do
    pp=""
    while read -r k v; do if [ "$k" = "PPid:" ]; then pp=$v; break; fi; done < "$d/status" 2>/dev/null
    for p in $new; do if [ "$pp" = "$p" ]; then next="$next ${d#/proc/}"; fi; done
  done
  all="$all $next"; new=$next
done
kill -TERM $all 2>/dev/null
(sleep 1; kill -KILL $all 2>/dev/null) >/dev/null 2>&1 &`
	return []string{"sh", "-c", fmt.Sprintf(script, d.pidFile(container))}
}

// Run streams the stage's script into its container and returns when it ends. A non-zero
// exit is a ScriptFailure with its code; a broken stream or API error a system failure. When
// ctx ends (the runner's SIGTERM on cancel or timeout) the script is stopped in the pod.
func (d *Driver) Run(ctx context.Context, scriptPath, stage string) error {
	script, err := readCapped(scriptPath, MaxScriptSize)
	if err != nil {
		return SystemFailure(fmt.Errorf("stage %s: %w", stage, err))
	}
	container := ContainerFor(stage)
	name, ns := d.podName(), d.namespace()
	mark := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q,%q:%q}}}`, AnnotationActiveAt, d.now().UTC().Format(time.RFC3339Nano), AnnotationStage, stage)
	if _, err := d.Client.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, []byte(mark), metav1.PatchOptions{}); err != nil {
		return SystemFailure(fmt.Errorf("stage %s: pod %s/%s: %w", stage, ns, name, err))
	}
	err = d.exec(ctx, container, d.shellCommand(container), bytes.NewReader(script), d.Out, d.Out)
	var code utilexec.CodeExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 1500*time.Millisecond)
		defer cancel()
		if kerr := d.exec(stop, container, d.killCommand(container), nil, io.Discard, io.Discard); kerr != nil {
			fmt.Fprintf(d.Log, "stopping the %s script in pod %s/%s: %v\n", stage, ns, name, kerr)
		}
		return BuildFailure(fmt.Errorf("stage %s canceled: the script was stopped", stage))
	case errors.As(err, &code):
		return ScriptFailure(code.ExitStatus())
	}
	return SystemFailure(fmt.Errorf("stage %s: exec in pod %s/%s container %s: %w", stage, ns, name, container, err))
}

// exec runs cmd in the container as kubectl exec does: WebSocket, falling back to SPDY.
func (d *Driver) exec(ctx context.Context, container string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
	req := d.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(d.namespace()).Name(d.podName()).
		SubResource("exec").VersionedParams(&corev1.PodExecOptions{
		Container: container, Command: cmd, Stdin: stdin != nil, Stdout: true, Stderr: true,
	}, scheme.ParameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(d.REST, "GET", req.URL().String())
	if err != nil {
		return err
	}
	spdy, err := remotecommand.NewSPDYExecutor(d.REST, "POST", req.URL())
	if err != nil {
		return err
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return err
	}
	return ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
}
