#!/usr/bin/env bash
# make demo: start the local test bed and play glcd's flow (DESIGN.md §1) on it, step by step.
# Each capability adds its step here. KEEP=1 leaves the test bed running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
GLCD=${GLCD:?build glcd first: make demo}
TESTBED="go run ./internal/testbed/cmd/testbed"
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }

step "glcd version"
"$GLCD" version

step "start the local test bed (real etcd, kube-apiserver, controller-manager, scheduler, kubelet, containerd)"
t0=$(date +%s%N)
KUBECONFIG=$($TESTBED up demo)
export KUBECONFIG
echo "test bed up in $(( ($(date +%s%N) - t0) / 1000000 )) ms; KUBECONFIG=$KUBECONFIG"
KUBECTL="$($TESTBED build)/kubectl"
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then
    echo; echo "test bed left running: export KUBECONFIG=$KUBECONFIG; make testbed-down stops it"
  else
    step "stop the test bed"; $TESTBED down demo
  fi
}
trap cleanup EXIT

step "deploy the sample app (kubectl apply; glcd apply replaces this with the Rollout issue)"
"$KUBECTL" apply -f testdata/demo/app.yaml
"$KUBECTL" -n jobboard rollout status deployment/jobboard --timeout=120s
pod=$("$KUBECTL" -n jobboard get pods -l app=jobboard -o jsonpath='{.items[0].metadata.name}')
step "the app answers (exec into $pod on the real kubelet)"
"$KUBECTL" -n jobboard exec "$pod" -- wget -qO- http://127.0.0.1:8080/
"$KUBECTL" -n jobboard get deploy,pods -o wide

echo; echo "demo done."
