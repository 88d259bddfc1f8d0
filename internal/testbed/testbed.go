// Package testbed runs a real single-node Kubernetes for tests and demos: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and a kubelet (all built from the Go module proxy)
// with Debian's containerd, runc and CNI bridge plugin, inside a network namespace of its own.
//
// Tests and tools on the host reach the API server through a veth link into that namespace:
// the kubeconfig points at https://10.251.N.2:6443, the namespace's end of the link. Each
// cluster gets its own slot N (namespace, link, addresses, cgroup root and state folder under
// the cache), so several clusters can run at once and Stop can prove it left nothing behind.
// Everything needs root.
package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// StaticToken is a bearer token the API server accepts (user glcd-static, system:masters).
// It is a DNS label, so a test can also make the API server quote it (as a container name).
const StaticToken = "glcd-static-token-7c1f0e9a2b"

// NodeName is the name of the test bed's only node.
const NodeName = "tb-node"

const (
	apiPort   = 6443
	maxSlot   = 60
	ownerFile = "owner"
)

// Options configure Start.
type Options struct {
	// Name labels the cluster (shown by `testbed status`); "" means "test".
	Name string
	// Persistent clusters outlive the process that started them (make testbed-up).
	// Other clusters are stopped when their owner exits and cleaned up by the next Start.
	Persistent bool
	// Log receives progress lines. Nil discards them.
	Log io.Writer
	// APIQPS raises the controller-manager's and the scheduler's request rate to the API
	// server (default 20 and 50 per second), for thousands of simulated pods (FakeNodes).
	APIQPS int
}

// Cluster is a running test bed.
type Cluster struct {
	Name       string
	Dir        string // state folder: pki, configs, logs, data
	Kubeconfig string // admin kubeconfig, usable from the host
	BinDir     string // etcd, kube-*, kubelet, kubectl
	Config     *rest.Config
	Client     kubernetes.Interface
	NodeIP     string
	// HostIP is the host's end of the link: servers a test starts on it are reachable from pods.
	HostIP string
	// PodCIDR is the pods' subnet, routed from the host through the link.
	PodCIDR string
	// StartTime is how long Start took from first process to node Ready.
	StartTime time.Duration

	slot slotNames
	log  io.Writer
	// spawned keeps each component's command line, for restarts.
	spawned map[string][]string
}

// Start builds what is missing, then starts a cluster in a free slot and waits until its node
// is Ready and the default namespace has its service account.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("the test bed needs root (network namespaces, cgroups, containerd)")
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	if opts.Name == "" {
		opts.Name = "test"
	}
	bin, err := EnsureBinaries(ctx, log)
	if err != nil {
		return nil, err
	}
	for _, tool := range []string{"containerd", "ctr", "runc", "ip", "nsenter", "gcc", "/usr/lib/cni/bridge", "/bin/busybox", "docker-registry"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("the test bed needs %s: apt-get install containerd runc containernetworking-plugins "+
				"iproute2 util-linux gcc libc6-dev busybox-static docker-registry", tool)
		}
	}
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	slot, dir, err := claimSlot(ctx, filepath.Join(cache, "run"), opts)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: opts.Name, Dir: dir, BinDir: bin, slot: slot, NodeIP: slot.NodeIP, HostIP: slot.HostIP, PodCIDR: slot.PodCIDR, log: log,
		Kubeconfig: filepath.Join(dir, "admin.kubeconfig")}
	t0 := time.Now()
	if err := c.start(ctx, opts.Persistent, opts.APIQPS); err != nil {
		logs := c.logTails()
		_ = c.Stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("test bed start: %w\n%s", err, logs)
	}
	c.StartTime = time.Since(t0)
	fmt.Fprintf(log, "testbed %s: node %s Ready after %s (API %s)\n", c.Name, NodeName, c.StartTime.Round(100*time.Millisecond), c.Config.Host)
	return c, nil
}

