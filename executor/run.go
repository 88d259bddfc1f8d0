package executor

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/remotecommand"
	watchtools "k8s.io/client-go/tools/watch"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// MaxScriptSize caps a stage script the runner hands over.
const MaxScriptSize = 64 << 20

// DefaultHeartbeatInterval is how often a running stage renews its pod's active-at mark, so
// that gc never takes the pod of a stage that is still running.
const DefaultHeartbeatInterval = time.Minute

// helperStages run in the helper container; every other stage, including the ones this
// driver has never heard of, runs in the build container.
var helperStages = []string{
	"get_sources", "clear_worktree", "restore_cache", "download_artifacts",
	"archive_cache", "archive_cache_on_failure", "upload_artifacts_on_success", "upload_artifacts_on_failure",
}

// artifactStages need GitLab's helper program: without it the runner's script would skip
// the transfer and report success.
var artifactStages = []string{"download_artifacts", "upload_artifacts_on_success", "upload_artifacts_on_failure"}

// ContainerFor returns the container a stage runs in.
func ContainerFor(stage string) string {
	if slices.Contains(helperStages, stage) {
		return HelperContainer
	}
	return BuildContainer
}

// stageSource starts a stage's script detached in the container and follows its output (see
// the file for the protocol).
//
//go:embed stage.sh
var stageSource string

// stageScript is stage.sh as a stage's exec sends it: without its comment lines and
// indentation, which would about double the exec request (its URL carries the command), and
// every hop from the driver to the container parses it. stage.sh has no here-document, so
// no line's leading blanks are data.
func stageScript() string {
	var b strings.Builder
	for line := range strings.Lines(stageSource) {
		line = strings.TrimLeft(line, " \t")
		if line == "\n" || strings.HasPrefix(line, "#") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// Exit codes of stage.sh that are the driver's, not the script's.
const (
	stageShort       = 96 // the script reached the container short: sent again
	stageNoTools     = 95 // the image lacks tail, head, wc or dd: the stage runs attached
	stageNoHelper    = 94 // an artifact stage, and the helper has no gitlab-runner(-helper)
	stageNotStarted  = 98 // nobody started the script in time
	stageFailedStart = 97
)

// StdinTries is how many times what goes to a container on an exec's stdin (a stage's
// script, glcd local's working tree and shell variables) is sent when it keeps arriving short
// (kubernetes/kubernetes#112834) before that is an error.
const StdinTries = 3

// errStreamEnded is an exec stream that ended before the stage did.
var errStreamEnded = errors.New("the stream ended before the stage")

// stageRun is one run of a stage script in the pod: its folder in RunDir, and how many
// bytes of its output the driver has passed on.
type stageRun struct {
	stage, container, dir string
	script                []byte
	offset                int64
	// lastPod is the pod as last seen while the stage ran, its final state included once
	// deleted: why the cluster stopped it, after it is gone.
	lastPod atomic.Pointer[corev1.Pod]
}

// Run runs the stage's script in its container and returns when it ends. The script is
// started detached in the container (its output to a file, its exit code to another) and its
// output followed from the byte where the driver is; when the connection to the pod breaks
// (the API server or the kubelet restarted, the stream was cut) the driver reconnects with
// backoff and goes on from that byte: nothing lost, nothing twice. A non-zero exit is a
// ScriptFailure with its code (an OOM kill is named as such); the cluster's doing (the pod
// deleted, evicted, its node lost) is a system failure that names it. When ctx ends (the
// runner's SIGTERM on cancel or timeout) the script's processes are stopped in the pod.
func (d *Driver) Run(ctx context.Context, scriptPath, stage string) error {
	if d.Nonce == "" {
		return SystemFailure(errNoNonce)
	}
	script, err := readCapped(scriptPath, MaxScriptSize)
	if err != nil {
		return SystemFailure(fmt.Errorf("stage %s: %w", stage, err))
	}
	pod, err := d.mark(ctx, stage)
	if err != nil {
		return err
	}
	hb, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHeartbeat()
	go d.heartbeat(hb)
	r := &stageRun{stage: stage, container: ContainerFor(stage), dir: RunDir + "/" + stageID(stage), script: script}
	r.lastPod.Store(pod)
	go d.watchPod(hb, pod, &r.lastPod)
	if d.Settings.AttachedStages {
		return d.runAttached(ctx, r)
	}
	return d.follow(ctx, pod, r)
}

// stageID names one run of a stage: the stage and a random suffix (the runner may run a
// stage again, get_sources for one).
func stageID(stage string) string {
	return strings.Trim(nonLabel.ReplaceAllString(stage, "-"), "-") + "-" + NewNonce()[:6]
}

// mark checks that the pod is this job's (its nonce label) and marks it active with the
// stage, in one request; it returns the pod.
func (d *Driver) mark(ctx context.Context, stage string) (*corev1.Pod, error) {
	name, ns := d.podName(), d.namespace()
	patch := fmt.Sprintf(`[{"op":"test","path":"/metadata/labels/%s","value":%q},`+
		`{"op":"add","path":"/metadata/annotations/%s","value":%q},{"op":"add","path":"/metadata/annotations/%s","value":%q}]`,
		jsonPointer(LabelNonce), d.Nonce, jsonPointer(AnnotationActiveAt), d.now().UTC().Format(time.RFC3339Nano),
		jsonPointer(AnnotationStage), stage)
	var pod *corev1.Pod
	err := d.retryAPI(ctx, time.Duration(d.Settings.CleanupTimeout), "stage "+stage, func(ctx context.Context) error {
		p, err := d.Client.CoreV1().Pods(ns).Patch(ctx, name, types.JSONPatchType, []byte(patch), metav1.PatchOptions{})
		if err != nil {
			return err
		}
		pod = p
		return nil
	})
	switch {
	case err == nil:
		return pod, nil
	case apierrors.IsNotFound(err):
		return nil, SystemFailure(fmt.Errorf("stage %s: the job's pod %s/%s is gone", stage, ns, name))
	case apierrors.IsInvalid(err):
		return nil, SystemFailure(fmt.Errorf("stage %s: pod %s/%s is not this job's (its nonce differs): left alone", stage, ns, name))
	}
	return nil, SystemFailure(fmt.Errorf("stage %s: pod %s/%s: %w", stage, ns, name, err))
}

// jsonPointer escapes a key for a JSON patch path.
func jsonPointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// watchPod keeps the job's pod as last seen in last until ctx ends: one watch of this pod
// only, resumed from its last version when it breaks.
func (d *Driver) watchPod(ctx context.Context, pod *corev1.Pod, last *atomic.Pointer[corev1.Pod]) {
	sel := fields.OneTermEqualSelector("metadata.name", pod.Name).String()
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.FieldSelector = sel
		return d.Client.CoreV1().Pods(pod.Namespace).Watch(ctx, o)
	}}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, pod.ResourceVersion, lw)
	if err != nil {
		return
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok {
				return
			}
			if p, ok := ev.Object.(*corev1.Pod); ok && p.UID == pod.UID {
				last.Store(p)
			}
		}
	}
}

