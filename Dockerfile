# Ordo in a container: one image for every role (worker today; the HTTP server and the
# scheduler later), chosen by the command. Point it at PostgreSQL with DATABASE_URL.
#
#   docker build -t ordo .
#   docker run --rm -e DATABASE_URL=postgres://user:pass@db:5432/ordo ordo worker --queues high,default,low

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# `npm ci` runs the `prepare` script, which builds src/ into dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY examples ./examples
COPY ordo.config.json ./
RUN ln -s /app/bin/ordo.js /usr/local/bin/ordo
USER node
# SIGTERM reaches node directly (no shell in between), so workers drain and release their
# jobs when the container stops; keep `stop_grace_period` above the worker's --grace.
ENTRYPOINT ["node", "bin/ordo.js"]
CMD ["worker"]