// claimSlot finds a free slot, cleaning up slots whose owner died, and creates its folder.
func claimSlot(ctx context.Context, runRoot string, opts Options) (slotNames, string, error) {
	if err := os.MkdirAll(runRoot, 0o755); err != nil {
		return slotNames{}, "", err
	}
	unlock, err := lockFile(filepath.Join(runRoot, "slots.lock"))
	if err != nil {
		return slotNames{}, "", err
	}
	defer unlock()
	for n := 1; n <= maxSlot; n++ {
		dir := filepath.Join(runRoot, strconv.Itoa(n))
		s := names(n)
		if _, err := os.Stat(dir); err == nil {
			if ownerAlive(dir) {
				continue
			}
			stale := &Cluster{Dir: dir, slot: s, log: io.Discard}
			if err := stale.Stop(ctx); err != nil {
				continue
			}
		} else if _, err := os.Stat(s.netnsPath()); err == nil || linkExists(s.HostLink) {
			continue // someone else's resources: leave them alone
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return slotNames{}, "", err
		}
		owner := strconv.Itoa(os.Getpid())
		if opts.Persistent {
			owner = "persistent"
		}
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner+" "+opts.Name+"\n"), 0o644); err != nil {
			return slotNames{}, "", err
		}
		return s, dir, nil
	}
	return slotNames{}, "", fmt.Errorf("no free test bed slot among %d: run `make testbed-down` to stop them all", maxSlot)
}

// ownerAlive reports whether the cluster in dir is persistent or its owning process still runs.
func ownerAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return false
	}
	if f[0] == "persistent" {
		return true
	}
	pid, err := strconv.Atoi(f[0])
	return err == nil && !zombie(pid)
}

func (c *Cluster) path(p ...string) string { return filepath.Join(append([]string{c.Dir}, p...)...) }

