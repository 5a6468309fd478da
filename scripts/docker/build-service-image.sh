#!/usr/bin/env bash
# Builds the service's container image from this repository's Dockerfile,
# offline apart from the npm registry (its build stage runs `npm ci` through
# the host's network):
#
#   1. the base images, imported from this machine's node (each rebuilt only
#      when its inputs change): cp-node:20 for the runtime stage
#      (build-node-image.sh) and cp-node-build:20 for the build stage
#      (build-build-image.sh: node, npm, BusyBox, the CA bundle);
#   2. DOCKER_BUILDKIT=0 docker build --network host (Debian's daemon has no
#      BuildKit) with those bases as build arguments.
#
# Usage: scripts/docker/build-service-image.sh [TAG]   (default
# workspace-control-plane:test, or $CP_SERVICE_IMAGE). Talks to DOCKER_HOST
# (default the local socket); start a daemon first (start-dockerd.sh).
# The classic builder's layer cache makes a second build with nothing changed
# take seconds; a change under src/ reruns only the bundle and the prune.
# Exits non-zero with the build's output when the image cannot be built.
set -euo pipefail
cd "$(dirname "$0")/../.."

tag="${1:-${CP_SERVICE_IMAGE:-workspace-control-plane:test}}"
runtime_base="${CP_NODE_IMAGE:-cp-node:20}"
build_base="${CP_BUILD_IMAGE:-cp-node-build:20}"

# One build of this tag at a time: test files and CI may both ask for it.
exec 9>"/tmp/cp-build-service-image.$(echo "$tag" | tr -c 'A-Za-z0-9._-' _).lock"
flock 9

CP_NODE_IMAGE="$runtime_base" bash scripts/docker/build-node-image.sh
CP_BUILD_IMAGE="$build_base" bash scripts/docker/build-build-image.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
# The classic builder's deprecation notice is noise; the output is shown when it fails.
if ! DOCKER_BUILDKIT=0 docker build --network host \
  --build-arg "BUILD_BASE=$build_base" --build-arg "RUNTIME_BASE=$runtime_base" \
  -t "$tag" . >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "build-service-image: $tag could not be built (the output's end is above)" >&2
  exit 1
fi
# The build stage tagged too (every step cached: a moment), so that it is not
# dangling and stays the next build's cache; then the images of earlier
# builds left dangling (the Dockerfile labels both stages) go: with vfs each
# is a full copy of its tree, the build stage's over 1 GB.
stage_tag="${tag%%:*}:build-stage"
if ! DOCKER_BUILDKIT=0 docker build --network host --target build \
  --build-arg "BUILD_BASE=$build_base" --build-arg "RUNTIME_BASE=$runtime_base" \
  -t "$stage_tag" . >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "build-service-image: could not tag the build stage as $stage_tag" >&2
  exit 1
fi
docker image prune --force --filter "label=org.opencontainers.image.title=workspace-control-plane" >/dev/null 2>&1 || true
size="$(docker image inspect --format '{{.Size}}' "$tag")"
echo "build-service-image: built $tag in $(($(date +%s) - start)) s ($((size / 1000000)) MB)"
