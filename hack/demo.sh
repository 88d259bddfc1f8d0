#!/usr/bin/env bash
# make demo: play glcd's flow (DESIGN.md §1) on the local test bed, step by step: a real
# Kubernetes node, a real HTTPS git server with token auth, and a GitLab API double (no GitLab
# server can run here). Each capability adds its step. KEEP=1 leaves the test bed running.
set -euo pipefail
cd "$(dirname "$0")/.."
GLCD=${GLCD:?build glcd first: make demo}
TESTBED="go run ./internal/testbed/cmd/testbed"
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }
W=$(mktemp -d)

step "glcd version"
"$GLCD" version

step "start the local test bed (real etcd, kube-apiserver, controller-manager, scheduler, kubelet, containerd)"
t0=$(date +%s%N)
KUBECONFIG=$($TESTBED up demo)
export KUBECONFIG
echo "test bed up in $(( ($(date +%s%N) - t0) / 1000000 )) ms; KUBECONFIG=$KUBECONFIG"
KUBECTL="$($TESTBED build)/kubectl"

# the git server (HTTPS, token auth) and the GitLab API double, both on loopback
export DEMO_GIT_TOKEN=glpat-demo-git-0123456789abcdef DEMO_TRIGGER_TOKEN=glptt-demo-trigger-0123456789 DEMO_READ_TOKEN=glpat-demo-read-0123456789
coproc GITSRV { go run ./internal/testbed/cmd/gitserver; }
read -r GIT_URL <&"${GITSRV[0]}"; read -r GIT_ROOT <&"${GITSRV[0]}"; read -r GIT_SSL_CAINFO <&"${GITSRV[0]}"
export GIT_SSL_CAINFO
coproc GITLAB { go run ./internal/testbed/cmd/gitlabdouble; }
read -r GITLAB_URL <&"${GITLAB[0]}"

cleanup() {
  # shellcheck disable=SC1083 # bash closes the coprocesses' descriptors by variable
  exec {GITSRV[1]}>&- {GITLAB[1]}>&- 2>/dev/null || true
  rm -rf "$W"
  if [ "${KEEP:-}" = 1 ]; then
    echo; echo "test bed left running: export KUBECONFIG=$KUBECONFIG; make testbed-down stops it"
  else
    step "stop the test bed"; $TESTBED down demo
  fi
}
trap cleanup EXIT
answer() { # what the app says, from inside one of its pods
  # a running pod that is not being deleted (an old one may still run after the rollout)
  pods=$("$KUBECTL" --kubeconfig "${ADMIN_KUBECONFIG:-$KUBECONFIG}" -n jobboard get pods -l app=jobboard --field-selector=status.phase=Running \
    -o go-template='{{range .items}}{{if not .metadata.deletionTimestamp}}{{.metadata.name}}{{"\n"}}{{end}}{{end}}')
  pod=${pods%%$'\n'*}
  "$KUBECTL" --kubeconfig "${ADMIN_KUBECONFIG:-$KUBECONFIG}" -n jobboard exec "$pod" -- wget -qO- http://127.0.0.1:8080/
}
g() { git -c user.name=demo -c user.email=demo@example.com "$@"; }
ci_clone() { # a checkout as GitLab CI makes it: shallow, detached, origin without credentials
  git clone -q --depth 20 "file://$GIT_ROOT/$1.git" "$2"
  git -C "$2" checkout -q --detach
  git -C "$2" remote set-url origin "$GIT_URL/$1.git"
}

