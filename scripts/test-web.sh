#!/usr/bin/env bash
# The browser shell's tests (tests/web.rs) and the matrix products (tests/web_linalg.rs) as wasm
# in headless Chromium, run by wasm-bindgen-test-runner (installed with wasm-bindgen-cli, same
# version as the crate) through Debian's chromedriver. webdriver.json in the crate root adds
# Chromium's flags (--no-sandbox for root, headless). Idempotent: installs the wasm target, the
# CLI and Chromium on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm
setup_browser

want=$(wasm_bindgen_version)
have=$(tool_version wasm-bindgen-test-runner)
if [ "$have" != "$want" ]; then
  echo "error: wasm-bindgen-test-runner is ${have:-missing} but Cargo.lock pins wasm-bindgen $want" >&2
  exit 1
fi

# Built as the page's two builds (scripts/build-web.sh): +simd128, so tests/web_linalg.rs runs
# the f64x2 kernel the page runs, and +simd128,+relaxed-simd (its own target directory, as in
# build-web.sh), where the kernel's multiply-adds may be fused.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
echo "== tests/web.rs and tests/web_linalg.rs in headless Chromium, +simd128 (wasm-bindgen-test-runner $have)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo test --target wasm32-unknown-unknown --test web --test web_linalg
echo "== tests/web_linalg.rs in headless Chromium, +simd128,+relaxed-simd"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
  cargo test --target wasm32-unknown-unknown --test web_linalg --target-dir target/relaxed-simd -- --nocapture
