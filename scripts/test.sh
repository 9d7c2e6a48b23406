#!/usr/bin/env bash
# `npm test`: the type-check (the bot, and the sandbox page against the DOM types), the format
# check (Prettier, `npm run format` fixes) and every vitest project, at the same time: tsc is one
# process on one core for about 25 s, which the unit project's start would otherwise wait for.
# Arguments go to vitest (`npm test -- -t name`).
# All of it runs on Node 24, Lambda's runtime, whatever Node this machine has: scripts/node24.sh
# picks this machine's if it is 24, else the one `npm ci` brought; it goes first on PATH, so every
# child (vitest's workers, `npm start` in the e2e test, tsx) runs on it too.
set -uo pipefail
cd "$(dirname "$0")/.."
node24=$(bash scripts/node24.sh) || exit 1
mkdir -p node_modules/.cache/node24 && ln -sfn "$node24" node_modules/.cache/node24/node
export PATH="$PWD/node_modules/.cache/node24:$PWD/node_modules/.bin:$PATH"
echo "npm test: Node $(node -v) ($node24)"
FORMATTED="bot handlers infra local scripts test bench vitest.config.ts"
types_log=$(mktemp)
trap 'rm -f "$types_log"' EXIT
# Incremental: a rerun checks only what changed (the caches live in node_modules/.cache, which a clean clone lacks).
CACHE=node_modules/.cache
(tsc --noEmit --incremental --tsBuildInfoFile $CACHE/tsc/bot.tsbuildinfo &&
  tsc --noEmit --incremental --tsBuildInfoFile $CACHE/tsc/page.tsbuildinfo -p local/sandbox/page &&
  prettier --check --cache --cache-location $CACHE/prettier/cache.json --log-level warn $FORMATTED) >"$types_log" 2>&1 &
types=$!
vitest run "$@"
tests=$?
wait "$types"
typed=$?
if [ "$typed" -ne 0 ]; then
  cat "$types_log"
  echo "npm test: the type-check or the format check failed (above; npm run format fixes the format)" >&2
fi
[ "$tests" -eq 0 ] && [ "$typed" -eq 0 ]
