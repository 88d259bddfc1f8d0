package testbed

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeConfigs writes containerd's, the CNI's and the kubelet's configuration into the state folder.
func (c *Cluster) writeConfigs() error {
	for _, d := range []string{"containerd", "cni/net.d", "kubelet", "podlogs", "certs.d"} {
		if err := os.MkdirAll(c.path(d), 0o755); err != nil {
			return err
		}
	}
	containerd := fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = %[3]q
[ttrpc]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = %[4]q
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = %[5]q
    disable_apparmor = true
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    tolerate_missing_hugetlb_controller = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "/usr/sbin/runc"
          Root = %[6]q
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = %[7]q
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = %[8]q
`, c.path("containerd", "root"), c.path("containerd", "state"), c.containerdSocket(), c.path("containerd", "opt"),
		PauseImage, c.path("containerd", "runc"), c.path("cni", "net.d"), c.path("certs.d"))
	cni := fmt.Sprintf(`{"cniVersion": "1.0.0", "name": "testbed-podnet", "plugins": [
  {"type": "bridge", "bridge": "tb-cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": %q,
            "ranges": [[{"subnet": %q}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": false}]}
`, c.path("cni", "ipam"), c.slot.PodCIDR)
	// failCgroupV1: false because this kind of host runs cgroup v1 (hybrid); cgroupRoot keeps
	// each cluster's pods under its own slot so clusters coexist and Stop can check its cgroups.
	kubelet := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %[1]s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %[2]q}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://%[3]s
cgroupDriver: cgroupfs
cgroupRoot: %[4]s
cgroupsPerQOS: true
enforceNodeAllocatable: ["pods"]
failCgroupV1: false
failSwapOn: false
protectKernelDefaults: false
oomScoreAdj: 0
podLogsDir: %[5]q
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
clusterDNS: ["10.0.0.10"]
serializeImagePulls: false
maxPods: 50
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
evictionHard: {memory.available: "100Mi", nodefs.available: "2%%", imagefs.available: "2%%", nodefs.inodesFree: "2%%"}
`, c.slot.NodeIP, filepath.Join(c.path("pki"), "ca.crt"), c.containerdSocket(), c.slot.Cgroup, c.path("podlogs"))
	files := map[string]string{
		"containerd.toml":              containerd,
		"cni/net.d/10-bridge.conflist": cni,
		"kubelet-config.yaml":          kubelet,
	}
	// the registries at the node's address, as pods push to them, are plain HTTP too
	for _, port := range []string{"5000", "5001"} {
		host := c.slot.NodeIP + ":" + port
		if err := os.MkdirAll(c.path("certs.d", host), 0o755); err != nil {
			return err
		}
		files[filepath.Join("certs.d", host, "hosts.toml")] = fmt.Sprintf("server = \"http://%[1]s\"\n\n[host.\"http://%[1]s\"]\n  capabilities = [\"pull\", \"resolve\"]\n", host)
	}
	for name, data := range files {
		if err := os.WriteFile(c.path(name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}
