#!/usr/bin/env bash
# The end-to-end test of the VS Code extension in a real VS Code (code-server, headless chromium):
# sets up (cached in $E2E_CACHE, default vscode-client/.e2e-cache), builds the .vsix, and runs
# e2e/vscode.e2e.mjs, which saves a screenshot of every step in e2e/screenshots/.
#   vscode-client/e2e/run.sh            from anywhere; PYTHON (default python3) vendors the server
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$(dirname "$HERE")
export E2E_CACHE=${E2E_CACHE:-$CLIENT/.e2e-cache}
start=$(date +%s)

bash "$HERE/setup.sh"
# shellcheck source=/dev/null
. "$E2E_CACHE/env" # Node 24 first on PATH; CODE_SERVER
export CODE_SERVER

cd "$CLIENT"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent package >"$E2E_CACHE/package.log" 2>&1 || { cat "$E2E_CACHE/package.log"; exit 1; }
version=$(node -p 'require("./package.json").version')
export VSIX=$CLIENT/plan-lsp-$version.vsix
echo "e2e: built $(basename "$VSIX") ($(du -k "$VSIX" | cut -f1) KB) in $(($(date +%s) - start)) s" >&2

node --test --test-reporter=spec --test-timeout=300000 "$HERE/vscode.e2e.mjs"
echo "e2e: done in $(($(date +%s) - start)) s" >&2