// heartbeat renews the pod's active-at mark every heartbeat interval until ctx ends.
func (d *Driver) heartbeat(ctx context.Context) {
	t := time.NewTicker(time.Duration(d.Settings.HeartbeatInterval))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, AnnotationActiveAt, d.now().UTC().Format(time.RFC3339Nano))
			_, _ = d.Client.CoreV1().Pods(d.namespace()).Patch(ctx, d.podName(), types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		}
	}
}

// follow starts the stage (once) and passes its output on, reconnecting until it ends.
func (d *Driver) follow(ctx context.Context, pod *corev1.Pod, r *stageRun) error {
	var (
		broken    time.Time // when the connection was lost; zero while it holds
		lastCause string
	)
	backoff := wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 1 << 30, Cap: 5 * time.Second}
	deadline := d.reconnectDeadline(pod)
	var lastOffset int64 = -1
	short := 0 // times the script reached the container short
	for {
		// stage.sh says on stderr when it follows the output: the connection is back
		ctrl := &controlWriter{onFollow: func() {
			if !broken.IsZero() {
				fmt.Fprintf(d.Log, "glcd: reconnected to the job's pod after %s; the output goes on from where it stopped\n",
					d.now().Sub(broken).Round(100*time.Millisecond))
				broken = time.Time{}
			}
		}}
		out := &countingWriter{w: d.Out, n: &r.offset}
		err := d.exec(ctx, r.container, d.stageCommand(r), bytes.NewReader(r.script), out, ctrl)
		if ctx.Err() != nil {
			return d.stop(r)
		}
		var code utilexec.CodeExitError
		switch {
		case err == nil && !strings.Contains(ctrl.String(), "glcd-exit "):
			// the stream ended before stage.sh said the script ended: the output it carried
			// was cut short (the runtime may close an exec's streams before they are drained);
			// the output and the exit code are in the pod: go on from the byte where we are
			err = errStreamEnded
		case err == nil:
			return d.stageEnded(pod, r, ctrl.String())
		case errors.As(err, &code):
			switch code.ExitStatus() {
			case stageShort:
				if short++; short < StdinTries {
					continue // nothing started: send it again at once
				}
				return SystemFailure(fmt.Errorf("stage %s: the script reached container %s short %d times in a row (%s): the exec's stdin loses data on this cluster",
					r.stage, r.container, short, strings.TrimSpace(strings.TrimPrefix(ctrl.String(), "glcd-short"))))
			case stageNoTools:
				fmt.Fprintf(d.Log, "glcd: the %s container has no %s: stage %s runs over one connection, which cannot be resumed if it breaks\n",
					r.container, strings.TrimSpace(strings.TrimPrefix(ctrl.String(), "glcd-notools")), r.stage)
				return d.runAttached(ctx, r)
			case stageNoHelper:
				return SystemFailure(fmt.Errorf("stage %s: the helper image %s has neither gitlab-runner nor gitlab-runner-helper, "+
					"so the job's artifacts cannot be transferred: set helperImage to GitLab's gitlab-runner-helper image", r.stage, d.Settings.HelperImage))
			}
			// killed (the container or the pod went) or broken: the pod tells which
			if ferr := d.diagnose(context.WithoutCancel(ctx), r); ferr != nil {
				return ferr
			}
			return SystemFailure(fmt.Errorf("stage %s: the driver's stage command in container %s exited %d: %s", r.stage, r.container, code.ExitStatus(), strings.TrimSpace(ctrl.String())))
		}
		if errors.Is(err, errStreamEnded) && r.offset > lastOffset {
			lastOffset = r.offset // it carried output: follow on at once, nothing to say
			continue
		}
		lastOffset = r.offset
		// the connection broke: is it the cluster's doing, or only the connection?
		if ferr := d.diagnose(ctx, r); ferr != nil {
			return ferr
		}
		cause := connectionCause(err)
		if broken.IsZero() {
			broken = d.now()
			fmt.Fprintf(d.Log, "glcd: lost the connection to the job's pod (%s); reconnecting\n", cause)
		} else if cause != lastCause {
			fmt.Fprintf(d.Log, "glcd: still reconnecting (%s)\n", cause)
		}
		lastCause = cause
		if !deadline.IsZero() && d.now().After(deadline) {
			return SystemFailure(fmt.Errorf("stage %s: lost the connection to pod %s/%s at %s and could not get it back before the job's deadline: %s",
				r.stage, d.namespace(), d.podName(), broken.Format(time.RFC3339), cause))
		}
		select {
		case <-ctx.Done():
			return d.stop(r)
		case <-time.After(backoff.Step()):
		}
	}
}

