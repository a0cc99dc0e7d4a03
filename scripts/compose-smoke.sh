#!/usr/bin/env bash
# `make compose-smoke`: the shipped path, end to end, against a real Docker engine. Builds the image,
# starts the stack as a separate compose project (its own env file with generated secrets, ports
# published on free 127.0.0.1 ports, eval results in a temporary folder: the checkout's .env and
# results/ are not touched), with lexi-sim on the host as Lexi (listening on 0.0.0.0 so the
# containers reach it through host.docker.internal), checks it from the host, and always removes
# it (`down -v`, also on failure or Ctrl-C). One line per check, then the total.
#
# Knobs (environment): DOCKER_COMPOSE (the compose command; default as the Makefile picks it),
# SMOKE_LEXI_PORT (18108; its control port is the next one), SMOKE_JSON (write the checks there as
# JSON, for .ci/run), SMOKE_KEEP_LOGS (a file for the containers' logs; default: written on failure
# only, to /tmp/compose-smoke-<project>.log), COREPACK_INTEGRITY_KEYS (see .env.example; when unset
# and the npm registry serves no signatures for the pinned pnpm, the build gets 0 and a line says so).
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS=0

read -r -a DC <<<"${DOCKER_COMPOSE:-$(bash scripts/compose-env.sh cmd)}"
PROJECT=ptsmoke$$
LEXI_PORT=${SMOKE_LEXI_PORT:-18108}
IMAGE=pulsetrade-app:local
SCALE_BARS=360          # bars left for the scale-out round: 300 of them are eligible (61 bars of history)
WORK=$(mktemp -d /tmp/compose-smoke.XXXXXX)
LOGS=${SMOKE_KEEP_LOGS:-/tmp/compose-smoke-$PROJECT.log}
export COMPOSE_PROJECT_NAME=$PROJECT COMPOSE_ENV_FILE=$WORK/app.env COMPOSE_RESULTS_DIR=$WORK/results
export COMPOSE_BIND_ADDRESS=127.0.0.1 API_PORT=0 ANALYTICS_PORT=0 ADMIN_PORT=0 POSTGRES_HOST_PORT=0
export COMPOSE_LLM_BASE_URL=http://host.docker.internal:$LEXI_PORT/v1
mkdir -p "$COMPOSE_RESULTS_DIR"

passed=0 failed=0 json=() sim_pid= READ_TOKEN=
say() { printf '%s\n' "$*"; }

# check NAME FUNCTION [ARGS...]: runs the function, prints `ok|FAIL  NAME  (detail)  Ns`, counts it.
# The function prints its detail (one line) on stdout; stderr goes to the log.
check() {
  local name=$1 t0=$SECONDS detail rc
  shift
  # In this shell, not a subshell: checks export variables and start or stop lexi-sim.
  "$@" >"$WORK/detail" 2>>"$WORK/check.err"; rc=$?
  detail=$(tr '\n' ' ' <"$WORK/detail" | sed 's/ *$//')
  local took=$((SECONDS - t0))
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); printf 'ok    %-44s %s (%ss)\n' "$name" "$detail" "$took"
  else failed=$((failed + 1)); printf 'FAIL  %-44s %s (%ss)\n' "$name" "$detail" "$took"; fi
  json+=("$(node -e 'const [n, ok, s, d] = process.argv.slice(1); process.stdout.write(JSON.stringify({ name: n, ok: ok === "0", seconds: Number(s), detail: d }))' -- "$name" "$rc" "$took" "$detail")")
  return $rc
}

