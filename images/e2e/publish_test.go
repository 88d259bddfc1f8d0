package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/glcd/glcd/internal/testbed"
)

// publishDockerfile is a small app built the way Dockerfile.builder's app is: a build stage
// that runs in the job's image, and an app stage of files and config on a runtime base.
const publishDockerfile = `ARG JOB=` + imageRef + `
ARG RUNTIME=busybox:1.36.1
FROM ${JOB} AS build
WORKDIR /tmp/src
COPY . .
RUN mkdir -p /tmp/out && cp web.sh /tmp/out/web && chmod 755 /tmp/out/web && seq 1 200000 >/tmp/out/data.txt

FROM ${JOB} AS tools
RUN mkdir -p /tmp/cache && seq 1 1000 >/tmp/cache/lib.txt

FROM ${RUNTIME} AS app
COPY --from=build /tmp/out/web /usr/local/bin/web
COPY --from=build /tmp/out/data.txt /usr/local/share/web/data.txt
USER 1000:1000
ENV PORT=8080
EXPOSE 8080
LABEL org.opencontainers.image.title=web
CMD ["/usr/local/bin/web"]
`

// webScript serves /healthz with busybox's httpd.
const webScript = `#!/bin/sh
mkdir -p /tmp/www && echo ok >/tmp/www/healthz && exec httpd -f -p "$PORT" -h /tmp/www
`

// publishJob is the job's script: the checkout (written here), the app built twice from the
// same commit, then the tools stage (RUN steps: a snapshot on the job's own image).
func publishJob(reg string) string {
	return fmt.Sprintf(`set -eu
mkdir -p /tmp/job && cd /tmp/job
cat >Dockerfile <<'EOF'
%sEOF
cat >web.sh <<'EOF'
%sEOF
printf 'secret.env\n' >.dockerignore
echo "TOKEN=$CI_REGISTRY_PASSWORD" >secret.env
echo "job as $(id -u)"
glcd image build --target app --base %[3]s/base/busybox:1 --tag %[3]s/group/web:1.0.0 --tag %[3]s/group/web:1.0 --dotenv build.env -o json .
glcd image build --target app --base %[3]s/base/busybox:1 --tag %[3]s/group/web:1.0.0-again -o json .
glcd image build --target tools --base %[3]s/base/glcd:e2e --tag %[3]s/group/tools:1 -o json .
glcd image tag %[3]s/group/tools:1 %[3]s/group/tools:$CI_COMMIT_SHA
cat build.env
set +e
CI_REGISTRY_PASSWORD=not-the-password glcd image build --target app --base %[3]s/base/busybox:1 --tag %[3]s/group/web:refused .
echo "wrong password: exit $?"
`, publishDockerfile, webScript, reg)
}

type buildResult struct {
	Image, Digest, Layer string
	LayerSize            int64
	Files                int
	PushedBytes          int64
}

