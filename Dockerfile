# syntax=docker/dockerfile:1
# One image for every PulseTrade process (api, analytics, admin, forecast, the eval tool); compose
# picks the entry with `command`. TypeScript runs directly through tsx, so there is no build output.
ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
# pnpm at the version pinned by package.json "packageManager".
RUN corepack enable
WORKDIR /app

# Dependencies from the lockfile alone, so this layer is rebuilt only when the lockfile changes.
FROM base AS deps
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile

FROM deps AS build
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --offline --frozen-lockfile

FROM base AS runtime
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 8001 8002 8003 8004
CMD ["node", "--import", "tsx", "services/api/src/server.ts"]
