# shellcheck shell=sh
# stage.sh DIR LENGTH OFFSET CONTAINER NEED_HELPER, run by `sh -c` in a job container, with
# the stage's script on stdin: glcd executor's way to run one stage so that it survives a
# broken connection. The first call starts the script detached (its output to DIR/out, its exit
# code and the container's OOM-kill count to DIR/code); every call, the first and those after a
# reconnect, says "glcd-following" on stderr, prints DIR/out from byte OFFSET on stdout as it
# grows, and once the script has ended "glcd-exit CODE OOMKILLS" on stderr. Only sh and tail, head, wc, dd are needed.
d=$1 n=$2 off=$3 container=$4 needhelper=$5
for t in tail head wc dd; do
  command -v "$t" >/dev/null 2>&1 || { echo "glcd-notools $t" >&2; exit 95; }
done
# Every process started costs milliseconds in a container on a busy node, and a stage of a
# small job is mostly this script: what the shell can do itself (dirname, cat, tr) it does.
parent=${d%/*}
# the container's OOM-kill count, in ok
oomkills() {
  ok=0
  for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
    if [ -r "$f" ]; then
      while read -r k v; do if [ "$k" = oom_kill ]; then ok=$v; return; fi; done < "$f"
    fi
  done
}
# the start time of process $1 (field 22 of /proc/PID/stat), in st: with the PID it names one
# process, even after the PID is reused
starttime() {
  st=
  read -r s 2>/dev/null < "/proc/$1/stat" || return 1
  s=${s##*) }
  # shellcheck disable=SC2086 # the fields, split
  set -- $s
  st=${20}
}
mkdir -p "$d" || exit 97
# the follower's PID and start time first: the script may end before the follower loop begins
starttime $$
echo "$$ $st" > "$d/follower"
trap 'woken=1' USR1
if [ -e "$d/out" ]; then
  cat > /dev/null # a reconnect: the script runs already
else
  t="$d/script.$$"
  (umask 077; cat > "$t")
  got=$(wc -c < "$t")
  if [ "$got" -ne "$n" ]; then
    # the exec's stdin arrived short although the driver sent it whole (it happens on a busy
    # node: kubernetes/kubernetes#112834): nothing is started, the driver sends it again
    rm -f "$t"
    echo "glcd-short $got of $n bytes" >&2
    exit 96
  fi
  # only a complete script is started, and only once: the lock is a file created with
  # noclobber (O_EXCL), by the shell itself
  locked=''
  set -C
  { true > "$d/lock"; } 2>/dev/null && locked=1
  set +C
  if [ -n "$locked" ]; then
    # the stages before this one are over: their folders go once this one has ended (below)
    set --
    for old in "$parent"/*; do [ "$old" = "$d" ] || [ "$old" = "$parent/bin" ] || set -- "$@" "$old"; done
    if [ "$container" = helper ]; then
      # the checkout and the restored cache writable by a build image's non-root user, as
      # GitLab's Kubernetes executor runs its helper (umask 0000 unless FF_DISABLE_UMASK_...)
      umask 0000
      # GitLab's helper image has gitlab-runner-helper; the runner's scripts call gitlab-runner
      # (made once, by the job's first helper stage: the test costs no process)
      if [ ! -x "$parent/bin/gitlab-runner" ] && ! command -v gitlab-runner >/dev/null 2>&1 && h=$(command -v gitlab-runner-helper); then
        mkdir -p "$parent/bin" && ln -sf "$h" "$parent/bin/gitlab-runner"
      fi
      PATH="$parent/bin:$PATH"
      export PATH
      if [ "$needhelper" = 1 ] && ! command -v gitlab-runner >/dev/null 2>&1; then
        rm -rf "$d"
        exit 94
      fi
    fi
    sh='sh'
    if command -v bash >/dev/null 2>&1; then sh=bash; fi
    : > "$d/out"
    (
      trap '' HUP
      oomkills; o=$ok
      "$sh" "$t" < /dev/null >> "$d/out" 2>&1 &
      echo $! > "$d/pid"
      wait $!
      c=$?
      oomkills
      echo "$c $((ok - o))" > "$d/code"
      # wake the follower, if it is still the one (a PID can be reused: its start time says)
      if read -r f fst 2>/dev/null < "$d/follower" && starttime "$f" && [ "$st" = "$fst" ]; then kill -USR1 "$f" 2>/dev/null; fi
      # after the follower is on its way, not in the stage's time: the script, and the
      # folders of the stages before
      rm -rf "$t" "$@" 2>/dev/null
    ) < /dev/null > /dev/null 2>&1 &
  else
    rm -f "$t"
  fi
fi
echo glcd-following >&2
waited=0 whole=''
nap=2 # hundredths of a second between looks
while :; do
  woken='' done='' flow=''
  if [ -s "$d/code" ]; then done=1; fi
  if [ -e "$d/out" ]; then
    size=0
    # an empty output (a stage that prints nothing) costs no wc
    if [ -s "$d/out" ]; then size=$(($(wc -c < "$d/out"))); fi
    if [ "$size" -gt "$off" ]; then
      # exactly the bytes [off, size), in 64 KiB blocks: dd seeks to a block (no read from the
      # start). The rest of the block of byte OFF (tail drops its start, head stops), then
      # whole blocks straight from dd (a big output takes this way: one process, 64 KiB a
      # write, where head and tail write 4 KiB), then the start of the block of byte SIZE.
      if [ $((off % 65536)) -ne 0 ]; then
        e=$(((off / 65536 + 1) * 65536))
        if [ "$e" -gt "$size" ]; then e=$size; fi
        dd if="$d/out" bs=65536 skip=$((off / 65536)) count=1 2>/dev/null | tail -c +$((off % 65536 + 1)) | head -c $((e - off))
        off=$e
      fi
      if [ $((size - off)) -ge 65536 ]; then
        dd if="$d/out" bs=65536 skip=$((off / 65536)) count=$(((size - off) / 65536)) 2>/dev/null
        off=$((off + (size - off) / 65536 * 65536))
        flow=1 # more than a block came since the last look: look again at once
      fi
      if [ "$size" -gt "$off" ]; then
        dd if="$d/out" bs=65536 skip=$((off / 65536)) count=1 2>/dev/null | head -c $((size - off))
        off=$size
      fi
      nap=5 # output flows: look again soon
    elif [ "$nap" -lt 25 ]; then
      nap=$((nap * 2)) # idle: look less often, down to four times a second
      if [ "$nap" -gt 25 ]; then nap=25; fi
    fi
  elif [ "$waited" -gt 40 ]; then
    echo "glcd: the stage was not started" >&2
    exit 98
  fi
  if [ -n "$done" ]; then
    read -r c o < "$d/code"
    echo "glcd-exit $c $o" >&2
    exit 0
  fi
  if [ -n "$flow" ]; then continue; fi
  # not on the exec's streams, which close when the script has ended
  case $nap in ?) ns=0.0$nap ;; *) ns=0.$nap ;; esac
  # one process; a sleep without fractions (it fails at once) makes it whole seconds from then on
  if [ -n "$whole" ]; then ns=1; fi
  sleep "$ns" >/dev/null 2>&1 & s=$! # (a background command reads /dev/null)
  if [ -z "$woken" ]; then
    wait $s || { [ $? -lt 128 ] && [ -z "$woken" ] && whole=1; }
  fi
  kill $s 2>/dev/null
  waited=$((waited + 1))
done