step "glcd init: the app repo's pipeline and Dockerfile.builder, the infra repo's pipeline and manifest (glcd's examples/, written for jobboard)"
# the app repo has its Makefile (version 1.3.0, released); the infra repo starts empty
g init -q -b main "$W/seed-app" && cp testdata/demo/app/Makefile "$W/seed-app/"
sed -i 's/^DEPLOY_VERSION = .*/DEPLOY_VERSION = 1.3.0/' "$W/seed-app/Makefile"
g init -q -b main "$W/seed-infra"
show "glcd init app jobboard"
"$GLCD" init app "$W/seed-app" --project jobboard | sed '/^next:/,$d'
show "glcd init infra jobboard-infra --image testbed.local/jobboard:1.3.0"
"$GLCD" init infra "$W/seed-infra" --project jobboard --image testbed.local/jobboard:1.3.0
show "glcd init infra jobboard-infra --image testbed.local/jobboard:1.3.0   # again"
set +e
"$GLCD" init infra "$W/seed-infra" --project jobboard --image testbed.local/jobboard:1.3.0
code=$?
set -e
echo "exit code $code (2: nothing overwritten)"
# the demo's app is a shell script standing in for the Haskell app: its Dockerfile.builder has
# the same five targets with sh for GHC, and its test job runs ./test.sh in builder-base (the
# haskell image is not on the test bed), so the tag pipeline's jobs run in seconds
cp testdata/demo/app/Dockerfile.builder testdata/demo/app/web.sh testdata/demo/app/test.sh testdata/demo/app/package.yaml testdata/demo/app/stack.yaml "$W/seed-app/"
# shellcheck disable=SC2016 # $BUILDER_BASE is for the pipeline, not this shell
sed -i -e 's|^  image: haskell:9.6.7$|  image: $BUILDER_BASE|' -e 's|^    - make setup build test$|    - ./test.sh|' "$W/seed-app/.gitlab-ci.yml"
grep -q '^    - ./test.sh$' "$W/seed-app/.gitlab-ci.yml" || { echo "the app pipeline's test job changed: update the demo" >&2; exit 1; }
g -C "$W/seed-app" add . && g -C "$W/seed-app" commit -qm "jobboard 1.3.0" && g -C "$W/seed-app" tag v1.3.0
g -C "$W/seed-infra" add . && g -C "$W/seed-infra" commit -qm "jobboard manifests"
g -C "$W/seed-app" push -q "file://$GIT_ROOT/demo/jobboard.git" main v1.3.0
g -C "$W/seed-infra" push -q "file://$GIT_ROOT/demo/jobboard-infra.git" main
echo "git server $GIT_URL serves demo/jobboard.git and demo/jobboard-infra.git (token auth, TLS)"

# the deploy contract the app repo passes to the infra pipeline (DESIGN.md §1, step 3)
export PROJECT_NAME=jobboard POD_NAME=jobboard-web IMAGE_NAME=testbed.local/jobboard
export CI_JOB_URL=https://gitlab.example.com/demo/jobboard-infra/-/jobs/1001 CI_PIPELINE_URL=https://gitlab.example.com/demo/jobboard-infra/-/pipelines/77

step "infra repo, first deploy: glcd apply kubernetes/jobboard.yaml (the Deployment and the Service, then watch the rollout)"
show "kubectl create namespace jobboard   # the cluster admin's (glcd setup robot creates it too)"
"$KUBECTL" create namespace jobboard
ci_clone demo/jobboard-infra "$W/infra-1"
show "cd infra checkout && glcd apply"
(cd "$W/infra-1" && "$GLCD" apply)
answer

step "before pushing the release: glcd local runs the pipeline's test job on the working tree (1.4.0, not yet committed), in the pod glcd executor would give it in CI"
g -C "$W/seed-app" pull -q "file://$GIT_ROOT/demo/jobboard.git" main
sed -i 's/^DEPLOY_VERSION = .*/DEPLOY_VERSION = 1.4.0/' "$W/seed-app/Makefile"
"$KUBECTL" create namespace ci-local >/dev/null
printf 'namespace: ci-local\nimage: testbed.local/glcd-helper:2\nhelperImage: testbed.local/glcd-helper:2\n' > "$W/executor.yaml"
show "glcd local test --config executor.yaml --var BUILDER_BASE=testbed.local/glcd-helper:2   # the project's builder-base in CI"
"$GLCD" local test --dir "$W/seed-app" --config "$W/executor.yaml" --var BUILDER_BASE=testbed.local/glcd-helper:2

step "app repo: the commit raising DEPLOY_VERSION to 1.4.0 is pushed; glcd autotag tags it v1.4.0 (never moves a tag)"
g -C "$W/seed-app" commit -qam "Release 1.4.0" && g -C "$W/seed-app" push -q "file://$GIT_ROOT/demo/jobboard.git" main
ci_clone demo/jobboard "$W/app"
show "GLCD_GIT_TOKEN=… glcd autotag"
(cd "$W/app" && GLCD_GIT_TOKEN=$DEMO_GIT_TOKEN "$GLCD" autotag)
show "glcd autotag   # the next pipeline on the same commit"
(cd "$W/app" && GLCD_GIT_TOKEN=$DEMO_GIT_TOKEN "$GLCD" autotag)
git -C "$GIT_ROOT/demo/jobboard.git" tag -n1

