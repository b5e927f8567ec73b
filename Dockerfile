# rebound worker image.
#
#   docker build -t rebound .
#   docker run --rm -e TEMPORAL_ADDRESS=host.docker.internal:7233 rebound
#
# Normally built and run by docker-compose.yml (`docker compose up --build`).

# ---- build: install all dependencies and compile TypeScript to dist/ --------
FROM node:20-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so editing source does not invalidate this layer.
COPY package*.json ./
RUN npm ci

COPY . .
RUN npm run build

# ---- runtime: production dependencies + compiled output only ----------------
FROM node:20-bookworm-slim AS runtime

# CA roots for TLS connections to a remote Temporal cluster (e.g. Temporal Cloud).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production
WORKDIR /app

COPY package*.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin

# The official node image ships an unprivileged `node` user.
USER node

CMD ["node", "bin/rebound.js", "worker"]
