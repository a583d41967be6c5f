# syntax=docker/dockerfile:1
# lvs-chatops for production: one image, two commands (`bot` and `worker`), run by
# docker-compose.yml. Build: docker build -t lvs-chatops .

# Build stage: the TypeScript compiler and dev dependencies stay here.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# Runtime stage. No openssh-client: ssh2 speaks SSH itself, and host keys are pinned in the
# inventory, not in a known_hosts file. ssh2's optional native crypto binding cannot build
# without a compiler here; ssh2 says so at install and uses Node's crypto instead.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY bin ./bin
# The scripts for the cluster's hosts (mon's slack.alert, keepalived's notify.sh), to copy out
# with `docker compose cp`, and the commented example inventory.
COPY contrib ./contrib
COPY examples ./examples

# The inventory and the SSH key are mounted read-only here (docker-compose.yml).
ENV LVS_INVENTORY=/etc/lvs-chatops/inventory.yml
# The image's unprivileged user (uid 1000): the mounted key must be readable by it.
USER node
EXPOSE 3000
ENTRYPOINT ["node", "bin/lvs-chatops.js"]
CMD ["bot"]
