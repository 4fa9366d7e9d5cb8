# syntax=docker/dockerfile:1
# Airlock container image (docs/deployment.md "Container image").
#   docker build -t airlock:0.1.0 .
#   docker run --read-only -p 8080:8080 -v /etc/airlock:/etc/airlock:ro -v airlock-data:/var/lib/airlock \
#     -e AIRLOCK_CLIENT_SECRET=... airlock:0.1.0
# Build stage: compiles src/ to dist/ and keeps production dependencies only (better-sqlite3 is a native addon,
# built here against the same Debian release the runtime image uses).
ARG NODE_MAJOR=20

FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf src

# Runtime stage: distroless Node.js (no shell, no package manager), non-root, works with a read-only root
# filesystem: the only writable path Airlock needs is the SQLite store's directory (a volume), or none with
# PostgreSQL.
FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    AIRLOCK_CONFIG=/etc/airlock/airlock.yaml
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY bin/airlock.js ./bin/airlock.js
USER 65532:65532
EXPOSE 8080
VOLUME ["/var/lib/airlock"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/bin/airlock.js", "probe", "--url", "http://127.0.0.1:8080/.airlock/healthz"]
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/airlock.js"]
CMD ["serve"]
