package testbed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Simulated nodes: kwok (sigs.k8s.io/kwok) plays the kubelet of Node objects that have no
// machine behind them, so the same API server, scheduler and controllers see thousands of pods
// without their containers' memory. Their pods go Running and Ready as soon as they are bound.
const (
	KwokVersion = "v0.8.0"
	// KwokAnnotation marks the nodes kwok manages; KwokLabel selects them, and KwokTaint keeps
	// every pod that does not tolerate it (the tests' real ones) off them.
	KwokAnnotation = "kwok.x-k8s.io/node"
	KwokLabel      = "glcd.test/kwok"
	KwokTaint      = "kwok.x-k8s.io/node"
	// KwokCrashOneInTen is the pod label (value "true") under which kwok makes about one
	// pod in ten crash-loop instead of becoming Ready (crashLoopStage): a failing rollout.
	KwokCrashOneInTen = "glcd.test/crash-one-in-ten"
)

// crashLoopStage makes a bound pod labelled KwokCrashOneInTen crash-loop as a kubelet
// reports it: Running, not Ready, its containers waiting in CrashLoopBackOff after a run
// that exited 1. It matches what kwok's pod-ready stage matches, with weight 1 against the
// 9 EnsureKwok gives pod-ready, so kwok picks it for one such pod in ten, at random.
const crashLoopStage = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: glcd-pod-crash-loop
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.labels["` + KwokCrashOneInTen + `"]'
      operator: 'In'
      values:
      - 'true'
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  weight: 1
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        started: false
        restartCount: 1
        state:
          waiting:
            reason: CrashLoopBackOff
            message: back-off 10s restarting failed container
        lastState:
          terminated:
            exitCode: 1
            reason: Error
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`

// podReadyWeight is the weight of kwok's pod-ready stage against crashLoopStage's 1.
const podReadyWeight = "  weight: 9\n"

// KwokPodSpec makes spec a pod of the simulated nodes: selected onto them, tolerating them.
func KwokPodSpec(spec *corev1.PodSpec) {
	if spec.NodeSelector == nil {
		spec.NodeSelector = map[string]string{}
	}
	spec.NodeSelector[KwokLabel] = "true"
	spec.Tolerations = append(spec.Tolerations, corev1.Toleration{Key: KwokTaint, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
}

// kwokStages are the Stages (kwok's module, kustomize/stage/) that play a kubelet: nodes
// initialized and kept alive by their lease, pods Ready as soon as they are bound, completed
// and deleted; and the chaos stage that fails a running pod's containers when the pod has the
// label pod-container-running-failed.stage.kwok.x-k8s.io=true.
var kwokStages = []string{"node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
	"pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml", "pod/chaos/pod-container-running-failed.yaml"}

// stagesFile is the stages' file beside the binary; its name changes with what it holds.
const stagesFile = "stages-2.yaml"

// EnsureKwok builds the kwok binary of KwokVersion once (with its own module's versions, as
// `go install` does) beside its stages file (kwok --config), and returns the binary's path. A
// file lock makes concurrent callers wait.
func EnsureKwok(ctx context.Context, log io.Writer) (string, error) {
	c, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(c, "kwok-"+KwokVersion)
	bin := filepath.Join(dir, "kwok")
	if _, err := os.Stat(filepath.Join(dir, stagesFile)); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kwok cache: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, stagesFile)); err == nil {
		return bin, nil
	}
	if _, err := os.Stat(bin); err != nil {
		if err := installKwok(ctx, dir, bin, log); err != nil {
			return "", err
		}
	}
	// the stages come with the module go install downloaded
	dl := exec.CommandContext(ctx, "go", "mod", "download", "-json", "sigs.k8s.io/kwok@"+KwokVersion)
	dl.Dir, dl.Env = dir, append(os.Environ(), "GOWORK=off")
	out, err := dl.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download sigs.k8s.io/kwok@%s: %w", KwokVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download sigs.k8s.io/kwok@%s: no directory (%v)", KwokVersion, err)
	}
	var stages []byte
	for _, f := range kwokStages {
		b, err := os.ReadFile(filepath.Join(mod.Dir, "kustomize", "stage", f))
		if err != nil {
			return "", fmt.Errorf("kwok stage: %w", err)
		}
		if f == "pod/fast/pod-ready.yaml" {
			if !bytes.Contains(b, []byte("\nspec:\n")) {
				return "", fmt.Errorf("kwok stage %s: no spec: line to weigh it against the crash-loop stage", f)
			}
			b = bytes.Replace(b, []byte("\nspec:\n"), []byte("\nspec:\n"+podReadyWeight), 1)
		}
		stages = append(append(stages, "---\n"...), b...)
	}
	stages = append(append(stages, "---\n"...), crashLoopStage...)
	if err := os.WriteFile(filepath.Join(dir, stagesFile), stages, 0o644); err != nil {
		return "", err
	}
	return bin, nil
}

// FakeNodes adds n simulated nodes (kwok-0 ... kwok-<n-1>, each with room for maxPods pods)
// and starts kwok for them; it returns once they are Ready. stop ends kwok and deletes the
// nodes.
func (c *Cluster) FakeNodes(ctx context.Context, n, maxPods int) (stop func(), err error) {
	bin, err := EnsureKwok(ctx, c.log)
	if err != nil {
		return nil, err
	}
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("kwok-%d", i)
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("64"),
			corev1.ResourceMemory: resource.MustParse("512Gi"),
			corev1.ResourcePods:   *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
		}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: names[i],
				Annotations: map[string]string{KwokAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{KwokLabel: "true", "kubernetes.io/hostname": names[i], "kubernetes.io/os": "linux",
					"kubernetes.io/arch": "amd64", "type": "kwok"}},
			Spec:   corev1.NodeSpec{Taints: []corev1.Taint{{Key: KwokTaint, Value: "fake", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create node %s: %w", names[i], err)
		}
	}
	deleteNodes := func() {
		for _, name := range names {
			_ = c.Client.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
		}
	}
	logFile, err := os.Create(c.path("kwok.log"))
	if err != nil {
		deleteNodes()
		return nil, err
	}
	cmd := exec.Command(bin, "--kubeconfig", c.Kubeconfig, "--config", filepath.Join(filepath.Dir(bin), stagesFile),
		"--manage-nodes-with-annotation-selector", KwokAnnotation+"=fake",
		"--node-ip", c.NodeIP, "--cidr", "10.250.0.0/16", "--node-lease-duration-seconds", "40")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		deleteNodes()
		return nil, fmt.Errorf("start kwok: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Kill()
		<-exited
		logFile.Close()
		deleteNodes()
	}
	if err := c.waitFor(ctx, fmt.Sprintf("kwok to make %d simulated nodes Ready", n), 2*time.Minute, func(ctx context.Context) (bool, error) {
		select {
		case err := <-exited:
			exited <- err
			return false, fmt.Errorf("kwok exited: %v (%s)", err, c.path("kwok.log"))
		default:
		}
		for _, name := range names {
			node, err := c.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			ready := false
			for _, cond := range node.Status.Conditions {
				ready = ready || cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue
			}
			if !ready {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// installKwok builds kwok into bin.
func installKwok(ctx context.Context, dir, bin string, log io.Writer) error {
	fmt.Fprintf(log, "testbed: building kwok %s into %s, once (about 2 minutes on 2 cores)\n", KwokVersion, dir)
	tmp, err := os.MkdirTemp(dir, "gobin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "CGO_ENABLED=0", "GOFLAGS=-trimpath", "GOWORK=off")
	cmd.Dir = dir // outside any module: go install pkg@version
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(log, "testbed: kwok build [%s] still compiling\n", time.Since(start).Round(time.Second))
			}
		}
	}()
	err = cmd.Run()
	close(done)
	if err != nil {
		return fmt.Errorf("go install sigs.k8s.io/kwok/cmd/kwok@%s: %w", KwokVersion, err)
	}
	return os.Rename(filepath.Join(tmp, "kwok"), bin)
}
