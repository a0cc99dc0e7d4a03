# One image for every PulseTrade process (api, analytics, admin, forecast, migrate, the eval tool);
# compose picks the entry with `command`. The runtime stage holds compiled JavaScript (esbuild
# bundles from scripts/build-dist.ts, third-party code included) and the files it reads: no
# node_modules, so no dev dependency (vitest, eslint, typescript, tsx) can be in it.
#
# Builds with the legacy builder (docker-compose 1.29) and with BuildKit, offline from container
# registries once the base images are present: no `# syntax=` line, no RUN --mount, no heredocs.
ARG NODE_VERSION=20.19

# The package manifests and the lockfile alone, so that the install below is redone only when one of
# them changes (a source edit then costs only the compile), whatever packages the workspace gains.
FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests && find . -name node_modules -prune -o \( -name package.json -o -name pnpm-lock.yaml -o -name pnpm-workspace.yaml \) -print \
  | tar -cf - -T - | tar -xf - -C /manifests

FROM node:${NODE_VERSION}-bookworm-slim AS build
# Unset (the default), corepack verifies the npm signature of the pnpm it downloads. `0` turns the
# check off, for a registry mirror that strips signatures; pass it only there
# (`--build-arg COREPACK_INTEGRITY_KEYS=0`, or COREPACK_INTEGRITY_KEYS=0 in the environment of
# `make compose-up`). An empty value is treated as unset here, although corepack reads it as "off".
ARG COREPACK_INTEGRITY_KEYS
ENV CI=true COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_HOME=/corepack PNPM_HOME=/pnpm PATH=/pnpm:$PATH
WORKDIR /src
COPY --from=manifests /manifests/ ./
# pnpm at the version pinned by package.json "packageManager", then the workspace's dependencies
# exactly as the lockfile says (the compile needs esbuild and tsx; none of it reaches the runtime).
RUN if [ -z "${COREPACK_INTEGRITY_KEYS:-}" ]; then unset COREPACK_INTEGRITY_KEYS; fi \
 && corepack enable pnpm && corepack install && pnpm --version \
 && pnpm install --frozen-lockfile
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