// reconnectDeadline is when reconnecting is no longer worth it: the pod's own deadline.
func (d *Driver) reconnectDeadline(pod *corev1.Pod) time.Time {
	if pod == nil || pod.Spec.ActiveDeadlineSeconds == nil {
		return time.Time{}
	}
	start := pod.CreationTimestamp.Time
	if pod.Status.StartTime != nil {
		start = pod.Status.StartTime.Time
	}
	return start.Add(time.Duration(*pod.Spec.ActiveDeadlineSeconds) * time.Second)
}

// stageEnded reads the exit line stage.sh printed once the script ended.
func (d *Driver) stageEnded(pod *corev1.Pod, r *stageRun, ctrl string) error {
	var code, oom int
	found := false
	for _, line := range strings.Split(ctrl, "\n") {
		if rest, ok := strings.CutPrefix(line, "glcd-exit "); ok {
			f := strings.Fields(rest)
			if len(f) == 2 {
				c, err1 := strconv.Atoi(f[0])
				o, err2 := strconv.Atoi(f[1])
				found = err1 == nil && err2 == nil
				code, oom = c, o
			}
		}
	}
	if !found {
		return SystemFailure(fmt.Errorf("stage %s: the stage ended without an exit code: %q", r.stage, strings.TrimSpace(ctrl)))
	}
	if oom > 0 {
		return d.oomFailure(pod, r.container, code, "a process of the script was killed for memory (the container's oom_kill counter rose)")
	}
	if code != 0 {
		return ScriptFailure(code)
	}
	return nil
}