step "tag pipeline: the builder image's key (Dockerfile.builder): a release keeps it, so builder:<key> is reused instead of a 30-minute stack build; a new dependency changes it"
B=$W/builder-app && cp -r testdata/builder-app "$B"
BASE=registry.example.com/demo/jobboard/builder-base:9.0.2-1
show "glcd builder-key --base $BASE --explain"
"$GLCD" builder-key --dir "$B" --base "$BASE" --explain
k1=$("$GLCD" builder-key --dir "$B" --base "$BASE")
sed -i 's/^version: .*/version: 9.9.9/' "$B/package.yaml"
k2=$("$GLCD" builder-key --dir "$B" --base "$BASE")
echo "after the release bump (version: 9.9.9): $k2 (before: $k1)"
[ "$k1" = "$k2" ] || { echo "the release changed the builder key" >&2; exit 1; }
sed -i 's/^  - warp$/  - warp\n  - vector/' "$B/package.yaml"
k3=$("$GLCD" builder-key --dir "$B" --base "$BASE")
echo "after adding the dependency vector: $k3: a new builder:$k3 is built once"
[ "$k3" != "$k2" ] || { echo "a new dependency kept the builder key" >&2; exit 1; }

step "tag pipeline, build job: the runner side: a GitLab Runner with executor = \"custom\" hands the job to glcd executor, which runs it as a pod (clone in the helper, build with ~/.stack in the cache volume); the same job twice: cold, then warm cache; then what a shared runner meets: a forged project id, per-job pod overrides within and outside the allow-lists, a cut connection"
show "glcd executor config|prepare|run|cleanup --config executor.yaml   # called by the runner stand-in, as the RBAC of examples/runner/rbac.yaml"
go run ./internal/testbed/cmd/cijob "$GLCD" demo

step "tag pipeline, deploy job: glcd trigger starts the infra pipeline and follows it (the GitLab API double plays GitLab)"
show "INFRA_PIPELINE_TOKEN=… GLCD_GITLAB_TOKEN=… glcd trigger --project demo/jobboard-infra --ref main --wait"
echo "(TARGET_IMAGE_VERSION is not set: glcd reads DEPLOY_VERSION from the app checkout's Makefile)"
INFRA_PIPELINE_TOKEN=$DEMO_TRIGGER_TOKEN GLCD_GITLAB_TOKEN=$DEMO_READ_TOKEN \
  "$GLCD" trigger --gitlab-url "$GITLAB_URL" --project demo/jobboard-infra --ref main --wait \
  --poll-interval 200ms --version-dir "$W/app"

step "once, as the cluster's admin: a least-privilege deploy robot for the infra pipeline (exactly what rollout and writeback need, nothing cluster-wide)"
show "glcd setup robot --namespace jobboard --for rollout,writeback --apply"
"$GLCD" setup robot --namespace jobboard --for rollout,writeback --apply
show "glcd setup robot --namespace jobboard --for rollout,writeback --apply   # again: idempotent"
"$GLCD" setup robot --namespace jobboard --for rollout,writeback --apply | grep -v '^note:'

step "the values GitLab needs to act as the robot, proven as a job would connect before they are written (mode 0600, never to the terminal)"
show "glcd setup gitlab-vars --namespace jobboard --environment production --out robot.env"
"$GLCD" setup gitlab-vars --namespace jobboard --environment production --out "$W/robot.env"
stat -c '%A %n' "$W/robot.env"
# the rest of the infra pipeline runs as the robot: the job's variables are exactly robot.env
# (GitLab would set them), the admin's kubeconfig is gone; answer() and the history stay admin's
ADMIN_KUBECONFIG=$KUBECONFIG
# shellcheck source=/dev/null # written above
as_robot() ( unset KUBECONFIG; set -a; . "$W/robot.env"; set +a; "$@" )

export TARGET_IMAGE_VERSION=1.4.0 CI_ENVIRONMENT_NAME=production
INFRA_LOCATION="${GIT_URL#https://}/demo/jobboard-infra"
step "infra pipeline, as the robot, before the deploy: glcd doctor checks what rollout and writeback need (cluster, TLS, identity, RBAC, workload, git token)"
show "KUBE_URL=… KUBE_CA_PEM=… KUBE_TOKEN=… PROJECT_INFRA_REPO_LOCATION=$INFRA_LOCATION CI_PERSONAL_ACCESS_TOKEN=… glcd doctor --for rollout,writeback"
PATH="$(dirname "$KUBECTL"):$PATH" PROJECT_INFRA_REPO_LOCATION=$INFRA_LOCATION CI_PERSONAL_ACCESS_TOKEN=$DEMO_GIT_TOKEN \
  as_robot "$GLCD" doctor --for rollout,writeback

