#!/usr/bin/env bash
# Builds the app and serves it on 127.0.0.1 (prints the URL). PORT=... to choose the port.
# On first use it installs what it needs (scripts/setup.sh says what, and why, as it goes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_run
bash scripts/build-web.sh
exec node scripts/serve.mjs --root www --mount /pkg/=pkg/ --port "${PORT:-8080}"
