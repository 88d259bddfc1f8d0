package executor

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/internal/ci"
)

func TestPodNameIsAValidStableHostname(t *testing.T) {
	j := &Job{Runner: "Zx_Y9", ProjectID: "123456789012", ConcurrentProjectID: "3", ID: "99999999999999999999"}
	a, b := PodName(j), PodName(j)
	if a != b || len(a) > 63 || strings.ToLower(a) != a || strings.HasPrefix(a, "-") {
		t.Fatalf("PodName = %q (len %d)", a, len(a))
	}
	if !strings.HasSuffix(a, "-j99999999999999999999") {
		t.Errorf("PodName %q lost the job id", a)
	}
	other := *j
	other.ConcurrentProjectID = "4"
	if PodName(&other) == a {
		t.Errorf("two concurrency slots share pod name %q", a)
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

func TestImageAllowedMatchesWrittenAndFullNames(t *testing.T) {
	s := &Settings{AllowedImages: []string{"registry.example.com/**", "debian:*", "docker.io/library/alpine:3.*"}}
	for image, want := range map[string]bool{
		"registry.example.com/team/app/builder:abc": true,
		"debian:bookworm":               true,
		"docker.io/library/debian:12":   true, // familiar form debian:12
		"alpine:3.20":                   true, // full form docker.io/library/alpine:3.20
		"alpine:edge":                   false,
		"evil.example.com/debian:12":    false,
		"registry.example.com.evil/x:1": false,
	} {
		if got := s.imageAllowed(image); got != want {
			t.Errorf("imageAllowed(%q) = %v, want %v", image, got, want)
		}
	}
}

func TestPodSpecKeepsSecretsInTheSecret(t *testing.T) {
	token := "glcd-job-token-unit"
	s := &Settings{Namespace: "ci", Image: "busybox:1", HelperImage: "helper:1", BuildsDir: "/builds", CacheDir: "/cache",
		Cache: Cache{HostPath: "/var/cache/ci"}}
	j := &Job{ID: "1", ProjectID: "42", Token: ci.NewSecret(token), Services: []Service{{Name: "postgres:16"}},
		Variables: []Variable{
			{Key: "CI_REPOSITORY_URL", Value: "https://gitlab-ci-token:" + token + "@gitlab.example/g/p.git", Public: true},
			{Key: "DB_PASSWORD", Value: "pw-unit-test", Masked: true},
			{Key: "CA", Value: "pem", File: true},
		}}
	pod, secret, err := PodSpec(s, j, "p", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	spec := pod.String()
	for _, v := range []string{token, "pw-unit-test"} {
		if strings.Contains(spec, v) {
			t.Errorf("pod spec holds %q", v)
		}
	}
	if string(secret.Data["job-token"]) != token {
		t.Errorf("the secret lacks the job token")
	}
	svc := pod.Spec.Containers[2]
	for _, e := range svc.Env {
		if e.Name == "CI_REPOSITORY_URL" || e.Name == "CA" {
			t.Errorf("service gets %s", e.Name)
		}
	}
	build := pod.Spec.Containers[0]
	if len(build.Env) != 0 || build.Command[0] != "sh" {
		t.Errorf("build container: env %v, command %v", build.Env, build.Command)
	}
	if m := build.VolumeMounts[1]; m.MountPath != "/cache" || m.SubPath != "project-42" {
		t.Errorf("cache mount %+v", m)
	}
	if pod.Spec.HostAliases[0].Hostnames[0] != "postgres" {
		t.Errorf("host aliases %+v", pod.Spec.HostAliases)
	}
}
