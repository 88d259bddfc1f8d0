package testbed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Host resources of one cluster slot. Slot N owns the network namespace glcd-tbN, the host
// veth glcdtbNh (10.251.N.1/24) whose peer tb0 (10.251.N.2/24, the node and API server address)
// sits inside the namespace, and the cgroup /glcd-tbN in every cgroup v1 hierarchy.
type slotNames struct {
	N        int
	Netns    string // name under /run/netns
	HostLink string
	HostIP   string
	NodeIP   string
	PodCIDR  string // the pods' subnet; the host routes it through the namespace
	Cgroup   string // cgroup path relative to each hierarchy's root
}

func names(n int) slotNames {
	return slotNames{
		N:        n,
		Netns:    fmt.Sprintf("glcd-tb%d", n),
		HostLink: fmt.Sprintf("glcdtb%dh", n),
		HostIP:   fmt.Sprintf("10.251.%d.1", n),
		NodeIP:   fmt.Sprintf("10.251.%d.2", n),
		PodCIDR:  fmt.Sprintf("10.244.%d.0/24", n),
		Cgroup:   fmt.Sprintf("/glcd-tb%d", n),
	}
}

func (s slotNames) netnsPath() string { return "/run/netns/" + s.Netns }

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// inNetns runs a command inside the slot's network namespace. nsenter --net keeps the host's
// mount namespace ('ip netns exec' would unshare it and hide kubelet volume mounts from containerd).
func (s slotNames) inNetns(ctx context.Context, name string, args ...string) error {
	return run(ctx, "nsenter", append([]string{"--net=" + s.netnsPath(), "--", name}, args...)...)
}

func (s slotNames) setupNetwork(ctx context.Context) error {
	steps := []func() error{
		func() error { return run(ctx, "ip", "netns", "add", s.Netns) },
		func() error { return s.inNetns(ctx, "ip", "link", "set", "lo", "up") },
		func() error {
			return run(ctx, "ip", "link", "add", s.HostLink, "type", "veth", "peer", "name", "tb0", "netns", s.Netns)
		},
		func() error { return run(ctx, "ip", "addr", "add", s.HostIP+"/24", "dev", s.HostLink) },
		func() error { return run(ctx, "ip", "link", "set", s.HostLink, "up") },
		func() error { return s.inNetns(ctx, "ip", "addr", "add", s.NodeIP+"/24", "dev", "tb0") },
		func() error { return s.inNetns(ctx, "ip", "link", "set", "tb0", "up") },
		func() error { return s.inNetns(ctx, "sysctl", "-qw", "net.ipv4.ip_forward=1") },
		// pods reach servers the tests run on the host's end of the link (git, GitLab double);
		// the route goes away with the link
		func() error { return run(ctx, "ip", "route", "add", s.PodCIDR, "via", s.NodeIP, "dev", s.HostLink) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("test bed network: %w", err)
		}
	}
	return nil
}

// cgroupHierarchies returns the mount points of the host's cgroup v1 hierarchies.
func cgroupHierarchies() ([]string, error) {
	mounts, err := readMounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mounts {
		if m.fstype == "cgroup" {
			out = append(out, m.target)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s slotNames) setupCgroups() error {
	hs, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	for _, h := range hs {
		d := filepath.Join(h, s.Cgroup)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("test bed cgroup: %w", err)
		}
		// a new cpuset cgroup has no CPUs nor memory nodes: copy the parent's
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if v, err := os.ReadFile(filepath.Join(h, f)); err == nil {
				if err := os.WriteFile(filepath.Join(d, f), v, 0o644); err != nil {
					return fmt.Errorf("test bed cgroup %s: %w", f, err)
				}
			}
		}
	}
	return nil
}

type mount struct{ target, fstype string }

func readMounts() ([]mount, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []mount
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		i := slices.Index(f, "-")
		if len(f) < 5 || i < 0 || i+1 >= len(f) {
			continue
		}
		out = append(out, mount{target: unescapeMount(f[4]), fstype: f[i+1]})
	}
	return out, sc.Err()
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder returns the mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	ms, _ := readMounts()
	var out []string
	for _, m := range ms {
		if m.target == dir || strings.HasPrefix(m.target, dir+"/") {
			out = append(out, m.target)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// processInfo is what the sweeps need to know of a process.
type processInfo struct {
	pid     int
	cmdline string
	netns   string // readlink of /proc/PID/ns/net
}

func processes() []processInfo {
	ents, _ := os.ReadDir("/proc")
	var out []processInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if zombie(pid) {
			continue
		}
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		out = append(out, processInfo{pid: pid, cmdline: string(bytes.ReplaceAll(cl, []byte{0}, []byte{' '})), netns: ns})
	}
	return out
}

// zombie reports whether pid is gone or a zombie: either way it holds nothing any more.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

// netnsID returns the identity of the slot's network namespace as /proc/PID/ns/net shows it.
func (s slotNames) netnsID() string {
	var st syscall.Stat_t
	if err := syscall.Stat(s.netnsPath(), &st); err != nil {
		return ""
	}
	return fmt.Sprintf("net:[%d]", st.Ino)
}

// cgroupPIDs returns the processes in the slot's cgroups (any hierarchy).
func (s slotNames) cgroupPIDs() []int {
	hs, _ := cgroupHierarchies()
	seen := map[int]bool{}
	for _, h := range hs {
		root := filepath.Join(h, s.Cgroup)
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil && !zombie(pid) {
					seen[pid] = true
				}
			}
			return nil
		})
	}
	pids := make([]int, 0, len(seen))
	for p := range seen {
		pids = append(pids, p)
	}
	slices.Sort(pids)
	return pids
}

// cgroupDirs returns the slot's cgroup folders that still exist.
func (s slotNames) cgroupDirs() []string {
	hs, _ := cgroupHierarchies()
	var out []string
	for _, h := range append(hs, "/sys/fs/cgroup/unified") {
		if _, err := os.Stat(filepath.Join(h, s.Cgroup)); err == nil {
			out = append(out, filepath.Join(h, s.Cgroup))
		}
	}
	return out
}

// removeCgroups removes the slot's cgroup trees, deepest first.
func (s slotNames) removeCgroups() error {
	var errs []error
	for _, root := range s.cgroupDirs() {
		var dirs []string
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
		for _, d := range dirs {
			if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// linkExists reports whether a host network link exists.
func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

// waitGone waits until none of pids is alive, up to d.
func waitGone(pids []int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		alive := false
		for _, p := range pids {
			if !zombie(p) {
				alive = true
				break
			}
		}
		if !alive {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
