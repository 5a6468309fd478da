# The service's container image (SPEC 11): `node dist/main.js` as uid 10001
# on a read-only root filesystem, the embedded database (when DATABASE_URL is
# unset) and its generated key in the /data volume, and the migrate-only step
# as `docker run IMAGE node dist/migrate.js`.
#
# Base images are arguments: no registry is reachable on these machines, so
# scripts/docker/build-service-image.sh imports both from this machine's node
# first (build-build-image.sh, build-node-image.sh) and runs
#   DOCKER_BUILDKIT=0 docker build --network host -t workspace-control-plane:test .
# Where images can be pulled, node:20-bookworm-slim serves as both bases.
# Written for the classic builder (Debian's daemon has no BuildKit): no
# BuildKit-only syntax.
ARG BUILD_BASE=cp-node-build:20
ARG RUNTIME_BASE=cp-node:20

FROM ${BUILD_BASE} AS build
# The same title as the image: build-service-image.sh prunes this stage's
# dangling images by it (with vfs each one is a full copy, over 1 GB).
LABEL org.opencontainers.image.title="workspace-control-plane"
WORKDIR /app
# Dependencies alone first: this layer is reused until the lock file changes.
# --ignore-scripts: the dependencies' own install scripts are not run (npm 11
# does not run them unapproved anyway); the project's postinstall runs below,
# once the sources it needs are here.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# The sources (.dockerignore lets only what the build needs through).
COPY . .
# What `npm ci` runs as postinstall (prisma generate, then the esbuild bundle
# into dist/), then the dev dependencies go, and so do the three runtime
# dependencies that only build or run TypeScript (prisma's CLI, tsx,
# esbuild: about 200 MB with what they pull in); the image runs dist/ only. The pruned tree is checked here,
# where a shell is: every module dist/main.js imports loads (a bad setting is
# reported only after the imports succeeded), and dist/migrate.js migrates
# an embedded database from scratch. /out is the runtime stage's tree, copied
# in one step: package.json ("type": "module"), node_modules, dist, the
# migrations, /etc/passwd naming uid 10001, and /data owned by it (a new named
# volume mounted there takes that owner).
RUN set -e; \
    npm run postinstall; \
    npm prune --omit=dev --ignore-scripts --no-audit --no-fund; \
    npm uninstall --no-save --omit=dev --ignore-scripts --no-audit --no-fund prisma tsx esbuild; \
    out="$(PORT=not-a-port node dist/main.js 2>&1 || true)"; \
    case "$out" in *"PORT:"*) ;; *) echo "dist/main.js does not load on the pruned tree: $out" >&2; exit 1 ;; esac; \
    DATA_DIR=/tmp/migrate-check node dist/migrate.js | grep -q '"applied":\["'; \
    rm -rf /tmp/migrate-check; \
    mkdir -p /out/app/prisma /out/etc /out/data; \
    mv package.json node_modules dist /out/app/; \
    mv prisma/migrations /out/app/prisma/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001:workspace-control-plane:/data:/sbin/nologin\n' >/out/etc/passwd; \
    printf 'root:x:0:\napp:x:10001:\n' >/out/etc/group; \
    chown 10001:10001 /out/data; \
    chmod 0700 /out/data

# No shell, no npm: node, its libraries and the loader (cp-node:20 here).
FROM ${RUNTIME_BASE}
# Everything but the one COPY comes first: with the vfs storage driver each
# step after it would copy node_modules once more.
LABEL org.opencontainers.image.title="workspace-control-plane" \
      org.opencontainers.image.description="Control plane for AI-agent workspaces (GraphQL API)"
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
USER 10001:10001
EXPOSE 4000
CMD ["node", "--enable-source-maps", "--min-semi-space-size=8", "dist/main.js"]
# Owned by root, so read-only to the service even on a writable root; only
# /data is its own.
COPY --from=build /out/ /