func (c *Cluster) start(ctx context.Context, persistent bool, apiQPS int) error {
	s := c.slot
	if err := s.setupNetwork(ctx); err != nil {
		return err
	}
	if err := s.setupCgroups(); err != nil {
		return err
	}
	pki := c.path("pki")
	if err := writePKI(pki, NodeName, net.ParseIP(s.NodeIP)); err != nil {
		return err
	}
	server := fmt.Sprintf("https://%s:%d", s.NodeIP, apiPort)
	if err := writeKubeconfig(c.Kubeconfig, server, pki, "admin"); err != nil {
		return err
	}
	if err := writeKubeconfig(c.path("kubelet.kubeconfig"), server, pki, "node"); err != nil {
		return err
	}
	if err := c.writeConfigs(); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 100, 200
	c.Config = cfg
	if c.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	b := func(n string) string { return filepath.Join(c.BinDir, n) }
	if err := c.spawn("etcd", persistent, b("etcd"), "--name", "tb", "--data-dir", c.path("etcd"),
		"--listen-client-urls", "http://127.0.0.1:2379", "--advertise-client-urls", "http://127.0.0.1:2379",
		"--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
		"--initial-cluster", "tb=http://127.0.0.1:2380", "--unsafe-no-fsync", "--log-level", "warn"); err != nil {
		return err
	}
	// a static token (a user in system:masters) for tests of kubeconfigs that read a token
	// from a file or an exec plugin: StaticToken
	tokens := filepath.Join(pki, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(StaticToken+",glcd-static,1001,\"system:masters\"\n"), 0o600); err != nil {
		return err
	}
	// --endpoint-reconciler-type none: the apiserver refuses to advertise itself otherwise
	if err := c.spawn("kube-apiserver", persistent, b("kube-apiserver"),
		"--token-auth-file", tokens,
		"--etcd-servers", "http://127.0.0.1:2379",
		"--bind-address", "0.0.0.0", "--advertise-address", s.NodeIP, "--endpoint-reconciler-type", "none",
		"--secure-port", strconv.Itoa(apiPort),
		"--tls-cert-file", filepath.Join(pki, "apiserver.crt"), "--tls-private-key-file", filepath.Join(pki, "apiserver.key"),
		"--client-ca-file", filepath.Join(pki, "ca.crt"),
		"--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
		"--kubelet-client-certificate", filepath.Join(pki, "apiserver-kubelet.crt"),
		"--kubelet-client-key", filepath.Join(pki, "apiserver-kubelet.key"),
		"--kubelet-preferred-address-types", "InternalIP",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", filepath.Join(pki, "sa.key"),
		"--service-account-signing-key-file", filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range", "10.0.0.0/24", "--allow-privileged=true"); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "kube-apiserver /readyz", 120*time.Second, func(ctx context.Context) (bool, error) {
		err := c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
		return err == nil, nil
	}, "kube-apiserver", "etcd"); err != nil {
		return err
	}
	// node-ipam is off: the CNI's host-local IPAM owns the pod range. The serviceaccount
	// controller must run, or admission refuses pods until "default" exists.
	if err := c.spawn("kube-controller-manager", persistent, b("kube-controller-manager"), append([]string{
		"--kubeconfig", c.Kubeconfig, "--leader-elect=false", "--bind-address", "127.0.0.1", "--secure-port", "10257",
		"--controllers", "*,-node-ipam-controller", "--root-ca-file", filepath.Join(pki, "ca.crt"),
		"--service-account-private-key-file", filepath.Join(pki, "sa.key"),
		"--cluster-signing-cert-file", filepath.Join(pki, "ca.crt"), "--cluster-signing-key-file", filepath.Join(pki, "ca.key")},
		qps(apiQPS)...)...); err != nil {
		return err
	}
	if err := c.spawn("kube-scheduler", persistent, b("kube-scheduler"), append([]string{"--kubeconfig", c.Kubeconfig,
		"--leader-elect=false", "--bind-address", "127.0.0.1", "--secure-port", "10259"}, qps(apiQPS)...)...); err != nil {
		return err
	}
	if err := c.spawn("containerd", persistent, "containerd", "--config", c.path("containerd.toml")); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "containerd", 30*time.Second, func(ctx context.Context) (bool, error) {
		return exec.CommandContext(ctx, "ctr", "--address", c.containerdSocket(), "version").Run() == nil, nil
	}, "containerd"); err != nil {
		return err
	}
	if err := c.startRegistries(ctx, persistent); err != nil {
		return err
	}
	imgs, err := c.baseImageArchives(ctx)
	if err != nil {
		return err
	}
	for _, p := range imgs {
		if err := c.ImportImage(ctx, p); err != nil {
			return err
		}
	}
	if err := c.spawn("kubelet", persistent, b("kubelet"), "--config", c.path("kubelet-config.yaml"),
		"--kubeconfig", c.path("kubelet.kubeconfig"), "--root-dir", c.path("kubelet"),
		"--node-ip", s.NodeIP, "--hostname-override", NodeName, "-v=1"); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "node Ready", 120*time.Second, func(ctx context.Context) (bool, error) {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	}, "kubelet", "containerd"); err != nil {
		return err
	}
	return c.waitFor(ctx, "default service account", 60*time.Second, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}, "kube-controller-manager")
}

