#!/usr/bin/env bash
# `make down`: stop what `make up` started, and make sure nothing of it is left.
#
#   scripts/down.sh [--stack ID] [--quiet]
#
# `make up` runs honcho in a session of its own (pid in var/run/honcho.pid) and gives every process
# it starts the marker FIELDBOOK_STACK=<the var directory> in its environment. Stopping is:
#   1. SIGTERM to honcho's process group; honcho passes it on to each process type and SIGKILLs
#      what has not stopped after a few seconds; wait for honcho to exit (with a deadline);
#   2. whatever process still carries our marker (a gunicorn worker, a worker process orphaned by
#      a crashed honcho) gets SIGTERM, then SIGKILL. Only processes with our marker are touched.
# `--stack ID` stops the processes marked FIELDBOOK_STACK=ID instead (the e2e run of `make test`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR=$(realpath -m "${FIELDBOOK_VAR:-$ROOT/var}")

stack=$VAR
quiet=0
own_stack=1
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack=${2:?--stack needs a value}; own_stack=0; shift 2 ;;
    --quiet) quiet=1; shift ;;
    *) echo "usage: $0 [--stack ID] [--quiet]" >&2; exit 2 ;;
  esac
done
unset FIELDBOOK_STACK  # never mark this script's own children

say() { [ "$quiet" -eq 1 ] || printf '%s\n' "$*"; }

# Pids of live processes whose environment carries FIELDBOOK_STACK=$stack (not this script).
marked_pids() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" = "$$" ] && continue
    if { tr '\0' '\n' <"$dir/environ"; } 2>/dev/null | grep -qxF "FIELDBOOK_STACK=$stack"; then
      echo "$pid"
    fi
  done
}

# Alive = exists and is not a zombie (an orphan's zombie may linger where no init reaps it).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != "Z" ]
}

# Wait until none of the given pids is alive, or the deadline (seconds) passes; 0 when all gone.
wait_gone() {
  local deadline=$((SECONDS + $1)) pid left
  shift
  while :; do
    left=0
    for pid in "$@"; do alive "$pid" && left=1; done
    [ $left -eq 0 ] && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

stopped_something=0

# 1. honcho, through its pid file
if [ $own_stack -eq 1 ]; then
  pidfile="$VAR/run/honcho.pid"
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && alive "$pid" && [[ " $(marked_pids | tr '\n' ' ') " == *" $pid "* ]]; then
      say "==> stopping Fieldbook (honcho, pid $pid)"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      stopped_something=1
      if ! wait_gone 30 "$pid"; then
        say "    honcho did not exit within 30 s: killing it"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$pidfile"
  fi
fi

# 2. anything else that carries our marker
mapfile -t left < <(marked_pids)
if [ ${#left[@]} -gt 0 ]; then
  say "==> stopping ${#left[@]} leftover process(es) of stack $stack: ${left[*]}"
  stopped_something=1
  kill -TERM "${left[@]}" 2>/dev/null || true
  if ! wait_gone 15 "${left[@]}"; then
    mapfile -t left < <(marked_pids)
    if [ ${#left[@]} -gt 0 ]; then
      say "    still running after 15 s, killing: ${left[*]}"
      kill -KILL "${left[@]}" 2>/dev/null || true
      wait_gone 5 "${left[@]}" || true
    fi
  fi
fi

mapfile -t left < <(marked_pids)
if [ ${#left[@]} -gt 0 ]; then
  echo "error: could not stop these processes of stack $stack: ${left[*]}" >&2
  exit 1
fi
if [ $stopped_something -eq 1 ]; then
  say "==> stopped"
elif [ $own_stack -eq 1 ]; then
  say "==> Fieldbook is not running (nothing to stop)"
fi