// oomFailure is the job's script going over its container's memory limit: a build failure
// that says so, with the setting that raises the limit.
func (d *Driver) oomFailure(pod *corev1.Pod, container string, code int, how string) error {
	limit := "no limit"
	if pod != nil {
		for _, c := range pod.Spec.Containers {
			if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok && c.Name == container {
				limit = q.String()
			}
		}
	}
	hint := "raise it with KUBERNETES_MEMORY_LIMIT in the job's variables"
	if max, ok := d.Settings.Resources.Max[corev1.ResourceMemory]; ok {
		hint += fmt.Sprintf(" (up to %s on this runner)", max.String())
	} else {
		hint = "this runner does not let jobs raise it (resources.max.memory in glcd's executor settings)"
	}
	if container != BuildContainer {
		hint = "the helper's limit is helperResources in glcd's executor settings"
	}
	return &Failure{ExitCode: code, Err: fmt.Errorf("the job went over its memory limit (%s): OOMKilled: %s; %s", limit, how, hint)}
}

// diagnose looks at the pod after a broken connection: a pod that is gone, failed, or whose
// container ended is the end of the stage; nil means only the connection broke (or the API
// server cannot say: reconnecting will tell).
func (d *Driver) diagnose(ctx context.Context, r *stageRun) error {
	name, ns := d.podName(), d.namespace()
	// a connection the API server's end dropped can hang a request: reconnecting tells soon enough
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := d.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		why := fmt.Sprintf("the job's pod %s/%s was deleted", ns, name)
		if seen := r.lastPod.Load(); seen != nil {
			if ended := podEnded(seen); ended != "" {
				why = ended
			}
		}
		return SystemFailure(fmt.Errorf("stage %s: %s: the cluster stopped the job, not its script", r.stage, why))
	case err != nil:
		return nil
	case p.Labels[LabelNonce] != d.Nonce:
		return SystemFailure(fmt.Errorf("stage %s: pod %s/%s is not this job's any more (its nonce differs)", r.stage, ns, name))
	}
	if why := podEnded(p); why != "" {
		return SystemFailure(fmt.Errorf("stage %s: %s: the cluster stopped the job, not its script", r.stage, why))
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name != r.container || cs.State.Terminated == nil {
			continue
		}
		t := cs.State.Terminated
		if t.Reason == "OOMKilled" {
			return d.oomFailure(p, r.container, int(t.ExitCode), "the container was killed for memory")
		}
		return SystemFailure(fmt.Errorf("stage %s: the %s container of pod %s/%s ended (%s, exit code %d)%s", r.stage, r.container, ns, name,
			t.Reason, t.ExitCode, messageSuffix(t.Message)))
	}
	return nil
}

// podEnded says why a pod is being deleted or has failed, as the API tells it: its
// DisruptionTarget condition (eviction, preemption, a lost node, ...), its status reason
// (Evicted, DeadlineExceeded), or a plain deletion. "" means it runs on.
func podEnded(p *corev1.Pod) string {
	what := fmt.Sprintf("the job's pod %s/%s", p.Namespace, p.Name)
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
			return fmt.Sprintf("%s was stopped by the cluster: %s%s", what, c.Reason, messageSuffix(c.Message))
		}
	}
	if p.Status.Phase == corev1.PodFailed {
		return fmt.Sprintf("%s failed: %s%s", what, p.Status.Reason, messageSuffix(p.Status.Message))
	}
	if p.DeletionTimestamp != nil {
		return what + " was deleted"
	}
	return ""
}

func messageSuffix(m string) string {
	if m = strings.TrimSpace(m); m != "" {
		return ": " + m
	}
	return ""
}

// connectionCause names what broke, in the driver's words.
func connectionCause(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "error dialing backend") || strings.Contains(msg, ":10250") || strings.Contains(msg, "kubelet"):
		return "the node's kubelet does not answer"
	case strings.Contains(msg, "connection refused") || strings.Contains(msg, "no route to host"):
		return "the API server does not answer"
	case strings.Contains(msg, "EOF") || strings.Contains(msg, "reset by peer") || strings.Contains(msg, "broken pipe") || strings.Contains(msg, "close"):
		return "the stream was cut"
	case errors.Is(err, errStreamEnded):
		return "the stream ended before the stage"
	case strings.Contains(msg, "forbidden") || strings.Contains(msg, "Unauthorized"):
		return "the API server refuses the driver for now: it may still be starting"
	}
	return shortErr(err)
}

