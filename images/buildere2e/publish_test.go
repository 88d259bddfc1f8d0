package buildere2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/images"
	"gitlab.com/glcd/glcd/internal/testbed"
)

// tgz packs dir as a gzipped tarball: the job's checkout.
func tgz(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// saved reads a podman image as go-containerregistry sees it.
func saved(t testing.TB, pm *images.Podman, ref string) (v1.Image, string) {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := pm.Save(t.Context(), ref, archive); err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img, archive
}

// names lists a layer's entries.
func names(t testing.TB, img v1.Image) []string {
	t.Helper()
	var out []string
	for n := range lastFiles(t, img) {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// The app pipeline's publish job, as a pod that passes PodSecurity baseline with no capability
// added and RuntimeDefault seccomp: in builder:<key> (Dockerfile.builder's builder, podman-built
// here), glcd image build compiles the app and pushes it on app-base. The image is the one the
// Dockerfile builds (the same files in its layer, the same config), the same commit gives the
// same digest, only the app layer is sent, and it answers /healthz as a Deployment.
func TestPublishJobInAPod(t *testing.T) {
	tb.Need(t)
	dir, pm := podman(t)
	start := time.Now()
	src := sample(t, "1.0.0")
	build(t, dir, images.BuildOptions{Context: src, Target: "builder-base", Tag: baseRef})
	builderRef := "localhost/glcd/builder:" + key(t, src)
	build(t, dir, images.BuildOptions{Context: src, Target: "builder", Tag: builderRef})
	const appBaseRef, refApp = "localhost/glcd/app-base:e2e", "localhost/glcd/builder-app:pod-reference"
	build(t, dir, images.BuildOptions{Context: src, Target: "app-base", Tag: appBaseRef})
	build(t, dir, images.BuildOptions{Context: src, Target: "app", Tag: refApp,
		Contexts: map[string]string{"builder": "container-image://" + builderRef}})
	t.Logf("podman: the images in %s", time.Since(start).Round(time.Second))

	// the job's image on the node, app-base in the job's registry
	start = time.Now()
	ctx := t.Context()
	_, builderArchive := saved(t, pm, builderRef)
	if err := tb.ImportImage(ctx, builderArchive); err != nil {
		t.Fatal(err)
	}
	os.Remove(builderArchive)
	_, appBaseArchive := saved(t, pm, appBaseRef)
	if err := tb.PushArchive(ctx, appBaseArchive, testbed.RegistryAuth+"/glcd/app-base:e2e"); err != nil {
		t.Fatal(err)
	}
	t.Logf("test bed: builder imported, app-base pushed in %s", time.Since(start).Round(time.Second))

	ns := jobNamespace(t, src)
	reg := tb.PodRegistry(true)
	logs, took := jobPod(t, ns, "publish", builderRef, fmt.Sprintf(`set -eu
glcd image build -f Dockerfile.builder --target app --base %[1]s/glcd/app-base:e2e --tag %[1]s/group/hello:1.0.0 -o json .
glcd image build -f Dockerfile.builder --target app --base %[1]s/glcd/app-base:e2e --tag %[1]s/group/hello:1.0.0-again -o json .
`, reg))
	// the same commit compiled again in a fresh job: GHC's output decides whether the digest holds
	freshLogs, _ := jobPod(t, ns, "publish-fresh", builderRef, fmt.Sprintf(
		"glcd image build -f Dockerfile.builder --target app --base %[1]s/glcd/app-base:e2e --tag %[1]s/group/hello:1.0.0-fresh -o json .", reg))
	t.Logf("publish job, %s:\n%s", took.Round(time.Second), logs)
	if bytes.Contains(logs, []byte(testbed.RegistryPassword)) {
		t.Error("the registry password is in the job's log")
	}
	res := results(logs)
	if len(res) != 2 {
		t.Fatalf("%d results in the job's log, want 2", len(res))
	}
	if res[0].Digest != res[1].Digest {
		t.Errorf("the same commit published twice: %s and %s", res[0].Digest, res[1].Digest)
	}
	if float64(res[0].PushedBytes) > 1.1*float64(res[0].LayerSize) {
		t.Errorf("the publish sent %d bytes for a %d-byte app layer", res[0].PushedBytes, res[0].LayerSize)
	}
	t.Logf("app layer %d bytes, %d bytes sent; again: %d bytes sent", res[0].LayerSize, res[0].PushedBytes, res[1].PushedBytes)

	// the pod-built image against the Dockerfile-built one
	podImg, err := tb.Pull(ctx, testbed.RegistryAuth+"/group/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if fresh := results(freshLogs); len(fresh) != 1 {
		t.Errorf("the fresh job's log has %d results", len(fresh))
	} else if fresh[0].Digest != res[0].Digest {
		freshImg, err := tb.Pull(ctx, testbed.RegistryAuth+"/group/hello:1.0.0-fresh")
		if err != nil {
			t.Fatal(err)
		}
		a, b := lastFiles(t, podImg), lastFiles(t, freshImg)
		for f := range a {
			switch {
			case a[f] == b[f]:
			case f == "usr/local/bin/app":
				t.Logf("two compiles of the same commit differ in %s: GHC's executable is not byte-stable here, so a rebuilt commit gets another digest", f)
			default:
				t.Errorf("two builds of the same commit differ in %s, which is not the compiler's output", f)
			}
		}
	} else {
		t.Logf("two fresh compiles of the same commit: the same digest %s", res[0].Digest)
	}
	refImg, _ := saved(t, pm, refApp)
	if got, want := names(t, podImg), names(t, refImg); !reflect.DeepEqual(got, want) {
		t.Errorf("the app layer: pod-built %v, Dockerfile-built %v", got, want)
	}
	pc, err := podImg.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := refImg.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	p, r := pc.Config, rc.Config
	if p.User != r.User || !reflect.DeepEqual(p.Env, r.Env) || !reflect.DeepEqual(p.Entrypoint, r.Entrypoint) || !reflect.DeepEqual(p.Cmd, r.Cmd) ||
		!reflect.DeepEqual(p.ExposedPorts, r.ExposedPorts) || p.WorkingDir != r.WorkingDir {
		t.Errorf("config: pod-built %+v\nDockerfile-built %+v", p, r)
	}
	for f, content := range lastFiles(t, podImg) {
		if strings.Contains(content, testbed.RegistryPassword) {
			t.Errorf("%s in the app layer holds the registry password", f)
		}
	}
	if err := tb.DeployImage(ctx, ns, reg+"/group/hello@"+res[0].Digest, 8080); err != nil {
		t.Fatal(err)
	}
}

// jobNamespace makes a namespace enforcing PodSecurity baseline, as examples/runner/rbac.yaml
// labels the jobs' namespace, holding the checkout of src with Dockerfile.builder (a config map)
// and the job's registry password (a secret).
func jobNamespace(t testing.TB, src string) string {
	t.Helper()
	ctx := t.Context()
	ns := tb.Namespace(t)
	if err := tb.EnforcePodSecurity(ctx, ns, "baseline"); err != nil {
		t.Fatal(err)
	}
	dockerfile, err := os.ReadFile("../../Dockerfile.builder")
	if err != nil {
		t.Fatal(err)
	}
	checkout := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "checkout"},
		BinaryData: map[string][]byte{"src.tgz": tgz(t, src), "Dockerfile.builder": dockerfile}}
	if _, err := tb.Client.CoreV1().ConfigMaps(ns).Create(ctx, checkout, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	creds := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "registry"}, StringData: map[string]string{"password": testbed.RegistryPassword}}
	if _, err := tb.Client.CoreV1().Secrets(ns).Create(ctx, creds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// jobPod runs script as a CI job would: a pod of image in ns (no capability added,
// RuntimeDefault seccomp), in the checkout at /builds/app, with GitLab's registry variables;
// it fails the test unless the job succeeds, and returns its log and how long the pod took.
func jobPod(t testing.TB, ns, name, image, script string) ([]byte, time.Duration) {
	t.Helper()
	ctx := t.Context()
	reg := tb.PodRegistry(true)
	no, zero := false, int64(0)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: &zero, AutomountServiceAccountToken: &no,
		SecurityContext: &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Volumes: []corev1.Volume{{Name: "checkout", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "checkout"}}}}},
		Containers: []corev1.Container{{
			Name: "build", Image: image, ImagePullPolicy: corev1.PullNever,
			Command:         []string{"sh", "-c", "set -eu; mkdir -p /builds/app && cd /builds/app && tar -xzf /checkout/src.tgz && cp /checkout/Dockerfile.builder .\n" + script},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no},
			VolumeMounts:    []corev1.VolumeMount{{Name: "checkout", MountPath: "/checkout"}},
			Env: []corev1.EnvVar{
				{Name: "CI_REGISTRY", Value: reg}, {Name: "CI_REGISTRY_USER", Value: testbed.RegistryUser},
				{Name: "CI_REGISTRY_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "registry"}, Key: "password"}}},
				{Name: "CI_COMMIT_TIMESTAMP", Value: "2026-12-01T10:00:00Z"},
			},
		}},
	}}
	start := time.Now()
	if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("a baseline pod: %v", err)
	}
	phase, err := tb.WaitPodDone(ctx, ns, pod.Name)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	logs, err := tb.Client.CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if phase != corev1.PodSucceeded {
		t.Fatalf("job %s: %s\n%s", name, phase, logs)
	}
	return logs, took
}

