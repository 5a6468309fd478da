#!/usr/bin/env bash
# Builds, offline, the base of the service image's build stage (no registry
# is reachable on these machines, so nothing can be pulled):
#
#   cp-node-build:20   cp-node:20's contents (this machine's node, its ldd
#                      libraries and the loader) plus npm (this machine's
#                      /usr/lib/node_modules/npm), a POSIX shell and the usual
#                      tools as BusyBox applets (npm runs scripts with sh;
#                      `env` for npm's shebang), and this machine's CA bundle
#                      (the npm registry is reached through a TLS-inspecting
#                      egress proxy here) named in npm's global config.
#
# Only the build stage runs on it: the runtime stage is FROM cp-node:20 (no
# shell, no npm; scripts/docker/build-node-image.sh). `docker build --network
# host` then lets the build stage's `npm ci` reach the registry.
#
# Usage: scripts/docker/build-build-image.sh
# Needs BusyBox: a static busybox on PATH or at /bin/busybox; installed from
# Debian's busybox-static when missing (root and apt-get). Idempotent: the
# image carries a fingerprint label of what went into it and is rebuilt only
# when that changes, so a second run takes a moment.
set -euo pipefail

image="${CP_BUILD_IMAGE:-cp-node-build:20}"
label=dev.workspace-control-plane.fingerprint

exec 9>/tmp/cp-build-build-image.lock
flock 9

fingerprint_of() { docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }

# A static BusyBox: a dynamically linked one would need libraries of its own.
find_busybox() {
  for b in "$(command -v busybox 2>/dev/null || true)" /bin/busybox /usr/bin/busybox; do
    [ -n "$b" ] && [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1 && { readlink -f "$b"; return 0; }
  done
  return 1
}
if ! busybox="$(find_busybox)"; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "build-build-image: no static busybox and it cannot be installed (needs root and apt-get: busybox-static)" >&2
    exit 1
  fi
  echo "build-build-image: installing busybox-static"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null; }
  busybox="$(find_busybox)" || { echo "build-build-image: busybox-static installed but no static busybox found" >&2; exit 1; }
fi

node_bin="$(readlink -f "$(command -v node)")"
libs="$(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u)"
# npm is node_modules/npm/bin/npm-cli.js behind a link on PATH.
npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
[ -f "$npm_dir/package.json" ] || { echo "build-build-image: npm not found beside $(command -v npm)" >&2; exit 1; }
cafile=/etc/ssl/certs/ca-certificates.crt

# The inputs, and this script itself (a change to what it lays out is a change too).
fp="$( (
  sha256sum "$node_bin" "$busybox" "$0"
  for l in $libs; do sha256sum "$(readlink -f "$l")"; done
  [ ! -f "$cafile" ] || sha256sum "$cafile"
  tar -C "$npm_dir" -c --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner . | sha256sum
) | sha256sum | cut -c1-16)"

if [ "$(fingerprint_of "$image")" = "$fp" ]; then
  echo "build-build-image: $image is current"
  exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
mkdir -p "$root/tmp" "$root/root" "$root/bin" "$root/usr/bin" "$root/usr/etc" "$root/usr/lib/node_modules" "$root/etc/ssl/certs"
chmod 1777 "$root/tmp"
cp "$node_bin" "$root/usr/bin/node"
for l in $libs; do cp -L --parents "$l" "$root"; done
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s /bin/busybox "$root/usr/bin/env"
[ ! -f "$cafile" ] || cp "$cafile" "$root$cafile"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
# npm's global config ({prefix}/etc/npmrc, prefix /usr): the machine's CA bundle, no chatter.
{
  [ ! -f "$cafile" ] || echo "cafile=$cafile"
  printf 'update-notifier=false\nfund=false\naudit=false\n'
} >"$root/usr/etc/npmrc"

ca_env=()
[ ! -f "$cafile" ] || ca_env=(--change "ENV NODE_EXTRA_CA_CERTS=$cafile")
tar -C "$root" -c . | docker import \
  --change "LABEL $label=$fp" \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root' \
  "${ca_env[@]}" \
  --change 'CMD ["/bin/sh"]' \
  - "$image" >/dev/null
echo "build-build-image: built $image (node $("$node_bin" --version), npm $(node -p "require('$npm_dir/package.json').version"), $("$busybox" | head -n 1 | cut -d' ' -f1-2))"
