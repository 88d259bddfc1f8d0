package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchDeployment is a 40-line Deployment document using image.
func benchDeployment(i int, image string) string {
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
`, i, image)
}

// benchStream is a stream of about lines lines in which every tenth Deployment uses the
// repository being changed.
func benchStream(lines int) []byte {
	var b strings.Builder
	for i := 0; strings.Count(b.String(), "\n") < lines; i++ {
		img := "registry.gitlab.com/acme/other:1.0.0"
		if i%10 == 0 {
			img = "registry.gitlab.com/acme/shop/api:1.3.0"
		}
		b.WriteString(benchDeployment(i, img))
	}
	return []byte(b.String())
}

var benchChange = Change{Repository: "registry.gitlab.com/acme/shop/api", Tag: "1.4.0"}

// BenchmarkSetImage10kLines edits a 10,000-line manifest stream.
func BenchmarkSetImage10kLines(b *testing.B) {
	src := benchStream(10_000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		_, edits, err := SetImage(src, benchChange)
		if err != nil || len(edits) == 0 {
			b.Fatalf("%d edits, err %v", len(edits), err)
		}
	}
}

// BenchmarkSetImageFiles1000 edits a repository of 1,000 manifest files, one Deployment each,
// a tenth of them using the image.
func BenchmarkSetImageFiles1000(b *testing.B) {
	dir := b.TempDir()
	paths := make([]string, 1000)
	var size int64
	for i := range paths {
		img := "registry.gitlab.com/acme/other:1.0.0"
		if i%10 == 0 {
			img = "registry.gitlab.com/acme/shop/api:1.3.0"
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("svc-%04d.yaml", i))
		text := benchDeployment(i, img)
		size += int64(len(text))
		if err := os.WriteFile(paths[i], []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		res, err := SetImageFiles(paths, benchChange)
		if err != nil || len(res) != len(paths) {
			b.Fatalf("%d results, err %v", len(res), err)
		}
	}
}

// BenchmarkGoldenCases is the cost of one SetImage on each golden input: what bounds the
// fuzzer's speed.
func BenchmarkGoldenCases(b *testing.B) {
	cases := goldenCases(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cases {
			if _, _, err := SetImage(c.src, c.change); err != nil {
				b.Fatal(err)
			}
		}
	}
}
