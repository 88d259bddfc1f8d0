#!/usr/bin/env bash
# test-stress.sh [RUNS]: the flake hunt. Runs the whole test suite RUNS times (default 3) while
# stress-ng keeps both cores busy, then once on an idle machine, and says which tests failed in
# which run. A test that fails only under load waits on time instead of on the condition it means.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
runs=${1:-3}
command -v stress-ng >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null; }
log_dir=${GLCD_CACHE:-$HOME/.cache/glcd}/stress
mkdir -p "$log_dir"
failed=0
suite() { # NAME: one run of the suite, its log in $log_dir/NAME.log
  local start=$SECONDS
  go test -count=1 -timeout 90m ./... > "$log_dir/$1.log" 2>&1
  local rc=$?
  printf '%-8s exit %d after %dm%02ds' "$1" "$rc" $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60))
  if [ "$rc" -ne 0 ]; then
    failed=1
    printf '; failed: %s' "$( { grep -E '^\s*--- FAIL' "$log_dir/$1.log" | awk '{print $3}'; grep -E '^FAIL\s' "$log_dir/$1.log" | awk '{print $2}'; } | sort -u | tr '\n' ' ')"
  fi
  echo
}
for i in $(seq "$runs"); do
  stress-ng --cpu 2 --timeout 0 --quiet & load=$!
  suite "loaded-$i"
  kill "$load"; wait "$load" 2>/dev/null
done
suite idle
echo "logs: $log_dir"
exit "$failed"
