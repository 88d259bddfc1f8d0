#!/usr/bin/env bash
# make bench: Go benchmarks of the libraries, then glcd against kubectl on the local test bed.
# The report goes to $CACHE/bench/report.md; the README's Performance section quotes it.
set -euo pipefail
cd "$(dirname "$0")/.."
GLCD=${GLCD:?build glcd first: make bench}
out=${GLCD_CACHE:-$HOME/.cache/glcd}/bench
mkdir -p "$out"
echo "== Go benchmarks"
# shellcheck disable=SC2046 # the package list, split
go test -run '^$' -bench . -benchmem -count 1 $(go list ./internal/... | grep -vE 'internal/(rollout|kube|testbed|access|doctor|setup|registry)$') | tee "$out/go-bench.txt"
echo "== glcd doctor --for all against a test bed (the built binary, every check, all access reviews)"
go test -run '^$' -bench DoctorAll -benchtime 10x ./internal/doctor/ 2>&1 | grep -E '^(Benchmark|ok)' | tee "$out/doctor-bench.txt"
echo "== glcd setup robot --apply against a test bed (the built binary: create a robot, then the same again: nothing changed), and a first deploy from glcd init infra as the robot"
go test -run '^$' -bench 'SetupRobotApply|FirstDeployFromScaffold' -benchtime 5x ./internal/setup/ 2>&1 | grep -E '^(Benchmark|ok)' | tee "$out/setup-bench.txt"
echo "== fuzzing manifest edits for 60 s"
go test -run '^$' -fuzz FuzzSetImage -fuzztime 60s ./internal/manifest/ 2>&1 | tail -3 | tee "$out/fuzz.txt"
corpus=$(grep -o 'total: [0-9]*' "$out/fuzz.txt" | tail -1 | grep -o '[0-9]*')
echo "fuzz corpus reached: ${corpus:-?} entries (seeds, testdata and the cumulative cache)" | tee -a "$out/fuzz.txt"
echo "== glcd vs kubectl on the test bed (kubectl waits for the 600 s progress deadline: ~12 min)"
go run ./internal/testbed/cmd/bench "$GLCD" "$out/rollout.md"
echo "== scale: rollouts of 10, 100 and 1,000 replicas, then 1,000 among 10,000 other pods, on simulated nodes (kwok), glcd beside kubectl rollout status (~5 min; kwok is built once, ~3 min)"
go run ./internal/testbed/cmd/scale "$GLCD" "$out/scale.md"
echo "== glcd executor against kubectl on a test bed of its own"
go run ./internal/testbed/cmd/testbed up bench-executor >/dev/null
trap 'go run ./internal/testbed/cmd/testbed down bench-executor' EXIT
go run ./internal/testbed/cmd/cijob "$GLCD" bench-executor "$out/executor.md" > "$out/executor.log"
cat "$out/executor.md"
go run ./internal/testbed/cmd/testbed down bench-executor # nothing idle beside what is measured next
trap - EXIT
: > "$out/real-runner-bench.txt"
if [ -n "${GITLAB_RUNNER:-}" ] && [ -n "${GITLAB_RUNNER_HELPER:-}" ]; then
  echo "== under the real GitLab Runner ($GITLAB_RUNNER): a small job with glcd's custom executor and with GitLab's Kubernetes executor"
  GLCD_TEST_BIN=$GLCD GLCD_GITLAB_RUNNER=$GITLAB_RUNNER GLCD_GITLAB_RUNNER_HELPER=$GITLAB_RUNNER_HELPER \
    go test -tags realrunner -run '^$' -bench RealRunnerSmallJob -benchtime 7x ./executor/ 2>&1 | grep -E '^(Benchmark|ok)' | tee "$out/real-runner-bench.txt"
else
  echo "== (no GITLAB_RUNNER and GITLAB_RUNNER_HELPER: the side by side with GitLab's Kubernetes executor is left out)"
fi
echo "== the glcd image: Dockerfile.kubectl built with podman on the local Debian base, sizes, cold start"
t0=$(date +%s)
img=$(go run ./images/cmd/glcd-image build -tag localhost/glcd/glcd:bench -version bench -revision "$(git rev-parse HEAD)")
build_s=$(( $(date +%s) - t0 ))
go run ./images/cmd/glcd-image measure "$img" > "$out/image.md"
CGO_ENABLED=0 go build -trimpath -tags nokubectl -ldflags "-s -w" -o "$out/glcd-nokubectl" ./cmd/glcd
kubectl_bin="$(go run ./internal/testbed/cmd/testbed build)/kubectl"
size_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
{
  echo "| image build, warm caches (\`glcd-image build\`) | ${build_s} s |"
  echo "| glcd built -tags nokubectl (static, stripped) | $(size_mb "$out/glcd-nokubectl") |"
  echo "| upstream kubectl v1.37.2 (the test bed's build, stripped) | $(size_mb "$kubectl_bin") |"
} >> "$out/image.md"
cat "$out/image.md"
echo "== the builder images: the sample app built on its builder against on builder-base (Dockerfile.builder, podman); the builder and publish jobs as unprivileged pods (glcd image build) against the same stages with podman; glcd local running the sample build job, cold and warm cache"
go test -run '^$' -bench 'SampleApp|PublishInPods|LocalSampleJob' -benchtime 1x ./images/buildere2e/ 2>&1 | grep -E '^(Benchmark|ok)' | tee "$out/builder-bench.txt"
{ echo "# glcd bench report ($(date -u +%F))"; echo; cat "$out/rollout.md"; echo; cat "$out/scale.md"; echo; cat "$out/executor.md"; echo; echo '## The image'; echo; cat "$out/image.md"; echo; echo '## Go benchmarks'; echo; echo '```'; grep -E '^(Benchmark|ok|goos|cpu)' "$out/go-bench.txt" "$out/doctor-bench.txt" "$out/setup-bench.txt" "$out/builder-bench.txt" "$out/real-runner-bench.txt" | sed 's/^[^:]*://'; echo '```'; echo; echo '## Fuzzing'; echo; echo '```'; cat "$out/fuzz.txt"; echo '```'; } > "$out/report.md"
echo "report: $out/report.md"
