package writeback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gitlab.com/glcd/glcd/internal/ci"
	"gitlab.com/glcd/glcd/internal/gitops"
	"gitlab.com/glcd/glcd/internal/testbed/gitserver"
)

const benchRepo = "registry.gitlab.com/acme/shop/api"

// benchDeployment is a 40-line Deployment document using img twice (an init container and
// the app), as internal/manifest's benchmarks use.
func benchDeployment(i int, img string) string {
	return fmt.Sprintf(`---
# service %[1]d
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-%[1]d
  labels:
    app: svc-%[1]d   # selector label
spec:
  replicas: 2
  selector:
    matchLabels:
      app: svc-%[1]d
  template:
    metadata:
      labels:
        app: svc-%[1]d
    spec:
      initContainers:
        - name: migrate
          image: %[2]s
          args: ["migrate", "--yes"]
      containers:
        - name: app
          image: "%[2]s"  # the tag glcd moves
          ports:
            - containerPort: 8080
          env:
            - {name: MODE, value: production}
            - name: GREETING
              value: 'hello, world'
          resources:
            limits: {cpu: 500m, memory: 256Mi}
        - name: proxy
          image: docker.io/envoyproxy/envoy:v1.31.0
          args:
          - --config-path
          - /etc/envoy/envoy.yaml
`, i, img)
}

// benchImage is the image of Deployment i: a tenth use the repository written back.
func benchImage(i int) string {
	if i%10 == 0 {
		return benchRepo + ":1.0.0"
	}
	return "registry.gitlab.com/acme/other:1.0.0"
}

// benchWriteback seeds the repository with files, then times write-backs of a new version
// each from a CI checkout, pushing over file:// or HTTPS with token auth.
func benchWriteback(b *testing.B, files map[string]string, in Input) {
	for _, transport := range []string{"file", "https"} {
		b.Run(transport, func(b *testing.B) {
			srv := gitserver.Start(b, gitserver.Options{TLS: true, Tokens: []gitserver.Token{{Value: token}}})
			srv.Seed(b, repoPath, "main", gitserver.Commit{Files: files, Message: "seed"})
			env := srv.Env(b)
			dir := srv.CloneCI(b, repoPath, env)
			m := map[string]string{"GLCD_GIT_TOKEN": token, "CI_ENVIRONMENT_NAME": "production", "PROJECT_NAME": "shop"}
			in := in
			in.Remote = srv.RepoURL(repoPath)
			if transport == "file" {
				in.Remote = "file://" + srv.Dir(repoPath)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				in.Env = ci.Load(ci.Map(m))
				in.Image = fmt.Sprintf("%s:2.%d.0", benchRepo, i)
				p, err := Prepare(in)
				if err != nil {
					b.Fatal(err)
				}
				res, err := Run(context.Background(), p, Options{Repo: &gitops.Repo{Dir: dir, Env: slices.Clone(env), Auth: p.Auth}})
				if err != nil || res.Status != StatusPushed || res.Tries != 1 {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}

// BenchmarkWriteback1000Files writes back to a repository of 1,000 manifest files (--dir),
// one Deployment each, a tenth of them using the image: 100 files change per write-back.
func BenchmarkWriteback1000Files(b *testing.B) {
	files := map[string]string{}
	for i := range 1000 {
		files[fmt.Sprintf("kubernetes/svc-%04d.yaml", i)] = benchDeployment(i, benchImage(i))
	}
	benchWriteback(b, files, Input{Dirs: []string{"kubernetes"}})
}

// BenchmarkWriteback10kLineManifest writes back to one 10,000-line manifest stream in which a
// tenth of the Deployments use the image.
func BenchmarkWriteback10kLineManifest(b *testing.B) {
	var s strings.Builder
	for i := 0; strings.Count(s.String(), "\n") < 10_000; i++ {
		s.WriteString(benchDeployment(i, benchImage(i)))
	}
	benchWriteback(b, map[string]string{"kubernetes/shop.yaml": s.String()}, Input{})
}