// baseImageArchives builds the pause and busybox archives in the version folder, one test bed
// at a time; test beds that started before import them while the next one replaces them.
func (c *Cluster) baseImageArchives(ctx context.Context) ([]string, error) {
	vdir, err := VersionDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(vdir, "images")
	unlock, err := lockFile(filepath.Join(vdir, "images.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	return baseImages(ctx, dir)
}

// ImportImage loads a docker-archive tarball into the node's containerd.
func (c *Cluster) ImportImage(ctx context.Context, archive string) error {
	out, err := exec.CommandContext(ctx, "ctr", "--address", c.containerdSocket(), "-n", "k8s.io",
		"images", "import", archive).CombinedOutput()
	if err != nil {
		return fmt.Errorf("import %s: %w: %s", archive, err, bytes.TrimSpace(out))
	}
	return nil
}

func (c *Cluster) containerdSocket() string { return c.path("containerd", "containerd.sock") }

// spawn starts a component inside the namespace with its output in NAME.log and its pid in NAME.pid.
func (c *Cluster) spawn(name string, persistent bool, bin string, args ...string) error {
	logf, err := os.Create(c.path(name + ".log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	if c.spawned == nil {
		c.spawned = map[string][]string{}
	}
	c.spawned[name] = append([]string{bin}, args...)
	cmd := exec.Command("nsenter", append([]string{"--net=" + c.slot.netnsPath(), "--", bin}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = c.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if !persistent {
		// die with the owner: a test binary killed by its timeout leaves no cluster running
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	pid := cmd.Process.Pid
	go func() { _ = cmd.Wait() }() // reap it when it exits
	return os.WriteFile(c.path(name+".pid"), []byte(strconv.Itoa(pid)), 0o644)
}

// waitFor polls cond every 100 ms until it holds, the timeout passes, or a watched component dies.
func (c *Cluster) waitFor(ctx context.Context, what string, timeout time.Duration, cond wait.ConditionWithContextFunc, watch ...string) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		for _, w := range watch {
			if pid := c.pid(w); pid == 0 || zombie(pid) {
				return false, fmt.Errorf("%s exited", w)
			}
		}
		return cond(ctx)
	})
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}

func (c *Cluster) pid(name string) int {
	b, err := os.ReadFile(c.path(name + ".pid"))
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return p
}

// RestartAPIServer stops kube-apiserver and starts it again with the same flags, as an
// upgrade or a crash would; it returns once the new one is ready. Watches break meanwhile.
func (c *Cluster) RestartAPIServer(ctx context.Context) error {
	argv, ok := c.spawned["kube-apiserver"]
	if !ok {
		return errors.New("kube-apiserver was not started by this process")
	}
	pid := c.pid("kube-apiserver")
	_ = syscall.Kill(pid, syscall.SIGTERM)
	if !waitGone([]int{pid}, 5*time.Second) { // it drains long-running requests for longer
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone([]int{pid}, 5*time.Second)
	}
	if err := c.spawn("kube-apiserver", false, argv[0], argv[1:]...); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "kube-apiserver /readyz after restart", 120*time.Second, func(ctx context.Context) (bool, error) {
		return c.Client.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error() == nil, nil
	}, "kube-apiserver"); err != nil {
		return err
	}
	return c.waitControllers(ctx)
}

// qps are the client rate flags of a controller for APIQPS (none when it is 0).
func qps(n int) []string {
	if n <= 0 {
		return nil
	}
	return []string{"--kube-api-qps", strconv.Itoa(n), "--kube-api-burst", strconv.Itoa(2 * n)}
}

// waitControllers returns once the controller-manager and the scheduler act again after the
// API server was away: their watches come back with a backoff of up to 30 s, and until then a
// new namespace gets no service account and a new pod no node. It makes a namespace, waits for
// its default service account and for a pod in it to be scheduled, and deletes it.
func (c *Cluster) waitControllers(ctx context.Context) error {
	name := fmt.Sprintf("tb-caught-up-%d", time.Now().UnixNano())
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	defer func() {
		zero := int64(0)
		_ = c.Client.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	}()
	if err := c.waitFor(ctx, "the controller-manager to make the default service account after the API server came back", 2*time.Minute, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}, "kube-controller-manager"); err != nil {
		return err
	}
	no := false
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "probe"}, Spec: corev1.PodSpec{
		AutomountServiceAccountToken: &no,
		Containers:                   []corev1.Container{{Name: "probe", Image: BusyboxImage, ImagePullPolicy: corev1.PullNever, Command: []string{"sleep", "3600"}}},
	}}
	if _, err := c.Client.CoreV1().Pods(name).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("probe pod: %w", err)
	}
	return c.waitFor(ctx, "the scheduler to place a pod after the API server came back", 2*time.Minute, func(ctx context.Context) (bool, error) {
		p, err := c.Client.CoreV1().Pods(name).Get(ctx, "probe", metav1.GetOptions{})
		return err == nil && p.Spec.NodeName != "", nil
	}, "kube-scheduler")
}

