#!/usr/bin/env bash
# Regenerates tools/llm_eval/datasets/sp500-signals.jsonl (or the file given as $1) from the bundled
# S&P 500 daily bars: a scratch database, the forecast worker against lexi-sim, then export-dataset.
# Needs a Postgres reachable as DATASET_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)
# and psql. Takes about 7 minutes on 2 cores. See docs/eval.md.
set -euo pipefail
cd "$(dirname "$0")/../../.."

OUT=${1:-tools/llm_eval/datasets/sp500-signals.jsonl}
ADMIN_URL=${DATASET_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=${DATASET_SIM_PORT:-18008}
DB="llm_eval_dataset_$$"
PNPM="npx -y pnpm@10.34.8"

node --import tsx tools/lexi-sim/src/cli.ts --port "$PORT" --fixed-latency-ms 20 --log-level warn &
SIM=$!
cleanup () {
  kill "$SIM" 2>/dev/null || true
  psql "$ADMIN_URL" -q -X -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
  sleep 0.5
done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" || { echo "make-dataset: lexi-sim did not start on port $PORT" >&2; exit 1; }

psql "$ADMIN_URL" -q -X -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB"
export DATABASE_URL="${ADMIN_URL%/*}/$DB" LLM_BASE_URL="http://127.0.0.1:$PORT/v1" LOG_LEVEL=warn
$PNPM -s forecast import data/sp500-daily-2000-2020.csv
$PNPM -s forecast run --once
$PNPM -s eval export-dataset --out "$OUT" --min-rows 1000
