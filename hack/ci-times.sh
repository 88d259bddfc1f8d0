#!/usr/bin/env bash
# ci-times.sh LOG START: where the time of a CI run went, from its log: the make steps (the
# "[unix time] make STEP" stamps the Makefile prints), the slowest test packages (go test's
# "ok pkg 12.3s" lines: a package's own run time; packages run two at a time on 2 cores), and
# the total since START (unix seconds).
set -euo pipefail
log=$1 start=$2
end=$(date +%s)
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
echo "== CI time report"
awk -v end="$end" '
  /^\[[0-9]+\] make / { t = substr($1, 2, length($1) - 2); if (name != "") printf "%s %d\n", name, t - prev; name = $3; prev = t }
  END { if (name != "") printf "%s %d\n", name, end - prev }
' "$log" | while read -r step secs; do printf '  make %-14s %8s\n' "$step" "$(fmt "$secs")"; done
echo "  slowest test packages (run time of the test binary):"
grep -E '^(ok|FAIL)[[:space:]]+[^[:space:]]+[[:space:]]+[0-9.]+s' "$log" |
  awk '{ t = $3; sub(/s$/, "", t); printf "%s %s %s\n", t, $1, $2 }' | sort -rn | head -12 |
  while read -r secs result pkg; do printf '    %-4s %-55s %7.1fs\n' "$result" "${pkg#gitlab.com/glcd/glcd/}" "$secs"; done
echo "  total $(fmt $((end - start)))"
