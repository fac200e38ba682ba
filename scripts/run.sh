#!/usr/bin/env bash
# Builds the app and serves it on 127.0.0.1 (prints the URL). PORT=... to choose the port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-web.sh
source scripts/setup.sh
setup_node
exec node scripts/serve.mjs --root www --port "${PORT:-8080}"
