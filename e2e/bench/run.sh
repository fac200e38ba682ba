#!/usr/bin/env bash
# Runs both browser benchmarks (slider drag, then Unrolled vs TF.js vs native) and leaves their
# tables in bench/out/slider.md and bench/out/browser.md. Builds the page's wasm if missing.
#   bash e2e/bench/run.sh [--quick]      (--quick: 3 iterations per engine, LSTM only)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
setup_e2e
[ -f pkg/unrolled.js ] || bash scripts/build-web.sh
[ -x target/release/unrolled ] || cargo build --release --quiet --bin unrolled
echo "== load: $(uptime)"
echo "== slider drag (e2e/bench/slider.mjs)"
node e2e/bench/slider.mjs
echo "== Unrolled vs TensorFlow.js vs native (e2e/bench/tfjs.mjs)"
if [ "${1:-}" = "--quick" ]; then
  node e2e/bench/tfjs.mjs --quick --cells lstm
else
  node e2e/bench/tfjs.mjs
fi