step "one deliberately broken setting: the API server URL without its port (the write-up lost hours to it)"
cp "$KUBECONFIG" "$W/broken.kubeconfig"
server=$("$KUBECTL" --kubeconfig "$W/broken.kubeconfig" config view -o jsonpath='{.clusters[0].cluster.server}')
"$KUBECTL" --kubeconfig "$W/broken.kubeconfig" config set-cluster \
  "$("$KUBECTL" --kubeconfig "$W/broken.kubeconfig" config view -o jsonpath='{.clusters[0].name}')" --server="${server%:*}" >/dev/null
show "KUBECONFIG=broken.kubeconfig (server: ${server%:*}) glcd doctor --for rollout"
set +e
PATH="$(dirname "$KUBECTL"):$PATH" KUBECONFIG="$W/broken.kubeconfig" "$GLCD" doctor --for rollout
code=$?
set -e
echo "exit code $code (1: a check failed; the fix line says which port to add)"

step "infra pipeline, as the robot: deploy $TARGET_IMAGE_VERSION with the old script's drop-in (PROJECT_NAME, POD_NAME, IMAGE_NAME, TARGET_IMAGE_VERSION)"
show "scripts/rollout-update"
GLCD="$GLCD" as_robot scripts/rollout-update
answer
"$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" -n jobboard rollout history deployment/jobboard

step "infra pipeline, as the robot: write the deployed tag back to kubernetes/jobboard.yaml and move the jobboard-production tag"
ci_clone demo/jobboard-infra "$W/infra-2"
show "PROJECT_INFRA_REPO_LOCATION=${GIT_URL#https://}/demo/jobboard-infra CI_PERSONAL_ACCESS_TOKEN=… scripts/commit-tag-push"
(cd "$W/infra-2" && PROJECT_INFRA_REPO_LOCATION="${GIT_URL#https://}/demo/jobboard-infra" CI_PERSONAL_ACCESS_TOKEN=$DEMO_GIT_TOKEN \
  GLCD="$GLCD" as_robot "$OLDPWD/scripts/commit-tag-push")
echo "the remote now has (only the tag's bytes changed in the manifest):"
git -C "$GIT_ROOT/demo/jobboard-infra.git" log --oneline --decorate -n 2
git -C "$GIT_ROOT/demo/jobboard-infra.git" diff HEAD~1 HEAD | sed -n '/^@@/,$p'

step "a broken 1.5.0, as the robot: glcd fails within seconds with the reason, events and log, and rolls back"
show "TARGET_IMAGE_VERSION=1.5.0 glcd rollout --undo-on-failure"
set +e
TARGET_IMAGE_VERSION=1.5.0 as_robot "$GLCD" rollout --undo-on-failure
code=$?
set -e
echo "exit code $code (1: the rollout failed; kubectl rollout status would wait for the 600 s progress deadline)"
answer

