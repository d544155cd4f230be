# syntax=docker/dockerfile:1
# Stage 1: dependencies, including hnswlib-node's native build (needs python3, make, g++).
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --omit=dev --no-audit --no-fund

# Stage 2: the default text-embedding model, fetched once at build time so containers start offline.
FROM deps AS models
ARG EMBEDDING_MODEL=Xenova/all-MiniLM-L6-v2
RUN node --input-type=module -e "import { env, pipeline } from '@huggingface/transformers'; env.cacheDir = '/app/data/models'; await pipeline('feature-extraction', process.argv[1], { dtype: 'fp32' });" "$EMBEDDING_MODEL"

# Stage 3: runtime.
FROM node:20-bookworm-slim
ENV NODE_ENV=production MODELS_DIR=/app/data/models
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=models /app/data/models ./data/models
COPY package.json tsconfig.json prisma.config.ts ./
COPY bin ./bin
COPY prisma ./prisma
COPY src ./src
COPY jobs ./jobs
COPY --from=deps /app/src/generated ./src/generated
RUN chown -R node:node /app/data
USER node
ENTRYPOINT ["node", "bin/tastebud.js"]
CMD ["--help"]
