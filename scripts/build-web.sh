#!/usr/bin/env bash
# Builds the page's wasm into www/pkg (generated, not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm
echo "== building wasm (release, +simd128)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo build --quiet --lib --target wasm32-unknown-unknown --release
wasm-bindgen --target web --out-dir www/pkg target/wasm32-unknown-unknown/release/unrolled.wasm
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    www/pkg/unrolled_bg.wasm -o www/pkg/unrolled_bg.wasm
fi
