# keda-prometheus-scaler image: build with the full toolchain, run on a distroless Node 20 base
# with production dependencies only, as a non-root user, with no shell.
#   docker build -t keda-prometheus-scaler:0.1.0 .
#   docker run --rm -p 6000:6000 -p 8080:8080 keda-prometheus-scaler:0.1.0 serve --prometheus-url http://prometheus:9090
# Base images are pinned exactly, so a rebuild gets the same bases: node by its full version tag,
# distroless (which publishes no version tags) by digest. To move them, change NODE_IMAGE's version
# and take the digest that `docker buildx imagetools inspect gcr.io/distroless/nodejs20-debian12:nonroot`
# prints.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

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
FROM gcr.io/distroless/nodejs20-debian12:nonroot@sha256:2cd820156cf039c8b54ae2d2a97e424b6729070714de8707a6b79f20d56f6a9a
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