// components in the order Stop ends them.
var components = []string{"kubelet", "containerd", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd", "registry", "registry-auth"}

// logTails returns the last lines of each component's log, for a failed start.
func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, n := range components {
		data, err := os.ReadFile(c.path(n + ".log"))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 8 {
			lines = lines[len(lines)-8:]
		}
		fmt.Fprintf(&b, "--- %s.log (last lines)\n%s\n", n, strings.Join(lines, "\n"))
	}
	return b.String()
}

// Stop ends every process of the cluster, its pods' containers and shims, unmounts what they
// mounted, removes its cgroups, network namespace and link, and deletes its state folder.
func (c *Cluster) Stop(ctx context.Context) error {
	s := c.slot
	term := func(name string, grace time.Duration) {
		pid := c.pid(name)
		if pid == 0 || zombie(pid) {
			return
		}
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if !waitGone([]int{pid}, grace) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			waitGone([]int{pid}, 5*time.Second)
		}
	}
	term("kubelet", 10*time.Second)
	// the pods' processes, then containerd and its shims (they outlive containerd by design)
	killAll := func(pids []int) {
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		waitGone(pids, 10*time.Second)
	}
	killAll(s.cgroupPIDs())
	term("containerd", 5*time.Second)
	for _, n := range components[2:] {
		term(n, 5*time.Second)
	}
	// sweep whatever is left: anything in the namespace, the cgroups, or naming the state folder
	for range 3 {
		left := c.processesLeft()
		if len(left) == 0 {
			break
		}
		var pids []int
		for _, p := range left {
			pids = append(pids, p.pid)
		}
		killAll(pids)
	}
	var errs []error
	for _, m := range mountsUnder(c.Dir) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	if err := s.removeCgroups(); err != nil {
		errs = append(errs, err)
	}
	if _, err := os.Stat(s.netnsPath()); err == nil {
		if err := run(ctx, "ip", "netns", "delete", s.Netns); err != nil {
			errs = append(errs, err)
		}
	}
	// the kernel removes the host end of the veth once the namespace is gone, asynchronously
	for deadline := time.Now().Add(5 * time.Second); linkExists(s.HostLink) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if linkExists(s.HostLink) {
		if err := run(ctx, "ip", "link", "delete", s.HostLink); err != nil && linkExists(s.HostLink) {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(c.Dir); err != nil {
		errs = append(errs, err)
	}
	if left := c.Leftovers(); len(left) > 0 {
		errs = append(errs, fmt.Errorf("test bed stop left behind: %s", strings.Join(left, "; ")))
	}
	return errors.Join(errs...)
}

func (c *Cluster) processesLeft() []processInfo {
	nsID := c.slot.netnsID()
	inCgroup := map[int]bool{}
	for _, p := range c.slot.cgroupPIDs() {
		inCgroup[p] = true
	}
	var out []processInfo
	for _, p := range processes() {
		if (nsID != "" && p.netns == nsID) || inCgroup[p.pid] || strings.Contains(p.cmdline, c.Dir+"/") {
			out = append(out, p)
		}
	}
	return out
}

// Leftovers lists what of the cluster still exists on the host: processes, mounts, cgroups,
// the network namespace, the link and the state folder. Empty after a clean Stop.
func (c *Cluster) Leftovers() []string {
	var out []string
	for _, p := range c.processesLeft() {
		out = append(out, fmt.Sprintf("process %d (%s)", p.pid, p.cmdline))
	}
	for _, m := range mountsUnder(c.Dir) {
		out = append(out, "mount "+m)
	}
	for _, m := range mountsUnder(c.slot.netnsPath()) {
		out = append(out, "mount "+m)
	}
	for _, d := range c.slot.cgroupDirs() {
		out = append(out, "cgroup "+d)
	}
	if _, err := os.Stat(c.slot.netnsPath()); err == nil {
		out = append(out, "netns "+c.slot.Netns)
	}
	if linkExists(c.slot.HostLink) {
		out = append(out, "link "+c.slot.HostLink)
	}
	if _, err := os.Stat(c.Dir); err == nil {
		out = append(out, "folder "+c.Dir)
	}
	return out
}

// Kubectl runs the test bed's kubectl with the admin kubeconfig and returns its combined output.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, "kubectl"), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	return cmd.CombinedOutput()
}

