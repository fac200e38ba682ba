#!/usr/bin/env bash
# Runs the app. (Until the page lands: builds the CLI and runs a demo trace.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin unrolled
./target/release/unrolled trace examples/lstm_small.json
