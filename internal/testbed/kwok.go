package testbed

import (
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
)

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
	if _, err := os.Stat(filepath.Join(dir, "stages.yaml")); err == nil {
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
	if _, err := os.Stat(filepath.Join(dir, "stages.yaml")); err == nil {
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
		stages = append(append(stages, "---\n"...), b...)
	}
	if err := os.WriteFile(filepath.Join(dir, "stages.yaml"), stages, 0o644); err != nil {
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
	cmd := exec.Command(bin, "--kubeconfig", c.Kubeconfig, "--config", filepath.Join(filepath.Dir(bin), "stages.yaml"),
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
