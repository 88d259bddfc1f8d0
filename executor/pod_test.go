package executor

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"gitlab.com/glcd/glcd/internal/ci"
)

func TestPodNameIsTheJobAndItsNonce(t *testing.T) {
	j := &Job{ID: "9223372036854775807", ProjectID: "1"}
	nonce := NewNonce()
	name := PodName(j, nonce)
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		t.Fatalf("PodName = %q: %v", name, errs)
	}
	if name != "glcd-j9223372036854775807-"+nonce {
		t.Errorf("PodName = %q", name)
	}
	if other := NewNonce(); other == nonce || len(other) != 10 {
		t.Errorf("nonces %q and %q", nonce, other)
	}
}

func TestServiceAliases(t *testing.T) {
	for _, c := range []struct {
		svc  Service
		want string
	}{
		{Service{Name: "postgres:16"}, "postgres"},
		{Service{Name: "registry.example.com/team/db:1"}, "team-db team__db"},
		{Service{Name: "localhost:5000/cache@sha256:abc"}, "cache"},
		{Service{Name: "redis:7", Alias: "cache,queue"}, "cache queue"},
		{Service{Name: "tutum/wordpress:latest", Alias: "web"}, "web"},
	} {
		if got := strings.Join(c.svc.Aliases(), " "); got != c.want {
			t.Errorf("%+v: aliases %q, want %q", c.svc, got, c.want)
		}
	}
}

func TestAllowedImageMatchesWrittenAndFullNamesAndNamesTheFullOne(t *testing.T) {
	s := &Settings{AllowedImages: []string{"registry.example.com/**", "debian:*", "docker.io/library/alpine:3.*"}}
	for image, want := range map[string]struct {
		ok   bool
		full string
	}{
		"registry.example.com/team/app/builder:abc": {true, "registry.example.com/team/app/builder:abc"},
		"debian:bookworm":               {true, "docker.io/library/debian:bookworm"},
		"docker.io/library/debian:12":   {true, "docker.io/library/debian:12"}, // familiar form debian:12
		"alpine:3.20":                   {true, "docker.io/library/alpine:3.20"},
		"alpine:edge":                   {false, "docker.io/library/alpine:edge"},
		"evil.example.com/debian:12":    {false, "evil.example.com/debian:12"},
		"registry.example.com.evil/x:1": {false, "registry.example.com.evil/x:1"},
		"registry.example.com/app":      {true, "registry.example.com/app:latest"},
	} {
		full, ok := s.allowedImage(image)
		if ok != want.ok || full != want.full {
			t.Errorf("allowedImage(%q) = %q, %v; want %q, %v", image, full, ok, want.full, want.ok)
		}
	}
}