// stageCommand is stage.sh for this run: its folder, the script's length, the byte to go on
// from, and whether it needs GitLab's helper program.
func (d *Driver) stageCommand(r *stageRun) []string {
	needHelper := "0"
	if slices.Contains(artifactStages, r.stage) {
		needHelper = "1"
	}
	return []string{"sh", "-c", stageScript(), "glcd-stage", r.dir, strconv.Itoa(len(r.script)), strconv.FormatInt(r.offset, 10), r.container, needHelper}
}

// stop stops the stage's script and every process it started (TERM, then KILL a second
// later) after the runner canceled the job, and reports the cancel.
func (d *Driver) stop(r *stageRun) error {
	stop, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := d.exec(stop, r.container, killCommand(r.dir+"/pid"), nil, io.Discard, io.Discard); err != nil {
		fmt.Fprintf(d.Log, "stopping the %s script in pod %s/%s: %s\n", r.stage, d.namespace(), d.podName(), shortErr(err))
	}
	return BuildFailure(fmt.Errorf("stage %s canceled: the script was stopped", r.stage))
}

// runAttached is the fallback for images without tail, head, wc or dd: the script streams over
// one exec on stdin, as kubectl exec would; a broken connection ends the stage.
func (d *Driver) runAttached(ctx context.Context, r *stageRun) error {
	pidFile := r.dir + "/pid"
	cmd := []string{"sh", "-c", fmt.Sprintf(`mkdir -p %q && echo $$ > %q 2>/dev/null; if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh`, r.dir, pidFile)}
	err := d.exec(ctx, r.container, cmd, bytes.NewReader(r.script), d.Out, d.Out)
	var code utilexec.CodeExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return d.stop(r)
	case errors.As(err, &code):
		return ScriptFailure(code.ExitStatus())
	}
	if ferr := d.diagnose(context.WithoutCancel(ctx), r); ferr != nil {
		return ferr
	}
	return SystemFailure(fmt.Errorf("stage %s: lost the connection to pod %s/%s (%s); the %s image has no tail, head, wc or dd, so the stage cannot be resumed",
		r.stage, d.namespace(), d.podName(), connectionCause(err), r.container))
}

// killCommand stops the process whose PID pidFile holds and every process it started: TERM
// now, KILL a second later for what is still there. It walks /proc, so it needs nothing but
// sh in the image.
func killCommand(pidFile string) []string {
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
	return []string{"sh", "-c", fmt.Sprintf(script, pidFile)}
}

// controlWriter keeps stage.sh's control lines (stderr) and calls onFollow once the first
// time it says it follows the output.
type controlWriter struct {
	buf      bytes.Buffer
	onFollow func()
	followed bool
}

func (c *controlWriter) Write(p []byte) (int, error) {
	c.buf.Write(p)
	if !c.followed && bytes.Contains(c.buf.Bytes(), []byte("glcd-following\n")) {
		c.followed = true
		c.onFollow()
	}
	return len(p), nil
}

func (c *controlWriter) String() string {
	return strings.ReplaceAll(c.buf.String(), "glcd-following\n", "")
}

// countingWriter passes bytes on and counts them: the offset to resume from.
type countingWriter struct {
	mu sync.Mutex
	w  io.Writer
	n  *int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// exec runs cmd in the container as kubectl exec does: WebSocket, falling back to SPDY.
func (d *Driver) exec(ctx context.Context, container string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return d.Exec(ctx, container, cmd, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

// Exec runs cmd in a container of the job's pod with the streams of o, as kubectl exec does
// (WebSocket, falling back to SPDY). With o.Tty the container gets a terminal and its output
// comes on o.Stdout alone (o.Stderr is not used). A command that exits non-zero returns a
// k8s.io/client-go/util/exec.ExitError.
func (d *Driver) Exec(ctx context.Context, container string, cmd []string, o remotecommand.StreamOptions) error {
	if o.Tty {
		o.Stderr = nil
	}
	req := d.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(d.namespace()).Name(d.podName()).
		SubResource("exec").VersionedParams(&corev1.PodExecOptions{
		Container: container, Command: cmd, Stdin: o.Stdin != nil, Stdout: o.Stdout != nil, Stderr: o.Stderr != nil, TTY: o.Tty,
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
	return ex.StreamWithContext(ctx, o)
}
