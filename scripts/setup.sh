# Sourced by scripts/run.sh and scripts/test.sh: installs what they need on first use,
# idempotently. Nothing here downloads a binary from GitHub or a CDN: only rustup's own
# targets, crates.io, Debian packages and the npm registry.

setup_native() {
  command -v cargo >/dev/null || { echo "error: cargo (Rust) is required" >&2; exit 1; }
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
}

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly. The version lives in one place:
# Cargo.toml pins `wasm-bindgen = "=X"`, Cargo.lock records it, and this reads it from Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_wasm() {
  setup_native
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  local want have
  want=$(wasm_bindgen_version)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
  if [ "$have" != "$want" ]; then
    echo "== installing wasm-bindgen-cli $want (found: ${have:-none})"
    cargo install wasm-bindgen-cli --version "$want" --locked \
      || cargo install wasm-bindgen-cli --version "$want"
  fi
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
  if [ "$have" != "$want" ]; then
    echo "error: wasm-bindgen CLI is $have but Cargo.lock pins $want" >&2
    exit 1
  fi
}

setup_node() {
  command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
}

setup_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "== installing Debian's chromium and chromium-driver"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  fi
}

setup_e2e() {
  setup_node
  setup_browser
  if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules ]; then
    echo "== installing e2e npm packages"
    (cd e2e && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund))
  fi
}
