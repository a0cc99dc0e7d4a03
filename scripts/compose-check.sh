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

# Validated as a copy beside an empty .env, never touching the checkout (others may be creating
# their .env at the same moment), with the checkout's .env and the caller's secrets out of the way.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp docker-compose.yml "$tmp/docker-compose.yml"
: > "$tmp/.env"
file="$tmp/docker-compose.yml"
# No default secrets: without POSTGRES_PASSWORD and ADMIN_TOKEN compose must refuse, naming them.
for key in POSTGRES_PASSWORD ADMIN_TOKEN; do
  other=$([ "$key" = ADMIN_TOKEN ] && echo POSTGRES_PASSWORD || echo ADMIN_TOKEN)
  if out=$(env -u "$key" "$other=check-only-value" "${compose[@]}" -f "$file" config -q 2>&1) || ! grep -q "$key is required" <<<"$out"; then
    echo "compose-check: docker-compose.yml starts without $key (it must refuse: \${$key:?...})" >&2
    exit 1
  fi
done
export POSTGRES_PASSWORD=check-only-value ADMIN_TOKEN=check-only-value
"${compose[@]}" -f "$file" config -q
"${compose[@]}" -f "$file" --profile tools config --services | sort | tr '\n' ' ' \
  | sed 's/^/compose-check: ok (refuses to start without POSTGRES_PASSWORD or ADMIN_TOKEN), services: /; s/ $/\n/'
