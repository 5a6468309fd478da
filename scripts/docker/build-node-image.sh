#!/usr/bin/env bash
# Builds, offline, the images the Docker backend's tests run (no registry is
# reachable on these machines):
#
#   cp-node:20   this machine's node binary, the libraries ldd lists for it
#                and the dynamic loader, at the same paths (docker import)
#   cp-agent     FROM cp-node:20 with AGENT_FILE as /agent.mjs, run as
#                `node /agent.mjs` (only when AGENT_FILE is given)
#
# Usage: scripts/docker/build-node-image.sh [AGENT_FILE]
# Talks to DOCKER_HOST (default the local socket) through the docker CLI.
# Idempotent: each image carries a fingerprint label of what went into it
# and is rebuilt only when that changes, so a second run takes a moment.
set -euo pipefail

node_image="${CP_NODE_IMAGE:-cp-node:20}"
agent_image="${CP_AGENT_IMAGE:-cp-agent:latest}"
agent_file="${1:-}"
label=dev.workspace-control-plane.fingerprint

# One build at a time: test files run in parallel and each may call this.
exec 9>/tmp/cp-build-node-image.lock
flock 9

fingerprint_of() { docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }

node_bin="$(readlink -f "$(command -v node)")"
libs="$(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u)"
# layout-2: the root directory is 0755 (it was mktemp's 0700, which a non-root user cannot search).
node_fp="$( (echo layout-2; sha256sum "$node_bin"; for l in $libs; do sha256sum "$(readlink -f "$l")"; done) | sha256sum | cut -c1-16)"

if [ "$(fingerprint_of "$node_image")" = "$node_fp" ]; then
  echo "build-node-image: $node_image is current"
else
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  # The tarball's root becomes the image's /: searchable by every user (images run as non-root too).
  chmod 0755 "$root"
  mkdir -p "$root/tmp" "$root/usr/bin"
  chmod 1777 "$root/tmp"
  cp "$node_bin" "$root/usr/bin/node"
  for l in $libs; do
    # -L: the file itself at the path the loader looks for, not a dangling link.
    cp -L --parents "$l" "$root"
  done
  tar -C "$root" -c . | docker import \
    --change "LABEL $label=$node_fp" \
    --change 'CMD ["/usr/bin/node"]' \
    - "$node_image" >/dev/null
  rm -rf "$root"
  trap - EXIT
  echo "build-node-image: built $node_image ($("$node_bin" --version))"
fi

[ -n "$agent_file" ] || exit 0
[ -f "$agent_file" ] || { echo "build-node-image: no agent file at $agent_file" >&2; exit 1; }

agent_fp="$( (docker image inspect --format '{{.Id}}' "$node_image"; sha256sum <"$agent_file") | sha256sum | cut -c1-16)"
if [ "$(fingerprint_of "$agent_image")" = "$agent_fp" ]; then
  echo "build-node-image: $agent_image is current"
  exit 0
fi
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp "$agent_file" "$ctx/agent.mjs"
cat >"$ctx/Dockerfile" <<DOCKERFILE
ARG BASE
FROM \$BASE
COPY agent.mjs /agent.mjs
LABEL $label=$agent_fp
CMD ["/usr/bin/node", "/agent.mjs"]
DOCKERFILE
# The classic builder: BuildKit is not part of Debian's daemon package.
# Its deprecation notice is noise; its output is shown when it fails.
if ! out="$(DOCKER_BUILDKIT=0 docker build --quiet --build-arg "BASE=$node_image" -t "$agent_image" "$ctx" 2>&1)"; then
  echo "$out" >&2
  exit 1
fi
echo "build-node-image: built $agent_image from $agent_file"
