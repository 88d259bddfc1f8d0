#!/usr/bin/env bash
# make demo: start the local test bed and play glcd's flow (DESIGN.md §1) on it, step by step.
# Each capability adds its step here. KEEP=1 leaves the test bed running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
GLCD=${GLCD:?build glcd first: make demo}
TESTBED="go run ./internal/testbed/cmd/testbed"
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }

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
answer() { # what the app says, from inside one of its pods
  pod=$("$KUBECTL" -n jobboard get pods -l app=jobboard --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')
  "$KUBECTL" -n jobboard exec "$pod" -- wget -qO- http://127.0.0.1:8080/
}

# the infra pipeline's variables, as the app repo's trigger passes them (DESIGN.md §1, step 3)
export PROJECT_NAME=jobboard POD_NAME=web IMAGE_NAME=testbed.local/jobboard
export CI_JOB_URL=https://gitlab.example.com/demo/jobboard-infra/-/jobs/1001

step "infra pipeline: glcd apply the manifests (namespace first, then the Deployment, then watch it)"
show "glcd apply -f testdata/demo/jobboard.yaml"
"$GLCD" apply -f testdata/demo/jobboard.yaml
answer

step "app repo, deploy job: glcd trigger starts the infra pipeline and follows it (a GitLab API double plays GitLab)"
export DEMO_TRIGGER_TOKEN=glptt-demo-trigger-0123456789 DEMO_READ_TOKEN=glpat-demo-read-0123456789
coproc DOUBLE { go run ./internal/testbed/cmd/gitlabdouble; }
read -r GITLAB_URL <&"${DOUBLE[0]}"
show "INFRA_PIPELINE_TOKEN=… GLCD_GITLAB_TOKEN=… glcd trigger --project demo/jobboard-infra --ref main --wait"
echo "(TARGET_IMAGE_VERSION is not set: glcd reads DEPLOY_VERSION from the app repo's Makefile, testdata/demo/app)"
INFRA_PIPELINE_TOKEN=$DEMO_TRIGGER_TOKEN GLCD_GITLAB_TOKEN=$DEMO_READ_TOKEN \
  "$GLCD" trigger --gitlab-url "$GITLAB_URL" --project demo/jobboard-infra --ref main --wait \
  --poll-interval 200ms --version-dir testdata/demo/app
exec {DOUBLE[1]}>&-   # the double prints what the pipeline received (tokens never appear)
wait "$DOUBLE_PID" 2>/dev/null || true

step "infra pipeline: deploy 1.4.0 with the old script's drop-in (PROJECT_NAME, POD_NAME, IMAGE_NAME, TARGET_IMAGE_VERSION)"
show "TARGET_IMAGE_VERSION=1.4.0 scripts/rollout-update"
TARGET_IMAGE_VERSION=1.4.0 GLCD="$GLCD" scripts/rollout-update
answer
"$KUBECTL" -n jobboard rollout history deployment/jobboard

step "deploy a broken 1.5.0: glcd fails within seconds with the reason, events and log, and rolls back"
show "TARGET_IMAGE_VERSION=1.5.0 glcd rollout --undo-on-failure"
set +e
TARGET_IMAGE_VERSION=1.5.0 "$GLCD" rollout --undo-on-failure
code=$?
set -e
echo "exit code $code (1: the rollout failed; kubectl rollout status would still be waiting for the 600 s progress deadline)"
answer

echo; echo "demo done."
