#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs on first use (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_native

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
echo "== native tests (cargo nextest)"
cargo build --release --quiet --bin unrolled
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --release --no-fail-fast
else
  cargo test --release
fi
if [ -f scripts/test-web.sh ]; then
  bash scripts/test-web.sh
fi
