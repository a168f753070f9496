# keda-prometheus-scaler image: build with the full toolchain, run on a distroless Node.js 24 base
# (Node 20 reached end of life on 2026-04-30) with production dependencies only, as a non-root
# user, with no shell.
#   docker build -t keda-prometheus-scaler:0.1.0 .
#   docker run --rm -p 6000:6000 -p 8080:8080 keda-prometheus-scaler:0.1.0 serve --prometheus-url http://prometheus:9090
# The build stages use node by its full version tag, the same version as .nvmrc (the Node the tests
# run on). Distroless publishes no version tags: the run stage is pinned by its tag, nodejs24 on
# Debian 12 (the build stages' glibc), because no registry is reachable where this file was written
# and a digest is written here only once it has been seen. To pin it, print the digest with
#   docker buildx imagetools inspect gcr.io/distroless/nodejs24-debian12:nonroot --format '{{json .Manifest.Digest}}'
# and append it to the FROM line as `@sha256:<digest>`.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- build: compile TypeScript -------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY src ./src
COPY scripts ./scripts
COPY bench ./bench
COPY test/helpers/fixtures.ts ./test/helpers/fixtures.ts
# tsc, then esbuild's bundle of the CLI (dist/bundle/, scripts/bundle.ts), which the image runs.
# compile-cache/ is an empty directory for the run stage's compile cache, owned by its user.
RUN npm run build && mkdir compile-cache

# --- deps: production node_modules only ----------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- run: no shell, no package manager, uid 65532 (deploy/base runs as 65532 too) -----------
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# Node's module compile cache (https://nodejs.org/api/module.html#module-compile-cache): V8's
# compiled code of the bundle, kept in the image so that a new pod skips most of compiling it.
ENV NODE_COMPILE_CACHE=/app/compile-cache
# node_modules: the cloud SDKs a source's `auth` loads, and @grpc/reflection's .proto files.
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/bundle ./dist/bundle
COPY --from=build --chown=65532:65532 /src/compile-cache ./compile-cache
COPY proto ./proto
COPY package.json ./
USER 65532:65532
# Fills the compile cache with this stage's own Node, the one that reads it (a cache written by
# another Node version is ignored). Exec form: distroless has no shell. At run time the root file
# system is read-only (deploy/): the cache is read, and whatever Node cannot write back is skipped.
RUN ["/nodejs/bin/node", "dist/bundle/main.js", "--version"]
EXPOSE 6000 8080
# The distroless entrypoint is node itself; `serve` is the README's entry point. dist/bundle/main.js
# is the esbuild bundle of dist/src/main.js: the same commands, a faster start.
ENTRYPOINT ["/nodejs/bin/node", "dist/bundle/main.js"]
CMD ["serve"]