dc() { "${DC[@]}" "$@"; }
# Plain docker where it can (a docker-compose 1.29 call costs 1-2 s of Python start-up on a loaded machine).
# containers SERVICE: the project's containers of a service (-a: stopped ones too), by compose's labels.
containers() { docker ps -q ${2:-} --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1"; }
container() { containers "$1" -a | head -1; }
PG_CONTAINER= API_URL= ANALYTICS_URL= ADMIN_URL=
psql_q() { docker exec "$PG_CONTAINER" psql -X -q -A -t -v ON_ERROR_STOP=1 -U pulsetrade -d pulsetrade -c "$1"; }
published() { docker port "$1" "$2" | head -1 | sed 's/.*://'; }

start_lexi() {
  node --import tsx tools/lexi-sim/src/cli.ts --host 0.0.0.0 --port "$LEXI_PORT" --time-scale 0.1 --log-level warn \
    </dev/null >>"$WORK/lexi-sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 1 120); do curl -fs -o /dev/null "http://127.0.0.1:$LEXI_PORT/health" && return 0; sleep 0.5; done
  return 1
}
stop_lexi() { [ -n "$sim_pid" ] || return 0; kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; sim_pid=; }

finish() {
  local code=$?
  trap - EXIT INT TERM
  stop_lexi
  if [ "$failed" -gt 0 ] || [ -n "${SMOKE_KEEP_LOGS:-}" ]; then
    { dc ps; dc logs --no-color --tail 200; cat "$WORK/check.err" "$WORK/lexi-sim.log"; } >"$LOGS" 2>&1 && say "compose-smoke: container logs in $LOGS"
  fi
  dc --profile tools down -v --remove-orphans -t 10 >"$WORK/down.log" 2>&1
  check "down -v leaves nothing behind" leftovers
  rm -rf "$WORK"
  say "compose-smoke: ${passed} passed, ${failed} failed in ${SECONDS}s"
  if [ -n "${SMOKE_JSON:-}" ]; then
    # Counted like a vitest JSON report (numPassedTests, numFailedTests) by .ci/run's totals line.
    (IFS=,; printf '{"numPassedTests":%s,"numFailedTests":%s,"numPendingTests":0,"seconds":%s,"checks":[%s]}\n' "$passed" "$failed" "$SECONDS" "${json[*]}") >"$SMOKE_JSON"
  fi
  [ "$failed" -eq 0 ] && [ "$code" -eq 0 ] || exit 1
  exit 0
}
trap finish EXIT
trap 'say "compose-smoke: interrupted"; failed=$((failed + 1)); exit 130' INT TERM

# --- checks ---------------------------------------------------------------------------------------

engine() { docker info --format '{{.ServerVersion}}' | sed 's/^/engine /'; printf '%s\n' "${DC[*]}"; }

prepare_env() {
  # Its own secrets, whatever the caller's environment holds.
  env -u POSTGRES_PASSWORD -u ADMIN_TOKEN -u ANALYTICS_READ_TOKEN -u CHAT_TOKENS bash scripts/compose-env.sh prepare "$COMPOSE_ENV_FILE" >/dev/null || return 1
  # Compose interpolates ${POSTGRES_PASSWORD:?} and ${ADMIN_TOKEN:?} from the environment (the
  # checkout's .env is not ours to write): export the generated ones.
  POSTGRES_PASSWORD=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$COMPOSE_ENV_FILE" | tail -1)
  ADMIN_TOKEN=$(sed -n 's/^ADMIN_TOKEN=//p' "$COMPOSE_ENV_FILE" | tail -1)
  READ_TOKEN=$(sed -n 's/^ANALYTICS_READ_TOKEN=//p' "$COMPOSE_ENV_FILE" | tail -1)
  CHAT_TOKEN=$(sed -n 's/^CHAT_TOKENS=//p' "$COMPOSE_ENV_FILE" | tail -1)
  export POSTGRES_PASSWORD ADMIN_TOKEN
  if [ -z "${COREPACK_INTEGRITY_KEYS+x}" ]; then
    local pnpm_v; pnpm_v=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
    if [ -z "$(npm view "pnpm@$pnpm_v" dist.signatures --json 2>/dev/null | tr -d '[:space:][]')" ]; then
      export COREPACK_INTEGRITY_KEYS=0
      echo "the npm registry here serves no signatures for pnpm@$pnpm_v: image built with COREPACK_INTEGRITY_KEYS=0"
      return 0
    fi
  fi
  echo "secrets generated into a temporary env file; COREPACK_INTEGRITY_KEYS=${COREPACK_INTEGRITY_KEYS:-unset}"
}

build_image() {
  dc build >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; echo "build failed (tail in the log)"; return 1; }
  docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%s, %.0f MB\n", "'"$IMAGE"'", $1 / 1e6 }'
}