// settings are complete settings as LoadSettings makes them, with the file's extra lines.
func settings(t *testing.T, extra string) *Settings {
	t.Helper()
	dir := t.TempDir()
	p := dir + "/executor.yaml"
	writeFile(t, p, "namespace: ci\nimage: busybox:1\nhelperImage: helper:1\n"+extra)
	s, err := LoadSettings(p, ci.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPodSpecKeepsSecretsInTheSecret(t *testing.T) {
	token := "glcd-job-token-unit"
	s := settings(t, "podSecurity: privileged\ncache: {hostPath: /var/cache/ci}\n")
	j := &Job{ID: "1", ProjectID: "42", token: ci.NewSecret(token), Services: []Service{{Name: "postgres:16"}},
		Variables: []Variable{
			{Key: "CI_REPOSITORY_URL", Value: "https://gitlab-ci-token:" + token + "@gitlab.example/g/p.git", Public: true},
			{Key: "DB_PASSWORD", Value: "pw-unit-test", Masked: true},
			{Key: "CA", Value: "pem", File: true},
		}}
	pod, secret, err := PodSpec(s, j, "p", "n0nce", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	spec := pod.String()
	for _, v := range []string{token, "pw-unit-test"} {
		if strings.Contains(spec, v) {
			t.Errorf("pod spec holds %q", v)
		}
	}
	if string(secret.Data["job-token"]) != token || secret.Immutable == nil || !*secret.Immutable {
		t.Errorf("the secret lacks the job token or is mutable")
	}
	svc := pod.Spec.Containers[2]
	for _, e := range svc.Env {
		if e.Name == "CI_REPOSITORY_URL" || e.Name == "CA" {
			t.Errorf("service gets %s", e.Name)
		}
	}
	build := pod.Spec.Containers[0]
	if len(build.Env) != 0 || build.Command[0] != "sh" || build.Image != "docker.io/library/busybox:1" {
		t.Errorf("build container: env %v, command %v, image %s", build.Env, build.Command, build.Image)
	}
	if svc.Image != "docker.io/library/postgres:16" {
		t.Errorf("service image %s, want the full reference", svc.Image)
	}
	if m := build.VolumeMounts[2]; m.MountPath != "/cache" || m.SubPath != "project-42" {
		t.Errorf("cache mount %+v", m)
	}
	if hp := pod.Spec.Volumes[2].HostPath; hp == nil || *hp.Type != corev1.HostPathDirectory {
		t.Errorf("hostPath cache %+v: want type Directory (never created by a job)", hp)
	}
	if pod.Spec.HostAliases[0].Hostnames[0] != "postgres" {
		t.Errorf("host aliases %+v", pod.Spec.HostAliases)
	}
}

func TestPodSpecIsHardened(t *testing.T) {
	for _, level := range []string{LevelBaseline, LevelRestricted} {
		s := settings(t, "podSecurity: "+level+"\n")
		j := &Job{ID: "7", ProjectID: "3", Timeout: time.Hour, Services: []Service{{Name: "redis:7"}, {Name: "postgres:16"}}}
		pod, _, err := PodSpec(s, j, "p", "n0nce", time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		ps := pod.Spec.SecurityContext
		if ps == nil || ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod seccomp %+v, want RuntimeDefault", level, ps)
		}
		if (level == LevelRestricted) != (ps.RunAsNonRoot != nil && *ps.RunAsNonRoot) {
			t.Errorf("%s: runAsNonRoot %v", level, ps.RunAsNonRoot)
		}
		for _, c := range pod.Spec.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Privileged == nil || *sc.Privileged {
				t.Errorf("%s: container %s security %+v", level, c.Name, sc)
			}
			if (level == LevelRestricted) != (sc.Capabilities != nil && len(sc.Capabilities.Drop) == 1 && sc.Capabilities.Drop[0] == "ALL") {
				t.Errorf("%s: container %s capabilities %+v", level, c.Name, sc.Capabilities)
			}
			if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
				t.Errorf("%s: container %s has no memory limit", level, c.Name)
			}
			if _, ok := c.Resources.Requests[corev1.ResourceMemory]; !ok {
				t.Errorf("%s: container %s has no memory request", level, c.Name)
			}
		}
		if v := pod.Spec.Volumes[0]; v.EmptyDir == nil || v.EmptyDir.SizeLimit == nil || v.EmptyDir.SizeLimit.Cmp(resource.MustParse("10Gi")) != 0 {
			t.Errorf("%s: builds volume %+v, want a 10Gi size limit", level, v)
		}
		if len(pod.Spec.SchedulingGates) != 1 || pod.Spec.SchedulingGates[0].Name != SchedulingGate {
			t.Errorf("%s: scheduling gates %+v", level, pod.Spec.SchedulingGates)
		}
		if d := pod.Spec.ActiveDeadlineSeconds; d == nil || *d != int64((time.Hour+5*time.Minute+5*time.Minute)/time.Second) {
			t.Errorf("%s: activeDeadlineSeconds %v, want the job's timeout + podStartTimeout + 5m", level, d)
		}
	}
}

func TestPodSpecRefusesTooManyServicesAndCapsLimits(t *testing.T) {
	s := settings(t, "maxServices: 1\nresources:\n  requests: {memory: 1Gi}\n  max: {memory: 8Gi}\n")
	j := &Job{ID: "7", ProjectID: "3", Services: []Service{{Name: "redis:7"}, {Name: "postgres:16"}}}
	_, _, err := PodSpec(s, j, "p", "n", time.Now())
	if err == nil || !strings.Contains(err.Error(), "the job asks for 2 services; this runner allows 1 (maxServices)") {
		t.Errorf("err %v", err)
	}
	// a job raising its memory request above the default limit raises the limit with it
	j = &Job{ID: "7", ProjectID: "3", Variables: []Variable{{Key: "KUBERNETES_MEMORY_REQUEST", Value: "6Gi"}}}
	pod, _, err := PodSpec(s, j, "p", "n", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res := pod.Spec.Containers[0].Resources
	if res.Requests.Memory().String() != "6Gi" || res.Limits.Memory().String() != "6Gi" {
		t.Errorf("resources %+v", res)
	}
}

func TestPodSpecPullsWithTheJobsCredentialsEveryTime(t *testing.T) {
	s := settings(t, "")
	j := &Job{ID: "7", ProjectID: "3", Image: "registry.gitlab.example/team/app/builder:1", Services: []Service{{Name: "redis:7"}},
		Credentials: []Credential{{Type: "registry", URL: "registry.gitlab.example", Username: "gitlab-ci-token", Password: "tok-123"}}}
	pod, secret, err := PodSpec(s, j, "p", "n", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if secret.Type != corev1.SecretTypeDockerConfigJson {
		t.Fatalf("secret type %s", secret.Type)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password string }
	}
	if err := json.Unmarshal(secret.Data[corev1.DockerConfigJsonKey], &cfg); err != nil || cfg.Auths["registry.gitlab.example"].Password != "tok-123" {
		t.Errorf("docker config %s: %v", secret.Data[corev1.DockerConfigJsonKey], err)
	}
	if len(pod.Spec.ImagePullSecrets) != 1 || pod.Spec.ImagePullSecrets[0].Name != "p" {
		t.Errorf("pull secrets %+v", pod.Spec.ImagePullSecrets)
	}
	if p := pod.Spec.Containers[0].ImagePullPolicy; p != corev1.PullAlways {
		t.Errorf("the job's private image is pulled %s, want Always (a node's copy must not serve another project)", p)
	}
	if p := pod.Spec.Containers[2].ImagePullPolicy; p != corev1.PullIfNotPresent {
		t.Errorf("a public service image is pulled %s", p)
	}
	if strings.Contains(pod.String(), "tok-123") {
		t.Error("the pod spec holds the registry password")
	}
}

func TestProtectedJobsHaveTheirOwnCache(t *testing.T) {
	if CacheSubPath(&Job{ProjectID: "8"}) != "project-8" || CacheSubPath(&Job{ProjectID: "8", Protected: true}) != "project-8-protected" {
		t.Errorf("cache subpaths %q %q", CacheSubPath(&Job{ProjectID: "8"}), CacheSubPath(&Job{ProjectID: "8", Protected: true}))
	}
}
