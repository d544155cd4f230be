# syntax=docker/dockerfile:1
# Stage dev: the sources and tests on every dependency, dev ones included. `npm ci` compiles hnswlib-node with
# node-gyp (node:20-bookworm carries python3, make and g++), generates the Prisma client and, through
# `prepare`, builds dist/ (so it needs the sources first). `docker compose --profile test run --rm test` runs
# the suite here; the compose test needs docker-compose (it only validates the file), the try test tmux, the
# dashboard test Debian's chromium (driven by playwright-core).
FROM node:20-bookworm AS dev
RUN apt-get update \
  && apt-get install -y --no-install-recommends docker-compose tmux chromium \
  && rm -rf /var/lib/apt/lists/*
# Node 20's own npm (10) ignores package.json's allowScripts and would run every install script.
RUN npm install -g npm@11.19.1 --no-audit --no-fund
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
CMD ["npm", "test"]

# Stage build: the compiled code (dist/) and production dependencies only.
FROM dev AS build
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Stage models: the default text-embedding model, fetched once at build time so containers start offline.
FROM build AS models
ARG EMBEDDING_MODEL=Xenova/all-MiniLM-L6-v2
RUN node --input-type=module -e "import { env, pipeline } from '@huggingface/transformers'; env.cacheDir = '/app/data/models'; await pipeline('feature-extraction', process.argv[1], { dtype: 'fp32' });" "$EMBEDDING_MODEL"

# Stage production (the default): runs the compiled CLI with plain node, no TypeScript at start.
FROM node:20-bookworm-slim AS production
ENV NODE_ENV=production MODELS_DIR=/app/data/models
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/prisma ./prisma
COPY --from=models /app/data/models ./data/models
RUN chown -R node:node /app/data
USER node
ENTRYPOINT ["node", "bin/tastebud.js"]
CMD ["--help"]
