#!/usr/bin/env bash
# CI's compose smoke (called by .ci/run): `make compose-smoke` against a real Docker engine, when one
# can be had, its checks written to OUT (vitest-like JSON: numPassedTests, numFailedTests) so .ci/run
# counts them in its totals line. Self-contained: it installs and starts what is missing and stops
# exactly what it started.
#
#   - no engine answering: Debian's docker.io and docker-compose are installed with apt-get when
#     missing (root only), and dockerd is started in the background (stopped again at the end);
#   - base images (node:<NODE_VERSION>-bookworm-slim from the Dockerfile, postgres:<tag> from the
#     compose file) are pulled, or, when no registry answers, built as local stand-ins by
#     ../shared/tools/standin-images (the project's files stay upstream-correct);
#   - when no engine can be started: one line saying so, exit 0, nothing written (CI goes on).
# Exit: 0 smoke passed or skipped, 1 smoke failed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.compose-smoke-results.json}
rm -f "$OUT"
say() { echo "ci: compose-smoke: $*"; }
started_dockerd=

stop_dockerd() {
  [ -n "$started_dockerd" ] || return 0
  kill "$started_dockerd" 2>/dev/null
  for _ in $(seq 1 30); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
  say "stopped the dockerd it started (pid $started_dockerd)"
}
trap stop_dockerd EXIT

apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  say "installing $* with apt-get"
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/tmp/ci-compose-apt.log 2>&1
}

engine() {
  docker info >/dev/null 2>&1 && return 0
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    apt_install docker.io docker-compose || { echo "Docker is not installed and cannot be installed here"; return 1; }
  fi
  [ "$(id -u)" = 0 ] || { echo "no Docker engine answers and dockerd can only be started as root"; return 1; }
  dockerd >/tmp/ci-dockerd.log 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && { say "started dockerd (pid $started_dockerd, log /tmp/ci-dockerd.log)"; return 0; }; kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
  echo "dockerd did not come up: $(tail -1 /tmp/ci-dockerd.log 2>/dev/null)"
  return 1
}

# In this shell (not a subshell): it records the dockerd it starts, for the trap to stop.
if ! engine >/tmp/ci-compose-engine.log 2>&1; then
  say "no Docker engine could be started ($(tail -1 /tmp/ci-compose-engine.log)): the compose smoke is skipped"
  exit 0
fi
cat /tmp/ci-compose-engine.log
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
  apt_install docker-compose || { say "no compose command (docker compose or docker-compose) can be had: the compose smoke is skipped"; exit 0; }
fi

# The base images the project's files name.
node_tag="node:$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile | head -1)-bookworm-slim"
pg_tag=$(sed -n 's/^ *image: *\(postgres:[^ ]*\).*/\1/p' docker-compose.yml | head -1)
missing=()
for tag in "$node_tag" "$pg_tag"; do
  docker image inspect "$tag" >/dev/null 2>&1 && continue
  timeout 120 docker pull -q "$tag" >/dev/null 2>&1 && { say "pulled $tag"; continue; }
  missing+=("$tag")
done
if [ ${#missing[@]} -gt 0 ]; then
  standin=../shared/tools/standin-images
  [ -x "$standin" ] || standin=$(dirname "$PWD")/shared/tools/standin-images
  say "no registry gives ${missing[*]}: building local stand-ins ($standin)"
  started=$SECONDS
  if ! bash "$standin" "${missing[@]}" >/tmp/ci-standin-images.log 2>&1; then
    say "stand-in images failed (tail of /tmp/ci-standin-images.log below)"; tail -5 /tmp/ci-standin-images.log
    printf '{"numPassedTests":0,"numFailedTests":1,"numPendingTests":0,"checks":[{"name":"base images","ok":false}]}\n' >"$OUT"
    exit 1
  fi
  say "stand-ins built in $((SECONDS - started))s"
fi

# At most 15 minutes (the target is 6 warm, 10 cold); the smoke removes its stack itself.
started=$SECONDS
SMOKE_JSON=$OUT timeout --foreground -k 30 900 make compose-smoke </dev/null
rc=$?
say "took $((SECONDS - started))s (exit $rc)"
if [ ! -s "$OUT" ]; then
  printf '{"numPassedTests":0,"numFailedTests":1,"numPendingTests":0,"checks":[{"name":"make compose-smoke completes","ok":false}]}\n' >"$OUT"
  rc=1
fi
exit $((rc == 0 ? 0 : 1))
