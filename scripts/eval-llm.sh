#!/usr/bin/env bash
# `make eval-llm` for CI: the same run, but this script exits with the eval's own code
#   0 ok, 1 a gate failed, 2 usage error, 3 endpoint unreachable or the run could not be made
# where make itself turns every failing recipe into 2. It runs the target with EVAL_EXIT_FILE and
# exits with the code the target wrote there (docs/eval.md, "Exit codes").
#   scripts/eval-llm.sh [eval run args...]     COMPOSE=1 scripts/eval-llm.sh ... runs it in the tools container
set -u
cd "$(dirname "$0")/.."
code_file=$(mktemp)
trap 'rm -f "$code_file"' EXIT
args=""
[ $# -gt 0 ] && args=$(printf '%q ' "$@")
make -s --no-print-directory eval-llm EVAL_EXIT_FILE="$code_file" ARGS="$args"
made=$?
code=$(cat "$code_file")
if [ -z "$code" ]; then
  # The eval never ran (e.g. the dependency install failed): it could not be made.
  echo "eval-llm.sh: make failed before the eval ran (make exit $made)" >&2
  code=3
fi
exit "$code"