// CreateNamespace creates a namespace and waits for its default service account.
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return c.waitFor(ctx, "service account default in "+name, 30*time.Second, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

func writeKubeconfig(path, server, pki, user string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testbed"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: filepath.Join(pki, "ca.crt")}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificate: filepath.Join(pki, user+".crt"), ClientKey: filepath.Join(pki, user+".key")}
	cfg.Contexts["testbed"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: user}
	cfg.CurrentContext = "testbed"
	return clientcmd.WriteToFile(*cfg, path)
}

// List returns the clusters whose state folders exist in the cache, running or stale.
func List() []*Cluster {
	cache, err := CacheDir()
	if err != nil {
		return nil
	}
	ents, _ := os.ReadDir(filepath.Join(cache, "run"))
	var out []*Cluster
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		dir := filepath.Join(cache, "run", e.Name())
		c := &Cluster{Dir: dir, slot: names(n), NodeIP: names(n).NodeIP, HostIP: names(n).HostIP, PodCIDR: names(n).PodCIDR, log: io.Discard,
			Kubeconfig: filepath.Join(dir, "admin.kubeconfig")}
		if b, err := os.ReadFile(filepath.Join(dir, ownerFile)); err == nil {
			if f := strings.Fields(string(b)); len(f) > 1 {
				c.Name = f[1]
			}
		}
		if vdir, err := VersionDir(); err == nil {
			c.BinDir = filepath.Join(vdir, "bin")
		}
		out = append(out, c)
	}
	return out
}

// Find returns the cluster named name, or nil.
func Find(name string) *Cluster {
	for _, c := range List() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// PeakRSS returns each running component's peak resident memory (VmHWM) in bytes.
func (c *Cluster) PeakRSS() map[string]int64 {
	out := map[string]int64{}
	for _, n := range components {
		pid := c.pid(n)
		if pid == 0 {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				out[n] = kb * 1024
			}
		}
	}
	return out
}

// MemoryReport formats PeakRSS as one line.
func (c *Cluster) MemoryReport() string {
	rss := c.PeakRSS()
	var total int64
	var parts []string
	for _, n := range components {
		if v, ok := rss[n]; ok {
			total += v
			parts = append(parts, fmt.Sprintf("%s %d MB", n, v>>20))
		}
	}
	return fmt.Sprintf("peak RSS %d MB (%s)", total>>20, strings.Join(parts, ", "))
}

// NetnsPath is the cluster's network namespace (for `nsenter --net=PATH`): the registries
// listen on localhost there, so a client that must reach them by that name runs inside it.
func (c *Cluster) NetnsPath() string { return c.slot.netnsPath() }

// InNetns returns the command that runs name with args inside the cluster's network
// namespace, where the registries listen on localhost. Only the network is entered: the
// files, environment and user stay the caller's.
func (c *Cluster) InNetns(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + c.NetnsPath(), "--", name}, args...)...)
}

// CacheVolume makes a PersistentVolume on the node directory dir (which it creates) and its
// claim named claim in ns, bound to each other: a cache volume for job pods that a namespace
// enforcing PodSecurity baseline admits (a hostPath volume in a pod it refuses). The volume
// goes when ctx's test deletes it with DeleteCacheVolume.
func (c *Cluster) CacheVolume(ctx context.Context, ns, claim, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dirType := corev1.HostPathDirectory
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + claim}, Spec: corev1.PersistentVolumeSpec{
		Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
		AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
		PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
		PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &dirType}},
		ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: claim},
	}}
	if _, err := c.Client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("cache volume: %w", err)
	}
	none := ""
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: claim}, Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, StorageClassName: &none, VolumeName: pv.Name,
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
	}}
	if _, err := c.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("cache volume claim: %w", err)
	}
	return nil
}

// DeleteCacheVolume deletes the PersistentVolume CacheVolume made for ns and claim.
func (c *Cluster) DeleteCacheVolume(ctx context.Context, ns, claim string) error {
	err := c.Client.CoreV1().PersistentVolumes().Delete(ctx, ns+"-"+claim, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
