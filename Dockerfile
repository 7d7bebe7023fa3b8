# Freezer Manager: multi-stage image. Build: docker build -t freezer-manager:0.1.0 .
# Stages: build (dev dependencies, compiles dist/ and the web app) → deps (production dependencies only,
# native modules compiled here) → runtime (no compiler, no dev dependency, non-root).

# ---- build: TypeScript → dist/ (and the web app, when `npm run build` builds it) ----
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- deps: production dependencies only (better-sqlite3 compiles against this image's Node) ----
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
# Code and dependencies belong to root: the service's user can read them, not change them.
COPY --chown=root:root --from=deps /app/node_modules ./node_modules
COPY --chown=root:root --from=build /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# Liveness over plain HTTP on the container's port (TLS is the proxy's job in containers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (graceful stop: in-flight requests finish).
STOPSIGNAL SIGTERM
CMD ["node", "bin/freezer-manager.js", "serve"]
