# Sourced by scripts/run.sh, scripts/test.sh and scripts/build-web.sh: installs what they need on
# first use, idempotently, and says what it installs and why before it starts. Nothing here
# downloads a binary from GitHub or a CDN: only rustup's own targets, crates.io, Debian packages
# and the npm registry.
#
# Every "is it installed?" probe treats "not installed" as an ordinary answer: these functions run
# under `set -euo pipefail`, so a probe never lets a failing command end the script
# (tests/setup/fresh.sh checks this on a PATH where nothing is installed yet).
#
#   setup_run     what ./scripts/run.sh needs: the wasm32 target, wasm-bindgen-cli, node
#   setup_test    what ./scripts/test.sh needs: the above, clippy/rustfmt, chromium, npm packages

# `have_cmd NAME`: is NAME on PATH? (false is an answer, not an error)
have_cmd() { command -v "$1" >/dev/null 2>&1; }

# `tool_version NAME`: the second word of `NAME --version` ("wasm-bindgen 0.2.130" -> 0.2.130),
# or nothing when NAME is missing or does not answer.
tool_version() {
  have_cmd "$1" || return 0
  { "$1" --version 2>/dev/null || true; } | awk 'NR == 1 { print $2 }'
}

# `setup_say MESSAGE`: one line saying what is installed and why, before it starts.
setup_say() { echo "== setup: $*"; }

# `setup_fail MESSAGE`: one line saying what went wrong and what to do, then exit 1.
setup_fail() {
  echo "error: $*" >&2
  exit 1
}

# Runs apt-get as root (directly, or through sudo when not root).
setup_apt() {
  local sudo=()
  if [ "$(id -u)" != 0 ] && have_cmd sudo; then sudo=(sudo); fi
  have_cmd apt-get || setup_fail "apt-get not found: install $* with your system's package manager, then run this again"
  "${sudo[@]}" apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" \
    || setup_fail "apt-get could not install $* (is the Debian mirror reachable? are you root?): run 'apt-get install $*' and try again"
}

setup_native() {
  have_cmd cargo || setup_fail "cargo not found: install Rust 1.85 or newer with rustup (https://rustup.rs; Debian 12's own cargo is too old), then run this again"
  if ! have_cmd rustup; then
    echo "note: no rustup: assuming this Rust has the wasm32-unknown-unknown target, clippy and rustfmt"
    return 0
  fi
  local installed
  installed=$(rustup component list --installed 2>/dev/null || true)
  local c
  for c in clippy rustfmt; do
    if ! grep -q "^$c" <<<"$installed"; then
      setup_say "installing the Rust component $c (the tests run cargo ${c/rustfmt/fmt})"
      rustup component add "$c" || setup_fail "rustup could not add $c: run 'rustup component add $c' and try again"
    fi
  done
}

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly. The version lives in one place:
# Cargo.toml pins `wasm-bindgen = "=X"`, Cargo.lock records it, and this reads it from Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_wasm_target() {
  have_cmd rustup || return 0 # said in setup_native
  if ! { rustup target list --installed 2>/dev/null || true; } | grep -qx wasm32-unknown-unknown; then
    setup_say "installing the Rust target wasm32-unknown-unknown (the page's engine is compiled to WebAssembly)"
    rustup target add wasm32-unknown-unknown \
      || setup_fail "rustup could not add the wasm32 target: run 'rustup target add wasm32-unknown-unknown' and try again"
  fi
}

# Where `cargo install` puts binaries. A fresh shell (or Debian's own cargo) may not have it on PATH.
cargo_bin_dir() { echo "${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"; }

setup_wasm_bindgen() {
  local want have bin
  bin=$(cargo_bin_dir)
  if [[ ":$PATH:" != *":$bin:"* && -x "$bin/wasm-bindgen" ]]; then PATH="$bin:$PATH"; fi
  want=$(wasm_bindgen_version)
  [ -n "$want" ] || setup_fail "Cargo.lock names no wasm-bindgen version: run 'cargo generate-lockfile'"
  have=$(tool_version wasm-bindgen)
  [ "$have" = "$want" ] && return 0
  setup_say "installing wasm-bindgen-cli $want from crates.io (found: ${have:-none}; it must match the" \
    "wasm-bindgen crate in Cargo.lock exactly; compiling it takes a few minutes, once)"
  # --locked uses the CLI's own Cargo.lock; it fails when the registry mirror lags behind it.
  if ! cargo install wasm-bindgen-cli --version "$want" --locked --quiet; then
    setup_say "retrying without --locked (the registry lags behind the CLI's own Cargo.lock; that is expected)"
    cargo install wasm-bindgen-cli --version "$want" --quiet \
      || setup_fail "could not install wasm-bindgen-cli $want (is crates.io reachable?): run 'cargo install wasm-bindgen-cli --version $want' and try again"
  fi
  have_cmd wasm-bindgen || PATH="$bin:$PATH"
  have=$(tool_version wasm-bindgen)
  [ "$have" = "$want" ] \
    || setup_fail "wasm-bindgen on PATH is ${have:-missing} but Cargo.lock pins $want: put $bin first on PATH"
}

setup_wasm() {
  setup_native
  setup_wasm_target
  setup_wasm_bindgen
}

setup_node() {
  if ! have_cmd node || ! have_cmd npm; then
    setup_say "installing Debian's nodejs and npm (the page's server and its browser tests run on Node)"
    setup_apt nodejs npm
  fi
}

setup_browser() {
  if ! have_cmd chromium || ! have_cmd chromedriver; then
    setup_say "installing Debian's chromium and chromium-driver (the browser tests drive headless Chromium;" \
      "about 100 MB)"
    setup_apt chromium chromium-driver
  fi
}

setup_e2e() {
  setup_node
  setup_browser
  if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules ]; then
    setup_say "installing the npm packages of e2e/ (playwright-core, axe-core, TensorFlow.js for the benchmark)"
    (cd e2e && { npm ci --no-audit --no-fund --loglevel=error \
      || { setup_say "retrying with npm install (npm ci refused the lock file)"; npm install --no-audit --no-fund --loglevel=error; }; }) \
      || setup_fail "npm could not install e2e/'s packages (is the npm registry reachable?): run 'cd e2e && npm install' and try again"
    touch e2e/node_modules
  fi
}

setup_run() {
  setup_wasm
  setup_node
}

setup_test() {
  setup_wasm
  setup_e2e
}
