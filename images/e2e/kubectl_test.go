package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/glcd/glcd/images"
)

// kubectlScenarios run with $K as kubectl; each prints a transcript section with its stdout,
// stderr and exit code.
const kubectlScenarios = `
set -u
mkdir -p /tmp/plugins /tmp/kube
printf '#!/bin/sh\necho "hello from $0: $*"\necho "KUBECONFIG=$KUBECONFIG" >&2\nexit 4\n' >/tmp/plugins/kubectl-hello
chmod +x /tmp/plugins/kubectl-hello
cat >/tmp/kube/config <<'EOF'
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://prod.example.invalid:6443"}
- name: dev
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: ci
  user: {token: not-a-real-token}
contexts:
- name: prod
  context: {cluster: prod, user: ci, namespace: shop}
- name: dev
  context: {cluster: dev, user: ci}
current-context: dev
EOF
run() {
  name=$1; shift
  echo "### $name"
  "$@" >/tmp/o 2>/tmp/e; code=$?
  cat /tmp/o; echo "--- stderr"; cat /tmp/e; echo "--- exit $code"
}
export PATH=/tmp/plugins:$PATH KUBECONFIG=/tmp/kube/config
run version "$K" version --client
run version-json "$K" version --client -o yaml
run plugin "$K" hello a "b c"
run plugin-list "$K" plugin list
run current-context "$K" config current-context
run contexts "$K" config get-contexts
run minify "$K" config view --minify --context prod -o 'jsonpath={.clusters[0].cluster.server} {.contexts[0].context.namespace}'
run unreachable "$K" get pods --request-timeout=5s
run unknown-command "$K" nosuchcommand
run unknown-flag "$K" get pods --no-such-flag
run bad-output "$K" config view -o nosuchformat
run no-kubeconfig env KUBECONFIG=/tmp/kube/missing "$K" config current-context
run help "$K" --help
`

var klogHeader = regexp.MustCompile(`(?m)^([IWEF])[0-9]{4} [0-9:.]+ +[0-9]+ `)

// kubectl in the image is glcd started as kubectl; it must behave exactly as upstream kubectl
// v1.37.2 (the test bed's, built from k8s.io/kubernetes): same output and exit codes for
// version, plugins on PATH, KUBECONFIG, errors. Both run in the shipped image.
func TestKubectlIsUpstream(t *testing.T) {
	tb.Need(t)
	ctx := ctxT(t, 3*time.Minute)
	transcript := func(k string) string {
		out, stderr, err := pm.Run(ctx, images.RunOptions{Image: imageRef, Cmd: []string{"sh", "-c", kubectlScenarios},
			Env: []string{"K=" + k}, Volumes: []string{filepath.Join(tb.BinDir, "kubectl") + ":/upstream/kubectl:ro"}})
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, out, stderr)
		}
		// klog's header holds the time and the process id: the only parts that may differ.
		return klogHeader.ReplaceAllString(string(out), "$1 <time> <pid> ")
	}
	ours, upstream := transcript("kubectl"), transcript("/upstream/kubectl")
	if ours != upstream {
		t.Fatalf("kubectl (glcd) and upstream kubectl differ:\n--- glcd as kubectl\n%s\n--- upstream\n%s", ours, upstream)
	}
	// The scenarios really exercised what they name (both transcripts are equal).
	for _, want := range []string{
		"### version\nClient Version: v1.37.2\nKustomize Version: v5.8.1\n--- stderr\n--- exit 0",
		"### plugin\nhello from /tmp/plugins/kubectl-hello: a b c\n--- stderr\nKUBECONFIG=/tmp/kube/config\n--- exit 4",
		"/tmp/plugins/kubectl-hello\n",
		"### current-context\ndev\n",
		"### minify\nhttps://prod.example.invalid:6443 shop--- stderr\n--- exit 0",
		"connection refused",
		"error: unknown command \"nosuchcommand\" for \"kubectl\"",
		"error: unknown flag: --no-such-flag",
	} {
		if !strings.Contains(ours, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	for _, sec := range strings.Split(ours, "### ")[1:] {
		name, _, _ := strings.Cut(sec, "\n")
		if !strings.Contains(sec, "--- exit ") {
			t.Errorf("%s: no exit code", name)
		}
		if failing := map[string]bool{"unreachable": true, "unknown-command": true, "unknown-flag": true, "bad-output": true, "no-kubeconfig": true}; failing[name] && strings.Contains(sec, "--- exit 0") {
			t.Errorf("%s exited 0:\n%s", name, sec)
		}
	}
	t.Logf("identical transcripts (%d bytes)", len(ours))
}
