#!/usr/bin/env bash
# Builds pkg/: the npm package `unrolled-lab` that the lab page, the lessons, the static site and
# other people's pages all load. It holds the wasm-bindgen output (unrolled.js, unrolled_bg.wasm,
# its .d.ts), the element script (unrolled-lab.js) and its stylesheet, the session and widget
# modules (js/), a package.json and a README. pkg/ is generated (git-ignored); its sources are
# www/unrolled-lab.js, www/unrolled-lab.css and www/js/ (all but app.js, which is the lab page's).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm

# wasm-opt, when present, shrinks the wasm; its output is kept only if it still instantiates
# (Debian 12's binaryen 108 breaks wasm-bindgen's externref table). Never fatal.
optimise_wasm() {
  have_cmd wasm-opt || return 0
  local err
  if ! err=$(wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-multivalue --enable-sign-ext --enable-mutable-globals \
    pkg/unrolled_bg.wasm -o pkg/optimised.wasm 2>&1 | tail -1); then
    echo "warning: wasm-opt failed ($err); keeping the unoptimised wasm"
  elif err=$(node scripts/check-wasm.mjs pkg/unrolled.js pkg/optimised.wasm 2>&1); then
    mv pkg/optimised.wasm pkg/unrolled_bg.wasm
    return 0
  else
    echo "warning: $(wasm-opt --version) broke the module ($err); keeping the unoptimised wasm"
  fi
  rm -f pkg/optimised.wasm
}
echo "== building wasm (release, +simd128)"
# Paths of this machine (cargo's registry, the checkout) are remapped so none ship in the wasm.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128 --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$PWD=/unrolled" \
  cargo build --quiet --lib --target wasm32-unknown-unknown --release
wasm=target/wasm32-unknown-unknown/release/unrolled.wasm
# wasm-bindgen (and wasm-opt) run again only when the compiled wasm or the CLI changed.
stamp="$(sha256sum "$wasm" | cut -d' ' -f1) $(tool_version wasm-bindgen) $(tool_version wasm-opt)"
if [ "$(cat pkg/.stamp 2>/dev/null)" != "$stamp" ]; then
  rm -rf pkg
  wasm-bindgen --target web --out-dir pkg "$wasm"
  optimise_wasm
  echo "$stamp" >pkg/.stamp
fi
rm -rf pkg/js
mkdir -p pkg/js
cp -r www/js/. pkg/js/
rm pkg/js/app.js pkg/js/train-app.js pkg/js/classify-app.js
cp www/unrolled-lab.js www/unrolled-lab.d.ts www/unrolled-train.js www/unrolled-lab.css LICENSE-MIT LICENSE-APACHE pkg/
{
  echo '> This package is built from the Unrolled repository by `scripts/build-web.sh`; paths such as'
  echo '> `scripts/` and `www/` below are in that repository, not in the package.'
  echo
  cat docs/embedding.md
} >pkg/README.md
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
cat >pkg/package.json <<JSON
{
  "name": "unrolled-lab",
  "version": "$version",
  "description": "Unrolled: an in-browser lab on how recurrent networks remember and forget, as a custom element <unrolled-lab> and mountable widgets (float64 RNN/LSTM/GRU core in WebAssembly).",
  "type": "module",
  "main": "unrolled-lab.js",
  "module": "unrolled-lab.js",
  "types": "unrolled-lab.d.ts",
  "exports": {
    ".": { "types": "./unrolled-lab.d.ts", "default": "./unrolled-lab.js" },
    "./unrolled-lab.js": { "types": "./unrolled-lab.d.ts", "default": "./unrolled-lab.js" },
    "./unrolled-train.js": "./unrolled-train.js",
    "./unrolled-lab.css": "./unrolled-lab.css",
    "./core": { "types": "./unrolled.d.ts", "default": "./unrolled.js" },
    "./js/*": "./js/*",
    "./unrolled_bg.wasm": "./unrolled_bg.wasm"
  },
  "files": ["unrolled-lab.js", "unrolled-lab.d.ts", "unrolled-train.js", "unrolled-lab.css", "LICENSE-MIT", "LICENSE-APACHE", "unrolled.js", "unrolled_bg.wasm", "unrolled.d.ts", "unrolled_bg.wasm.d.ts", "js/", "README.md"],
  "sideEffects": ["./unrolled-lab.js", "./unrolled-train.js"],
  "license": "MIT OR Apache-2.0"
}
JSON
