# Sourced by the run and test scripts: installs tools on first use, idempotently.
# Nothing here downloads a binary from GitHub or a CDN: only crates.io, Debian and npm packages.

setup_native() {
  command -v cargo >/dev/null || { echo "cargo (Rust) is required" >&2; exit 1; }
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
}
