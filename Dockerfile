# rebound worker base image: rebound, its production dependencies and the `rebound` CLI.
# A team extends it with its own job module and names it in REBOUND_JOBS:
#
#   FROM rebound
#   COPY --chown=node dist/jobs/ /app/jobs/        # your compiled job module (and its node_modules, if any)
#   ENV REBOUND_JOBS=/app/jobs/index.js
#
# Inside the image `require('rebound')` resolves to this copy of rebound from anywhere under /app.
# Without REBOUND_JOBS the worker refuses to start; REBOUND_JOBS=rebound/examples runs the examples.
#
#   docker build -t rebound .
#   docker run --rm -e TEMPORAL_ADDRESS=host.docker.internal:7233 -e REBOUND_JOBS=rebound/examples rebound
#
# docker-compose.yml builds and runs it (`docker compose up --build`).

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
# So that a job module copied anywhere under /app finds rebound by its name.
RUN ln -s /app /app/node_modules/rebound

# The official node image ships an unprivileged `node` user.
USER node

CMD ["node", "bin/rebound.js", "worker"]
