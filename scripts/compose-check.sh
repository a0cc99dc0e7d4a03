#!/usr/bin/env bash
# `make compose-check`: validates docker-compose.yml without a Docker engine. Uses `docker compose`
# (v2 plugin) when present, else Debian's docker-compose (installed with apt-get when missing and we
# are root). Both check the file against the compose schema and resolve anchors and variables.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "compose-check: installing Debian's docker-compose (needed only to validate the file)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
    else
      echo "compose-check: neither 'docker compose' nor 'docker-compose' is installed (as root, apt-get install docker-compose)" >&2
      exit 1
    fi
  fi
  compose=(docker-compose)
fi

# `env_file: .env` must exist. Without one, validate a copy beside an empty .env, never touching
# the checkout (others may be creating their .env at the same moment).
file=docker-compose.yml
if [ ! -f .env ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp docker-compose.yml "$tmp/docker-compose.yml"
  : > "$tmp/.env"
  file="$tmp/docker-compose.yml"
fi
"${compose[@]}" -f "$file" config -q
"${compose[@]}" -f "$file" --profile tools config --services | sort | tr '\n' ' ' | sed 's/^/compose-check: ok, services: /; s/ $/\n/'
