# aibridge-migrate as a container image: the single executable as the entrypoint.
#
#   docker build -t aibridge-migrate:0.1.0 .
#   docker run --rm -e DATABASE_URL=postgres://… aibridge-migrate:0.1.0 apply
#
# Not built by this project's CI, which has no container runtime. What CI does test is the
# binary this image runs: scripts/check-release.ts runs it with no Node on PATH and as PID 1 of
# a new PID namespace (as this entrypoint runs), sends SIGTERM mid-backfill, and checks that it
# exits 143 with the run checkpointed.

# Build: the release artifacts from the source. The single executable is built on the Node LTS
# pinned in scripts/release/node-lts.ts (fetched from the npm registry), not on this image's.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --strict-allow-scripts
COPY . .
RUN npm run release && cd release && sha256sum --check SHA256SUMS

# Run: glibc and libstdc++ (Node's Linux build needs them), no shell, no package manager, and a
# non-root user (65532). /tmp is writable: up and apply list their embedded migrations from a
# temporary directory there (with a read-only root filesystem, mount an emptyDir at /tmp).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build --chmod=0555 /src/release/aibridge-migrate-linux-x64 /usr/local/bin/aibridge-migrate
USER 65532:65532
# The process is PID 1: SIGTERM reaches aibridge-migrate's own handler (the backfill stops after
# its current batch, checkpointed, exit 143); no shell sits in between to swallow it.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/aibridge-migrate"]
CMD ["--help"]
