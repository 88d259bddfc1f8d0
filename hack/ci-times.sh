#!/usr/bin/env bash
# ci-times.sh LOG START [CPU]: where the time of a CI run went, from its log: the make steps
# (the "[unix time] make STEP" stamps the Makefile prints), the slowest test packages (go test's
# "ok pkg 12.3s" lines: a package's own run time; packages run two at a time on 2 cores), the
# total since START (unix seconds), and the CPU time (CPU: bash's `times` line for children,
# "1m2.5s 0m30.1s") against what the cores could give.
set -euo pipefail
log=$1 start=$2 cpu=${3:-}
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
  while read -r secs result pkg; do printf '    %-4s %-55s %7.1fs\n' "$result" "${pkg#gitlab.com/glcd/glcd/}" "$secs"; done || true
echo "  total $(fmt $((end - start)))"
if [ -n "$cpu" ]; then
  secs() { awk -v t="$1" 'BEGIN { split(t, a, "m"); sub(/s$/, "", a[2]); printf "%d", a[1] * 60 + a[2] }'; }
  read -r user sys <<< "$cpu"
  u=$(secs "$user") s=$(secs "$sys") cores=$(nproc)
  echo "  CPU: user $(fmt "$u"), system $(fmt "$s"): $(( (u + s) * 100 / ((end - start) * cores) ))% of $cores cores"
fi
