#!/usr/bin/env bash
# Shared by the compose targets of the Makefile and scripts/compose-smoke.sh.
#
#   scripts/compose-env.sh cmd           prints the compose command: `docker compose` when the v2
#                                        plugin answers, else `docker-compose` (1.29 works)
#   scripts/compose-env.sh prepare FILE  makes FILE (default .env) ready for compose: created from
#                                        .env.example when missing (mode 600), and POSTGRES_PASSWORD,
#                                        ADMIN_TOKEN, ANALYTICS_READ_TOKEN and CHAT_TOKENS generated
#                                        into it when empty there and unset in the environment (the
#                                        first two are required by docker-compose.yml; without the
#                                        third, analytics answers only its own loopback, which no host
#                                        request is under compose; without the fourth, POST /llm/chat
#                                        answers 401). Says what it did, never the values.
set -euo pipefail
cd "$(dirname "$0")/.."

compose_cmd() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then echo "docker-compose"
  else
    echo "compose: neither 'docker compose' nor 'docker-compose' is installed (Debian: apt-get install docker-compose)" >&2
    return 1
  fi
}

# 48 hex characters: URL-safe (the password goes into DATABASE_URL) and 192 bits.
secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

# value KEY FILE: the value of KEY in an env file (last one wins, like compose), empty when absent.
value() { sed -n "s/^$1=//p" "$2" | tail -1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"; }

prepare() {
  local file=${1:-.env} made=()
  if [ ! -f "$file" ]; then
    (umask 077 && cp .env.example "$file")
    echo "compose: created $(realpath "$file") from .env.example"
  fi
  for key in POSTGRES_PASSWORD ADMIN_TOKEN ANALYTICS_READ_TOKEN CHAT_TOKENS; do
    [ -n "${!key:-}" ] && continue          # set in the environment: compose uses that one
    [ -n "$(value "$key" "$file")" ] && continue
    local v; v=$(secret)
    if grep -q "^$key=" "$file"; then
      local tmp; tmp=$(mktemp "$file.XXXXXX")
      awk -v k="$key" -v v="$v" 'BEGIN { FS = OFS = "=" } $1 == k { print k "=" v; next } { print }' "$file" >"$tmp"
      chmod --reference="$file" "$tmp" && mv "$tmp" "$file"
    else
      printf '%s=%s\n' "$key" "$v" >>"$file"
    fi
    made+=("$key")
  done
  if [ ${#made[@]} -gt 0 ]; then
    echo "compose: generated ${made[*]} into $(realpath "$file") (read them there; they are not printed)"
  fi
}

case "${1:-}" in
  cmd) compose_cmd ;;
  prepare) prepare "${2:-.env}" ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
