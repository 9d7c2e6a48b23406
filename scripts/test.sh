#!/usr/bin/env bash
# `npm test`: the type-check (the bot, and the sandbox page against the DOM types) and every
# vitest project, at the same time: tsc is one process on one core for about 25 s, which the
# unit project's start would otherwise wait for. Arguments go to vitest (`npm test -- -t name`).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
types_log=$(mktemp)
trap 'rm -f "$types_log"' EXIT
(tsc --noEmit && tsc --noEmit -p local/sandbox/page) >"$types_log" 2>&1 &
types=$!
vitest run "$@"
tests=$?
wait "$types"
typed=$?
if [ "$typed" -ne 0 ]; then
  cat "$types_log"
  echo "npm test: the type-check failed (above)" >&2
fi
[ "$tests" -eq 0 ] && [ "$typed" -eq 0 ]