// result is glcd image build's JSON line.
type result struct {
	Digest      string
	LayerSize   int64
	Files       int
	PushedBytes int64
}

// results reads glcd image build's JSON lines from a job's log.
func results(logs []byte) []result {
	var res []result
	sc := bufio.NewScanner(bytes.NewReader(logs))
	for sc.Scan() {
		var r result
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Digest != "" {
			res = append(res, r)
		}
	}
	return res
}

// lastFiles is testbed.LayerFiles of img's last layer.
func lastFiles(t testing.TB, img v1.Image) map[string]string {
	t.Helper()
	files, err := testbed.LayerFiles(img, -1)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// stageFiles lists the files img's layers after the first n hold (a stage's own layers).
func stageFiles(b testing.TB, img v1.Image, n int) map[string]bool {
	b.Helper()
	layers, err := img.Layers()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]bool{}
	for i := n; i < len(layers); i++ {
		files, err := testbed.LayerFiles(img, i)
		if err != nil {
			b.Fatal(err)
		}
		for f, c := range files {
			if c != "dir" {
				out[f] = true
			}
		}
	}
	return out
}

// BenchmarkPublishInPods times the tag pipeline's image jobs as pods (PodSecurity baseline, no
// capability added) against the same Dockerfile.builder stages built with podman on the host,
// with the shared stages warm (builder-base and app-base, and the builder for the app): the
// builder job in builder-base (every vendored dependency compiled; podman's builder stage on a
// context its layer cache has not seen) and the publish job in builder:<key> (the app only),
// the bytes a release sends, and how far the pod-built builder's files are from podman's.
// make bench runs it once.
func BenchmarkPublishInPods(b *testing.B) {
	dir, pm := podman(b)
	src := sample(b, "1.0.0")
	build(b, dir, images.BuildOptions{Context: src, Target: "builder-base", Tag: baseRef})
	builderRef := "localhost/glcd/builder:" + key(b, src)
	build(b, dir, images.BuildOptions{Context: src, Target: "builder", Tag: builderRef})
	const appBaseRef = "localhost/glcd/app-base:e2e"
	build(b, dir, images.BuildOptions{Context: src, Target: "app-base", Tag: appBaseRef})
	ctx := b.Context()
	for ref, pushAs := range map[string]string{baseRef: "glcd/builder-base:e2e", builderRef: "", appBaseRef: "glcd/app-base:e2e"} {
		_, archive := saved(b, pm, ref)
		if pushAs != "" {
			if err := tb.PushArchive(ctx, archive, testbed.RegistryAuth+"/"+pushAs); err != nil {
				b.Fatal(err)
			}
		}
		if ref != appBaseRef {
			if err := tb.ImportImage(ctx, archive); err != nil {
				b.Fatal(err)
			}
		}
		os.Remove(archive)
	}
	ns := jobNamespace(b, src)
	reg := tb.PodRegistry(true)
	timed := func(o images.BuildOptions) time.Duration {
		start := time.Now()
		build(b, dir, o)
		return time.Since(start)
	}
	var podBuilder, hostBuilder, podApp, hostApp time.Duration
	var app, builder result
	i := 0
	for b.Loop() {
		i++
		fresh := sample(b, "1.0.0")
		edit(b, fresh, "stack.yaml", "system-ghc: true", fmt.Sprintf("system-ghc: true # %d", time.Now().UnixNano()))
		hostBuilder += timed(images.BuildOptions{Context: fresh, Target: "builder", Tag: "localhost/glcd/builder:bench-cold"})
		logs, took := jobPod(b, ns, fmt.Sprintf("builder-%d", i), baseRef, fmt.Sprintf(
			"glcd image build -f Dockerfile.builder --target builder --base %[1]s/glcd/builder-base:e2e --tag %[1]s/group/builder:bench -o json .", reg))
		podBuilder += took
		if r := results(logs); len(r) == 1 {
			builder = r[0]
		}
		hostApp += timed(images.BuildOptions{Context: sample(b, "1.0.0"), Target: "app", Tag: appRef,
			Contexts: map[string]string{"builder": "container-image://" + builderRef}})
		logs, took = jobPod(b, ns, fmt.Sprintf("publish-%d", i), builderRef, fmt.Sprintf(
			"glcd image build -f Dockerfile.builder --target app --base %[1]s/glcd/app-base:e2e --tag %[1]s/group/hello:bench-%[2]d -o json .", reg, i))
		podApp += took
		if r := results(logs); len(r) == 1 {
			app = r[0]
		}
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(podBuilder.Seconds()/n, "s-builder-pod/op")
	b.ReportMetric(hostBuilder.Seconds()/n, "s-builder-podman/op")
	b.ReportMetric(podBuilder.Seconds()/hostBuilder.Seconds(), "x-builder-ratio")
	b.ReportMetric(podApp.Seconds()/n, "s-app-pod/op")
	b.ReportMetric(hostApp.Seconds()/n, "s-app-podman/op")
	b.ReportMetric(podApp.Seconds()/hostApp.Seconds(), "x-app-ratio")
	b.ReportMetric(float64(app.PushedBytes)/1e6, "MB-app-sent")
	b.ReportMetric(float64(app.PushedBytes)/float64(app.LayerSize), "x-sent-per-layer")
	b.ReportMetric(float64(builder.PushedBytes)/1e6, "MB-builder-sent")

	// the builder's files: the pod's layer against podman's builder stage, under /src and STACK_ROOT
	podImg, err := tb.Pull(ctx, testbed.RegistryAuth+"/group/builder:bench")
	if err != nil {
		b.Fatal(err)
	}
	baseImg, _ := saved(b, pm, baseRef)
	hostImg, _ := saved(b, pm, "localhost/glcd/builder:bench-cold")
	baseLayers, err := baseImg.Layers()
	if err != nil {
		b.Fatal(err)
	}
	podLayers, err := podImg.Layers()
	if err != nil {
		b.Fatal(err)
	}
	pod, host := stageFiles(b, podImg, len(podLayers)-1), stageFiles(b, hostImg, len(baseLayers))
	var onlyPod, onlyHost, same int
	var examples []string
	for f := range pod {
		if !strings.HasPrefix(f, "src/") && !strings.HasPrefix(f, "opt/stack/") {
			continue
		}
		if host[f] {
			same++
		} else {
			onlyPod++
			if len(examples) < 5 {
				examples = append(examples, "pod only: "+f)
			}
		}
	}
	for f := range host {
		if (strings.HasPrefix(f, "src/") || strings.HasPrefix(f, "opt/stack/")) && !pod[f] {
			onlyHost++
			if len(examples) < 10 {
				examples = append(examples, "podman only: "+f)
			}
		}
	}
	b.ReportMetric(float64(same), "files-builder-same")
	b.ReportMetric(float64(onlyPod), "files-builder-pod-only")
	b.ReportMetric(float64(onlyHost), "files-builder-podman-only")
	b.Logf("builder files under /src and /opt/stack: %d in both, %d in the pod's only, %d in podman's only; %s", same, onlyPod, onlyHost, strings.Join(examples, "; "))
	if err := pm.Remove(ctx, "localhost/glcd/builder:bench-cold"); err != nil {
		b.Error(err)
	}
}
