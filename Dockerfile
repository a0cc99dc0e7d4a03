# One image for every PulseTrade process (api, analytics, admin, forecast, migrate, the eval tool);
# compose picks the entry with `command`. The runtime stage holds compiled JavaScript (esbuild
# bundles from scripts/build-dist.ts, third-party code included) and the files it reads: no
# node_modules, so no dev dependency (vitest, eslint, typescript, tsx) can be in it.
#
# Builds with the legacy builder (docker-compose 1.29) and with BuildKit, offline from container
# registries once the base images are present: no `# syntax=` line, no RUN --mount, no heredocs.
ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS build
# Unset (the default), corepack verifies the npm signature of the pnpm it downloads. `0` turns the
# check off, for a registry mirror that strips signatures; pass it only there
# (`--build-arg COREPACK_INTEGRITY_KEYS=0`, or COREPACK_INTEGRITY_KEYS=0 in the environment of
# `make compose-up`). An empty value is treated as unset here, although corepack reads it as "off".
ARG COREPACK_INTEGRITY_KEYS
ENV CI=true COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_HOME=/corepack PNPM_HOME=/pnpm PATH=/pnpm:$PATH
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# pnpm at the version pinned by package.json "packageManager", then every package of the lockfile
# into the store: these layers are rebuilt only when the lockfile or the manifest changes.
RUN if [ -z "${COREPACK_INTEGRITY_KEYS:-}" ]; then unset COREPACK_INTEGRITY_KEYS; fi \
 && corepack enable pnpm && corepack install && pnpm --version \
 && pnpm fetch --frozen-lockfile
COPY . .
RUN pnpm install --offline --frozen-lockfile \
 && node --import tsx scripts/build-dist.ts --out /out

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the user the processes run as.
COPY --from=build /out /app
USER node
EXPOSE 8001 8002 8003 8004
CMD ["node", "--enable-source-maps", "dist/api.mjs"]