no_dev_tooling() {
  # No node_modules in /app, and no vitest, eslint, typescript or tsx package or binary anywhere.
  local found
  found=$(docker run --rm --entrypoint bash "$IMAGE" -c '
    ls -d /app/node_modules 2>/dev/null
    find / -xdev -type d \( -path "*/node_modules/vitest" -o -path "*/node_modules/eslint" -o -path "*/node_modules/typescript" -o -path "*/node_modules/tsx" \) 2>/dev/null
    for b in vitest eslint tsc tsx; do command -v $b; done
    ls /app/dist/*.mjs >/dev/null || echo "no /app/dist/*.mjs"') || return 1
  [ -z "$found" ] || { echo "found: $found"; return 1; }
  echo "no node_modules in /app; no vitest, eslint, typescript, tsx"
}

all_healthy() {
  dc up -d >"$WORK/up.log" 2>&1 || { tail -20 "$WORK/up.log" >&2; echo "up failed: $(tail -1 "$WORK/up.log")"; return 1; }
  local t0=$SECONDS states
  while [ $((SECONDS - t0)) -lt 240 ]; do
    states=$(for s in api analytics admin forecast; do
      c=$(containers "$s" | head -1); [ -n "$c" ] && docker inspect -f "$s={{.State.Health.Status}}" "$c" || echo "$s=missing"
    done | tr '\n' ' ')
    if [ "$(grep -o '=healthy' <<<"$states" | wc -l)" -eq 4 ]; then
      PG_CONTAINER=$(container postgres)
      API_URL=http://127.0.0.1:$(published "$(container api)" 8001)
      ANALYTICS_URL=http://127.0.0.1:$(published "$(container analytics)" 8002)
      ADMIN_URL=http://127.0.0.1:$(published "$(container admin)" 8003)
      echo "api analytics admin forecast healthy $((SECONDS - t0))s after up; migrate exited $(docker inspect -f '{{.State.ExitCode}}' "$(container migrate)")"
      return 0
    fi
    sleep 2
  done
  echo "not all healthy after 240 s: $states"; return 1
}

llm_health_ok() {
  local body
  for _ in $(seq 1 30); do
    body=$(curl -s -m 10 "$API_URL/llm/health")
    grep -q '"ok":true' <<<"$body" && { echo "200 $(cut -c1-60 <<<"$body")"; return 0; }
    sleep 1
  done
  echo "last answer: $body"; return 1
}

analytics_recent() {
  local code
  # Under compose every host request reaches analytics from the bridge, not loopback: the read token.
  code=$(curl -s -m 30 -o "$WORK/recent.json" -w '%{http_code}' -H "authorization: Bearer $READ_TOKEN" "$ANALYTICS_URL/analytics/recent?limit=5")
  [ "$code" = 200 ] || { echo "HTTP $code: $(head -c 200 "$WORK/recent.json")"; return 1; }
  echo "200, $(wc -c <"$WORK/recent.json") bytes"
}

chat_with_token() {
  # The generated CHAT_TOKENS value is the bearer token of POST /llm/chat; without it, 401.
  local code
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{"prompt":"say OK","max_tokens":8}' "$API_URL/llm/chat")
  [ "$code" = 401 ] || { echo "without a token: HTTP $code, not 401"; return 1; }
  code=$(curl -s -m 30 -o "$WORK/chat.json" -w '%{http_code}' -X POST -H 'content-type: application/json' -H "authorization: Bearer $CHAT_TOKEN" -d '{"prompt":"say OK","max_tokens":8}' "$API_URL/llm/chat")
  [ "$code" = 200 ] || { echo "HTTP $code: $(head -c 200 "$WORK/chat.json")"; return 1; }
  echo "401 without a token, 200 with the generated one"
}

console_session() {
  # The operator console as shipped: its page and uPlot come out of the bundle-only image, and the
  # generated ADMIN_TOKEN logs in to a session cookie that reads the decisions (and nothing without it).
  local code jar=$WORK/console.jar
  code=$(curl -s -m 10 -o "$WORK/console.html" -w '%{http_code}' "$ADMIN_URL/console/")
  [ "$code" = 200 ] && grep -q 'vendor/uplot' "$WORK/console.html" || { echo "GET /console/: HTTP $code"; return 1; }
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$ADMIN_URL/console/vendor/uplot/uPlot.min.css")
  [ "$code" = 200 ] || { echo "uPlot css: HTTP $code"; return 1; }
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$ADMIN_URL/llm/admin/decisions?limit=5")
  [ "$code" = 401 ] || { echo "decisions without a session: HTTP $code, not 401"; return 1; }
  code=$(curl -s -m 10 -c "$jar" -o "$WORK/session.json" -w '%{http_code}' -X POST -H 'content-type: application/json' \
    --data-binary @- "$ADMIN_URL/console/session" <<<"{\"token\":\"$ADMIN_TOKEN\"}")
  [ "$code" = 200 ] || { echo "login: HTTP $code: $(head -c 200 "$WORK/session.json")"; return 1; }
  code=$(curl -s -m 10 -b "$jar" -o "$WORK/decisions.json" -w '%{http_code}' "$ADMIN_URL/llm/admin/decisions?limit=5")
  [ "$code" = 200 ] && grep -q '"items"' "$WORK/decisions.json" || { echo "decisions with the session: HTTP $code"; return 1; }
  echo "page and uPlot served; 401 without a session, 200 with the ADMIN_TOKEN login"
}

forecasts_llm() {
  local row n with
  for _ in $(seq 1 90); do
    row=$(psql_q "SELECT count(*), count(*) FILTER (WHERE features->'llm' ? 'rationale' AND features->'llm' ? 'policy' AND features->'llm'->>'model' IS NOT NULL) FROM forecasts") || return 1
    n=${row%%|*}; with=${row##*|}
    if [ "${n:-0}" -ge 20 ]; then
      [ "$n" = "$with" ] || { echo "$with of $n forecasts carry features.llm"; return 1; }
      echo "$with of $n forecasts carry features.llm (rationale and policy)"; return 0
    fi
    sleep 2
  done
  echo "only ${n:-0} forecasts after 180 s"; return 1
}

eval_results() {
  local id=smoke-$$ rc dir
  dc --profile tools run --rm --user "$(id -u):$(id -g)" tools run --limit 20 --run-id "$id" >"$WORK/eval.log" 2>&1; rc=$?
  dir=$COMPOSE_RESULTS_DIR/$id
  # 1 is a gate that failed on lexi-sim's answers: the run was made and written all the same.
  [ $rc -le 1 ] || { tail -5 "$WORK/eval.log" >&2; echo "eval exited $rc: $(tail -1 "$WORK/eval.log")"; return 1; }
  for f in records.jsonl summary.json manifest.json report.html; do
    [ -s "$dir/$f" ] || { echo "results/$id/$f missing (eval exit $rc)"; return 1; }
  done
  [ "$(stat -c %u:%g "$dir" "$dir/records.jsonl" | sort -u)" = "$(id -u):$(id -g)" ] || { echo "results/$id not owned by $(id -u):$(id -g): $(stat -c %u:%g "$dir")"; return 1; }
  echo "results/$id/ with records.jsonl summary.json manifest.json report.html, owned by $(id -u):$(id -g), eval exit $rc"
}

lexi_down_503() {
  stop_lexi
  local body code t0=$SECONDS
  # A cached success may be served for LLM_HEALTH_TTL_MS (15 s) after Lexi went away.
  while [ $((SECONDS - t0)) -lt 45 ]; do
    code=$(curl -s -m 10 -o "$WORK/health.json" -w '%{http_code}' "$API_URL/llm/health"); body=$(cat "$WORK/health.json")
    if [ "$code" = 503 ] && grep -q ECONNREFUSED <<<"$body"; then echo "503 naming ECONNREFUSED $((SECONDS - t0))s after Lexi stopped"; return 0; fi
    sleep 1
  done
  echo "last: $code $body"; return 1
}

lexi_back_ok() {
  start_lexi || { echo "lexi-sim did not restart"; return 1; }
  local t0=$SECONDS body
  while [ $((SECONDS - t0)) -lt 30 ]; do
    body=$(curl -s -m 10 "$API_URL/llm/health")
    grep -q '"ok":true' <<<"$body" && { echo "ok again $((SECONDS - t0))s after lexi-sim answered"; return 0; }
    sleep 0.5
  done
  echo "last: $body"; return 1
}

scale_out() {
  dc stop -t 15 forecast >>"$WORK/scale.log" 2>&1 || { echo "stop forecast failed"; return 1; }
  # A fresh backlog: forecasts, queue, orders and positions emptied; the first $SCALE_BARS bars are
  # kept aside and only their first 60 (history, nothing eligible) left, so the three replicas are
  # all up and idle when the eligible bars arrive, and race for them.
  psql_q "BEGIN;
    TRUNCATE orders, forecasts, forecast_jobs, positions;
    DROP TABLE IF EXISTS smoke_backlog;
    CREATE TABLE smoke_backlog AS SELECT * FROM market_bars ORDER BY ts, symbol LIMIT $SCALE_BARS;
    DELETE FROM market_bars;
    INSERT INTO market_bars SELECT * FROM smoke_backlog ORDER BY ts, symbol LIMIT 60;
    COMMIT;" >/dev/null || { echo "could not reset the backlog"; return 1; }
  dc up -d --no-deps --no-recreate --scale forecast=3 forecast >>"$WORK/scale.log" 2>&1 || { echo "up --scale forecast=3 failed: $(tail -1 "$WORK/scale.log")"; return 1; }
  local t0=$SECONDS healthy=0
  while [ $((SECONDS - t0)) -lt 120 ]; do
    healthy=$(for c in $(containers forecast); do docker inspect -f '{{.State.Health.Status}}' "$c"; done | grep -c '^healthy$')
    [ "$healthy" -ge 3 ] && break
    sleep 2
  done
  [ "$healthy" -ge 3 ] || { echo "only $healthy of 3 forecast replicas healthy after 120 s"; return 1; }
  psql_q "INSERT INTO market_bars SELECT * FROM smoke_backlog ORDER BY ts, symbol OFFSET 60; DROP TABLE smoke_backlog;" >/dev/null \
    || { echo "could not add the backlog"; return 1; }
  local row n expected=$((SCALE_BARS - 60))
  t0=$SECONDS
  while [ $((SECONDS - t0)) -lt 240 ]; do
    row=$(psql_q "SELECT (SELECT count(*) FROM forecast_jobs WHERE status <> 'done'), (SELECT count(*) FROM forecasts)") || return 1
    n=${row##*|}
    [ "${row%%|*}" = 0 ] && [ "$n" -ge "$expected" ] && break
    sleep 2
  done
  local replicas; replicas=$(containers forecast | wc -l)
  row=$(psql_q "SELECT (SELECT count(*) FROM forecasts),
      (SELECT count(*) FROM (SELECT 1 FROM forecasts GROUP BY symbol, asof, horizon, model_version HAVING count(*) > 1) d),
      (SELECT count(*) FROM forecast_jobs WHERE status = 'done' AND attempts = 1),
      (SELECT count(*) FROM forecast_jobs),
      (SELECT count(*) FROM (SELECT 1 FROM orders WHERE forecast_id IS NOT NULL GROUP BY forecast_id HAVING count(*) > 1) d),
      (SELECT count(*) FROM forecasts WHERE NOT (features->'llm' ? 'policy'))")
  IFS='|' read -r rows dupes once jobs order_dupes no_llm <<<"$row"
  # How many bars each replica did, from its own /status (each process counts from its start).
  local per=() i sum=0
  for i in $(containers forecast); do per+=("$(curl -s -m 5 "http://127.0.0.1:$(published "$i" 8004)/status" | sed -n 's/.*"done":\([0-9]*\).*/\1/p')"); done
  for i in "${per[@]}"; do sum=$((sum + ${i:-0})); done
  echo "$replicas replicas; $rows forecasts for $expected bars; bars done per replica ${per[*]} (sum $sum); duplicate forecasts $dupes, duplicate orders $order_dupes; jobs done on the first attempt $once of $jobs"
  [ "$replicas" = 3 ] && [ "$rows" = "$expected" ] && [ "$dupes" = 0 ] && [ "$order_dupes" = 0 ] && [ "$once" = "$jobs" ] \
    && [ "$jobs" = "$expected" ] && [ "$no_llm" = 0 ] && [ "$sum" = "$expected" ]
}

leftovers() {
  local label=com.docker.compose.project=$PROJECT c v n
  c=$(docker ps -aq --filter "label=$label" | wc -l)
  v=$(docker volume ls -q --filter "label=$label" | wc -l)
  n=$(docker network ls -q --filter "label=$label" | wc -l)
  echo "containers $c, volumes $v, networks $n of project $PROJECT"
  [ "$c" = 0 ] && [ "$v" = 0 ] && [ "$n" = 0 ]
}

# --- the run --------------------------------------------------------------------------------------

say "compose-smoke: project $PROJECT with ${DC[*]}; lexi-sim on 0.0.0.0:$LEXI_PORT"
check "Docker engine answers" engine || exit 1
check "env file with generated secrets" prepare_env || exit 1
check "image builds" build_image || exit 1
check "runtime image: no dev dependencies" no_dev_tooling
start_lexi || { say "compose-smoke: lexi-sim did not start on port $LEXI_PORT (is it taken?)"; failed=$((failed + 1)); exit 1; }
check "up: postgres, migrate, four services healthy" all_healthy || exit 1
check "GET /llm/health ok" llm_health_ok
check "GET /analytics/recent 200" analytics_recent
check "POST /llm/chat with the generated token" chat_with_token
check "forecasts with features.llm in compose Postgres" forecasts_llm
check "operator console: page, uPlot, login to a session" console_session
check "eval in the tools container writes results/" eval_results
check "Lexi stopped: /llm/health 503 ECONNREFUSED" lexi_down_503
check "Lexi restarted: /llm/health ok" lexi_back_ok
check "--scale forecast=3: no duplicate forecast" scale_out
exit 0