// The publish path of issue 25 in a pod that passes PodSecurity restricted (non-root, no
// capability, RuntimeDefault seccomp, no privilege escalation): glcd builds in the job's own
// container and pushes with the job's registry credentials; the same commit gives the same
// digest; a second push of it sends no layer; the image runs as a Deployment answering
// /healthz; the credentials are nowhere in the pushed images, the log or the cluster.
func TestImageBuildInARestrictedPod(t *testing.T) {
	ns := tb.Namespace(t)
	ctx := ctxT(t, 8*time.Minute)
	if err := tb.EnforcePodSecurity(ctx, ns, "restricted"); err != nil {
		t.Fatal(err)
	}
	// the bases in the job's registry: a busybox runtime, and the job's own image
	if err := tb.PushBusyboxImage(ctx, testbed.RegistryAuth+"/base/busybox:1"); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "glcd.tar")
	if err := pm.Save(ctx, imageRef, archive); err != nil {
		t.Fatal(err)
	}
	if err := tb.PushArchive(ctx, archive, testbed.RegistryAuth+"/base/glcd:e2e"); err != nil {
		t.Fatal(err)
	}
	reg := tb.PodRegistry(true)
	creds := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "registry"}, StringData: map[string]string{"password": testbed.RegistryPassword}}
	if _, err := tb.Client.CoreV1().Secrets(ns).Create(ctx, creds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	yes, no, uid, zero := true, false, int64(1000), int64(0)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "publish"}, Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: &zero, AutomountServiceAccountToken: &no,
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid,
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{
			Name: "build", Image: imageRef, ImagePullPolicy: corev1.PullNever,
			Command: []string{"sh", "-c", publishJob(reg)},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no,
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			Env: []corev1.EnvVar{
				{Name: "CI_REGISTRY", Value: reg}, {Name: "CI_REGISTRY_USER", Value: testbed.RegistryUser},
				{Name: "CI_REGISTRY_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "registry"}, Key: "password"}}},
				{Name: "CI_COMMIT_TIMESTAMP", Value: "2026-12-01T10:00:00+01:00"},
				{Name: "CI_JOB_IMAGE", Value: reg + "/base/glcd:e2e"},
				{Name: "CI_COMMIT_SHA", Value: "0123456789abcdef0123456789abcdef01234567"},
			},
		}},
	}}
	if _, err := tb.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("a restricted pod: %v", err)
	}
	phase, err := tb.WaitPodDone(ctx, ns, pod.Name)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := tb.Client.CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("job log:\n%s", logs)
	if phase != corev1.PodSucceeded {
		t.Fatalf("job pod %s", phase)
	}
	if bytes.Contains(logs, []byte(testbed.RegistryPassword)) {
		t.Error("the registry password is in the job's log")
	}
	var res []buildResult
	sc := bufio.NewScanner(bytes.NewReader(logs))
	for sc.Scan() {
		var r buildResult
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Digest != "" {
			res = append(res, r)
		}
	}
	if len(res) != 3 {
		t.Fatalf("%d results in the log, want 3", len(res))
	}
	first, again, tools := res[0], res[1], res[2]
	t.Logf("app: %d files, layer %d bytes, %d bytes pushed; again: %d bytes pushed; tools: %d files", first.Files, first.LayerSize, first.PushedBytes, again.PushedBytes, tools.Files)
	if first.Digest != again.Digest {
		t.Errorf("the same commit built twice: %s and %s", first.Digest, again.Digest)
	}
	if float64(first.PushedBytes) > 1.1*float64(first.LayerSize) {
		t.Errorf("first push sent %d bytes for a %d-byte layer: more than the layer (×1.1)", first.PushedBytes, first.LayerSize)
	}
	if again.PushedBytes > 16<<10 {
		t.Errorf("second push of the same image sent %d bytes: a layer again", again.PushedBytes)
	}
	if !strings.Contains(string(logs), "wrong password: exit 2") || !strings.Contains(string(logs), "the registry refused the credentials") {
		t.Error("a wrong registry password is not refused with exit 2 and its reason")
	}
	if strings.Contains(string(logs), "not-the-password") {
		t.Error("the wrong password is in the job's log")
	}
	if !strings.Contains(string(logs), "IMAGE="+reg+"/group/web@"+first.Digest) {
		t.Errorf("build.env lacks IMAGE=%s/group/web@%s", reg, first.Digest)
	}

	// the pushed images, as the registry has them
	app := pulled(t, ctx, testbed.RegistryAuth+"/group/web:1.0.0")
	cf, err := app.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "1000:1000" || strings.Join(c.Cmd, " ") != "/usr/local/bin/web" || !slices.Contains(c.Env, "PORT=8080") || !slices.Contains(c.Env, "PATH=/bin") ||
		c.Labels["org.opencontainers.image.title"] != "web" || len(c.ExposedPorts) != 1 || !cf.Created.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("app config %+v created %s", c, cf.Created)
	}
	appFiles := lastLayer(t, app)
	for _, want := range []string{"usr/local/bin/web", "usr/local/share/web/data.txt"} {
		if appFiles[want] == "" {
			t.Errorf("app layer lacks %s: %v", want, appFiles)
		}
	}
	if len(appFiles) != 7 { // the two files and their five parent directories
		t.Errorf("app layer holds %d entries, want 7: %v", len(appFiles), appFiles)
	}
	for ref, want := range map[string]string{"/group/web:1.0": first.Digest, "/group/tools:0123456789abcdef0123456789abcdef01234567": tools.Digest} {
		if d, err := pulled(t, ctx, testbed.RegistryAuth+ref).Digest(); err != nil || d.String() != want {
			t.Errorf("%s is %s (%v), want %s", ref, d, err, want)
		}
	}
	toolsFiles := lastLayer(t, pulled(t, ctx, testbed.RegistryAuth+"/group/tools:1"))
	if toolsFiles["tmp/cache/lib.txt"] == "" {
		t.Errorf("tools snapshot lacks tmp/cache/lib.txt: %v", toolsFiles)
	}
	for f, content := range toolsFiles {
		if strings.HasPrefix(f, "tmp/glcd-image-") || strings.HasPrefix(f, "tmp/job") {
			t.Errorf("tools snapshot holds %s: glcd's work or the checkout, not the stage's", f)
		}
		if strings.Contains(content, testbed.RegistryPassword) {
			t.Errorf("tools layer file %s holds the registry password", f)
		}
	}
	for _, img := range []v1.Image{app} {
		raw, _ := img.RawConfigFile()
		if bytes.Contains(raw, []byte(testbed.RegistryPassword)) {
			t.Error("the app config (history included) holds the registry password")
		}
	}
	for f, content := range appFiles {
		if strings.Contains(content, testbed.RegistryPassword) {
			t.Errorf("app layer file %s holds the registry password", f)
		}
	}

	// the image, by the digest the job reported, as a Deployment: ready when /healthz answers
	if err := tb.DeployImage(ctx, ns, reg+"/group/web@"+first.Digest, 8080); err != nil {
		t.Fatal(err)
	}

	// nothing of the job's credentials left in the cluster but the test's own secrets: no object
	// of the namespace (pods, config maps, events, other secrets) holds the password
	secrets, err := tb.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		if s.Name != "registry" && s.Name != "pull" {
			t.Errorf("secret %s left in the namespace", s.Name)
		}
	}
	pods, err := tb.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cms, err := tb.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events, err := tb.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for what, list := range map[string]any{"pods": pods, "config maps": cms, "events": events} {
		b, err := json.Marshal(list)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(testbed.RegistryPassword)) {
			t.Errorf("the namespace's %s hold the registry password", what)
		}
	}
}

// pulled reads ref from the test bed's registry, from the host.
func pulled(t *testing.T, ctx context.Context, ref string) v1.Image {
	t.Helper()
	img, err := tb.Pull(ctx, ref)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return img
}

// lastLayer returns the entries of img's last layer (testbed.LayerFiles).
func lastLayer(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	files, err := testbed.LayerFiles(img, -1)
	if err != nil {
		t.Fatal(err)
	}
	return files
}
