#!/usr/bin/env bash
# Makes sure a Docker daemon answers on DOCKER_HOST's unix socket (default
# /var/run/docker.sock), for the Docker backend's tests and for local use.
#
# - The socket answers: nothing to do (whoever started that daemon owns it).
# - dockerd is missing: installs Debian's docker.io (needs root and apt).
# - Otherwise starts dockerd in the background with the flags this kind of
#   sandbox allows (no iptables, no bridge, vfs storage), logging to
#   $DOCKERD_LOG, and waits until it answers. Its pid is written to
#   $DOCKERD_PIDFILE: the only daemon a script or test of this project may stop.
#   DOCKERD_DATA_ROOT and DOCKERD_EXEC_ROOT give a second daemon its own
#   folders (the tests start one of their own that they may stop).
#
# Exits non-zero, saying why, when no daemon can be had; callers that can do
# without (the tests skip, CI goes on) decide what that means.
set -euo pipefail

host="${DOCKER_HOST:-unix:///var/run/docker.sock}"
case "$host" in
  unix://*) sock="${host#unix://}" ;;
  *) echo "start-dockerd: DOCKER_HOST=$host is not a unix socket; start that daemon yourself" >&2; exit 1 ;;
esac
log="${DOCKERD_LOG:-/tmp/cp-dockerd.log}"
pidfile="${DOCKERD_PIDFILE:-/tmp/cp-dockerd.pid}"
wait_seconds="${DOCKERD_WAIT_SECONDS:-60}"

# One start at a time: test files run in parallel and each may call this.
exec 9>"$pidfile.lock"
flock 9

# Asks the engine's /_ping over the socket (node is always here; curl may not be).
answers() {
  [ -S "$sock" ] || return 1
  node -e '
    const req = require("node:http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (res) => {
      res.resume();
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => process.exit(1));
  ' "$sock"
}

if answers; then
  echo "start-dockerd: a daemon already answers on $sock"
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "start-dockerd: dockerd is not installed and cannot be (needs root and apt-get: docker.io)" >&2
    exit 1
  fi
  # One install at a time, whichever daemon each caller wants.
  (
    flock 8
    command -v dockerd >/dev/null && exit 0
    echo "start-dockerd: installing docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  ) 8>/tmp/cp-dockerd-install.lock
fi

if [ "$(id -u)" != 0 ]; then
  echo "start-dockerd: no daemon answers on $sock and starting one needs root" >&2
  exit 1
fi

mkdir -p "$(dirname "$sock")"
# A pid file left by a daemon that was killed (its pid perhaps reused since) would stop dockerd.
if [ -f "$pidfile.dockerd" ] && ! grep -qs dockerd "/proc/$(cat "$pidfile.dockerd")/cmdline"; then
  rm -f "$pidfile.dockerd"
fi
# Our own pid file, not dockerd's default /var/run/docker.pid: a stale one
# from an earlier machine run must not stop this start.
# A second daemon beside the machine's (the tests' own) needs roots of its own.
roots=()
[ -z "${DOCKERD_DATA_ROOT:-}" ] || roots+=(--data-root "$DOCKERD_DATA_ROOT")
[ -z "${DOCKERD_EXEC_ROOT:-}" ] || roots+=(--exec-root "$DOCKERD_EXEC_ROOT")
# 9>&-: the daemon must not inherit, and so hold for ever, the start lock.
setsid dockerd --host "unix://$sock" --pidfile "$pidfile.dockerd" "${roots[@]}" \
  --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
  >>"$log" 2>&1 </dev/null 9>&- &
pid=$!
echo "$pid" >"$pidfile"

for _ in $(seq 1 $((wait_seconds * 4))); do
  if answers; then
    echo "start-dockerd: dockerd (pid $pid) answers on $sock; log in $log"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-dockerd: dockerd exited while starting; the end of $log:" >&2
    tail -n 20 "$log" >&2
    rm -f "$pidfile"
    exit 1
  fi
  sleep 0.25
done
echo "start-dockerd: dockerd (pid $pid) did not answer within ${wait_seconds}s; the end of $log:" >&2
tail -n 20 "$log" >&2
exit 1
