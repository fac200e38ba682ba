#!/usr/bin/env bash
# Runs every test of the project: formatting, lints (native and wasm), the native suites
# (unit, PyTorch goldens, gradient checks, properties, CLI, charts), the wasm bindings in headless
# Chromium, and the end-to-end tests of the page in Chromium. Installs what it needs on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== set-up on a fresh machine (stand-in installers: tests/setup/fresh.sh)"
bash tests/setup/fresh.sh
source scripts/setup.sh
setup_test

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (native, all targets)"
cargo clippy --all-targets --quiet -- -D warnings
echo "== cargo clippy (wasm32)"
cargo clippy --lib --test web --test web_linalg --target wasm32-unknown-unknown --quiet -- -D warnings
echo "== cargo clippy (wasm32 with +simd128, as the page is built: the f64x2 kernel)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo clippy --lib --test web --test web_linalg --target wasm32-unknown-unknown --quiet -- -D warnings
echo "== cargo clippy (wasm32 with +simd128,+relaxed-simd, the page's second build: relaxed_madd)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
  cargo clippy --lib --test web --test web_linalg --target wasm32-unknown-unknown --quiet \
  --target-dir target/relaxed-simd -- -D warnings

echo "== native tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
cargo test --doc --quiet

echo "== wasm build for the page, and the static site (dist/)"
bash scripts/site.sh
if [ -f scripts/test-web.sh ]; then
  echo "== wasm-bindgen tests in headless Chromium"
  bash scripts/test-web.sh
fi
echo "== end-to-end tests of the page (Chromium via playwright-core)"
(cd e2e && npm test)
