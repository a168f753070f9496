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
RUN npm run build

# --- deps: production node_modules only ----------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- run: no shell, no package manager, uid 65532 (deploy/base runs as 65532 too) -----------
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY proto ./proto
COPY package.json ./
USER 65532:65532
EXPOSE 6000 8080
# The distroless entrypoint is node itself; `serve` is the README's entry point.
ENTRYPOINT ["/nodejs/bin/node", "dist/src/main.js"]
CMD ["serve"]
