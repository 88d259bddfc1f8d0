# stage.sh DIR LENGTH OFFSET CONTAINER NEED_HELPER, run by `sh -c` in a job container, with
# the stage's script on stdin: glcd executor's way to run one stage so that it survives a
# broken connection. The first call starts the script detached (its output to DIR/out, its exit
# code and the container's OOM-kill count to DIR/code); every call, the first and those after a
# reconnect, says "glcd-following" on stderr, prints DIR/out from byte OFFSET on stdout as it
# grows, and once the script has ended "glcd-exit CODE OOMKILLS" on stderr. Only sh and tail, head, wc are needed.
d=$1 n=$2 off=$3 container=$4 needhelper=$5
for t in tail head wc dd; do
  command -v "$t" >/dev/null 2>&1 || { echo "glcd-notools $t" >&2; exit 95; }
done
oomkills() {
  for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
    if [ -r "$f" ]; then
      while read -r k v; do if [ "$k" = oom_kill ]; then echo "$v"; return; fi; done < "$f"
    fi
  done
  echo 0
}
mkdir -p "$d" || exit 97
# the follower's PID first: the script may end before the follower loop begins
echo $$ > "$d/follower"
trap 'woken=1' USR1
if [ -e "$d/out" ]; then
  cat > /dev/null # a reconnect: the script runs already
else
  t="$d/script.$$"
  (umask 077; cat > "$t")
  # only a complete script is started, and only once: mkdir is the lock
  if [ "$(wc -c < "$t")" -eq "$n" ] && mkdir "$d/lock" 2>/dev/null; then
    # the stages before this one are over: their folders go
    for old in "$(dirname "$d")"/*; do [ "$old" = "$d" ] || [ "$old" = "$(dirname "$d")/bin" ] || rm -rf "$old" 2>/dev/null; done
    mv "$t" "$d/script"
    if [ "$container" = helper ]; then
      # the checkout and the restored cache writable by a build image's non-root user, as
      # GitLab's Kubernetes executor runs its helper (umask 0000 unless FF_DISABLE_UMASK_...)
      umask 0000
      # GitLab's helper image has gitlab-runner-helper; the runner's scripts call gitlab-runner
      if ! command -v gitlab-runner >/dev/null 2>&1 && h=$(command -v gitlab-runner-helper); then
        mkdir -p "$(dirname "$d")/bin" && ln -sf "$h" "$(dirname "$d")/bin/gitlab-runner"
      fi
      PATH="$(dirname "$d")/bin:$PATH"
      export PATH
      if [ "$needhelper" = 1 ] && ! command -v gitlab-runner >/dev/null 2>&1; then
        rm -rf "$d"
        exit 94
      fi
    fi
    sh=sh
    if command -v bash >/dev/null 2>&1; then sh=bash; fi
    : > "$d/out"
    (
      trap '' HUP
      o=$(oomkills)
      "$sh" "$d/script" < /dev/null >> "$d/out" 2>&1 &
      echo $! > "$d/pid"
      wait $!
      c=$?
      rm -f "$d/script"
      echo "$c $(($(oomkills) - o))" > "$d/code"
      # wake the follower, if it is still the one (a PID can be reused)
      f=$(cat "$d/follower" 2>/dev/null)
      case "$(tr '\0' ' ' < "/proc/$f/cmdline" 2>/dev/null)" in *glcd-stage*) kill -USR1 "$f" 2>/dev/null ;; esac
    ) < /dev/null > /dev/null 2>&1 &
  else
    rm -f "$t"
  fi
fi
echo glcd-following >&2
waited=0
nap=2 # hundredths of a second between looks
while :; do
  woken= done=
  if [ -s "$d/code" ]; then done=1; fi
  if [ -e "$d/out" ]; then
    size=$(($(wc -c < "$d/out")))
    if [ "$size" -gt "$off" ]; then
      # dd seeks to the block of byte OFF (no read from the start), tail drops the rest of
      # that block, head stops at the size seen: exactly the bytes [off, size)
      dd if="$d/out" bs=65536 skip=$((off / 65536)) 2>/dev/null | tail -c +$((off % 65536 + 1)) | head -c $((size - off))
      off=$size
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
  # not on the exec's streams, which close when the script has ended
  (sleep "0.$(printf %02d "$nap")" || sleep 1) </dev/null >/dev/null 2>&1 & s=$!
  [ -n "$woken" ] || wait $s
  kill $s 2>/dev/null
  waited=$((waited + 1))
done