step "the infra job as GitLab's Kubernetes executor runs it: a pod of the glcd image, no kubeconfig, a service account allowed only to roll out"
echo "building the image (Dockerfile.kubectl on a local Debian base, no registry here; cached after the first time)"
IMG=$(go run ./images/cmd/glcd-image build -tag localhost/glcd/glcd:demo -progress -version "$("$GLCD" version -o json | sed 's/.*"version":"\([^"]*\)".*/\1/')")
go run ./images/cmd/glcd-image import-testbed demo "$IMG"
api=$("$KUBECTL" config view --minify -o jsonpath='{.clusters[0].cluster.server}'); api=${api#https://}
"$KUBECTL" -n jobboard apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: glcd-rollout}
rules:
- {apiGroups: [apps], resources: [deployments], verbs: [get, list, watch, patch]}
- {apiGroups: [apps], resources: [replicasets], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods/log], verbs: [get]}
- {apiGroups: [""], resources: [events], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: glcd-rollout}
subjects: [{kind: ServiceAccount, name: deployer, namespace: jobboard}]
---
apiVersion: v1
kind: Pod
metadata: {name: runner-job-1002}
spec:
  serviceAccountName: deployer
  restartPolicy: Never
  containers:
  - name: build
    image: $IMG
    imagePullPolicy: Never
    command: [sh, -c, "glcd doctor --for rollout; glcd rollout && kubectl get deploy jobboard"]
    env:
    - {name: KUBERNETES_SERVICE_HOST, value: "${api%:*}"}
    - {name: KUBERNETES_SERVICE_PORT, value: "${api##*:}"}
    - {name: KUBE_NAMESPACE, value: jobboard}
    - {name: PROJECT_NAME, value: jobboard}
    - {name: POD_NAME, value: jobboard-web}
    - {name: IMAGE_NAME, value: testbed.local/jobboard}
    - {name: TARGET_IMAGE_VERSION, value: "1.3.0"}
EOF
echo "(KUBERNETES_SERVICE_HOST points at the API server: the test bed runs no kube-proxy)"
show "pod runner-job-1002, image $IMG, TARGET_IMAGE_VERSION=1.3.0, a Role written by hand with exactly what a Deployment's rollout needs: sh -c 'glcd doctor --for rollout; glcd rollout && kubectl get deploy jobboard'"
"$KUBECTL" -n jobboard wait --for=jsonpath='{.status.phase}'=Succeeded pod/runner-job-1002 --timeout=3m >/dev/null || true
"$KUBECTL" -n jobboard logs runner-job-1002
echo "pod phase: $("$KUBECTL" -n jobboard get pod runner-job-1002 -o jsonpath='{.status.phase}')"
answer

# the tag pipelines run as pods of glcd executor, their images from the test bed's registry
# (the glcd image built above is pushed there; the project's GLCD_JOB_IMAGE names it)
tag_pipeline() { # tag: the app's tag pipeline, its IMAGE= in $W/pipeline-$1.log
  go run ./internal/testbed/cmd/cijob pipeline "$GLCD" demo "$IMG" "$GIT_ROOT/demo/jobboard.git" "$1" | tee "$W/pipeline-$1.log"
  PUBLISHED=$(sed -n 's/^IMAGE=//p' "$W/pipeline-$1.log" | tail -n 1)
}
deploy_published() {
  show "glcd rollout deployment/jobboard --container jobboard-web --image $PUBLISHED"
  "$GLCD" rollout deployment/jobboard --container jobboard-web --image "$PUBLISHED"
  answer
}
step "tag pipeline v1.4.0, as pods of glcd executor (PodSecurity baseline, nothing privileged, no docker:dind): test, builder-key (no builder for this key yet), builder (glcd image build --target builder in builder-base), publish (glcd image build --target app in builder:<key>); the job's CI_REGISTRY_PASSWORD masked"
show "the jobs of the app repo's .gitlab-ci.yml at v1.4.0, with GitLab's variables and the dotenv reports between them"
tag_pipeline v1.4.0

step "tag pipeline, deploy: exactly the image the publish job pushed, by its digest"
# the cluster pulls from the registry with its credentials (the test bed's: testbed.RegistryUser/RegistryPassword)
"$KUBECTL" -n jobboard create secret docker-registry registry --docker-server="${PUBLISHED%%/*}" \
  --docker-username=testbed --docker-password=testbed-registry-pass >/dev/null
"$KUBECTL" -n jobboard patch serviceaccount default -p '{"imagePullSecrets":[{"name":"registry"}]}' >/dev/null
deploy_published

step "a second release, 1.4.1 (no dependency changed): autotag, then the tag pipeline reuses builder:<key> (builder-key tags it for the commit, builder does nothing) and publish sends only the app layer"
g -C "$W/seed-app" pull -q "file://$GIT_ROOT/demo/jobboard.git" main
sed -i 's/^DEPLOY_VERSION = .*/DEPLOY_VERSION = 1.4.1/' "$W/seed-app/Makefile"
g -C "$W/seed-app" commit -qam "Release 1.4.1" && g -C "$W/seed-app" push -q "file://$GIT_ROOT/demo/jobboard.git" main
rm -rf "$W/app" && ci_clone demo/jobboard "$W/app"
(cd "$W/app" && GLCD_GIT_TOKEN=$DEMO_GIT_TOKEN "$GLCD" autotag)
tag_pipeline v1.4.1
grep -q 'BUILDER_EXISTS=yes' "$W/pipeline-v1.4.1.log" || { echo "the second release did not reuse the builder" >&2; exit 1; }
deploy_published

echo; echo "demo done: the tokens used above never appear in this output."
