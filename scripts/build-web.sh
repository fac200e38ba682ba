#!/usr/bin/env bash
# Builds pkg/: the npm package `unrolled-lab` that the lab page, the lessons, the static site and
# other people's pages all load. It holds the wasm-bindgen output (unrolled.js, unrolled_bg.wasm,
# its .d.ts), a second build of the same core with relaxed SIMD (unrolled_relaxed_bg.wasm: the
# same exports, so the same glue loads it; js/wasm-build.js picks one at load time), the element
# scripts (unrolled-lab.js, unrolled-train.js, unrolled-classify.js) and their stylesheet, the
# session and widget modules (js/), a package.json and a README. pkg/ is generated (git-ignored);
# its sources are those files in www/ and www/js/ (all but the pages' own app.js, train-app.js and
# classify-app.js).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm

# wasm-opt, when present, shrinks the wasm; its output is kept only if it still instantiates
# (Debian 12's binaryen 108 breaks wasm-bindgen's externref table). Never fatal.
optimise_wasm() {
  have_cmd wasm-opt || return 0
  local err
  local wasm=$1
  if ! err=$(wasm-opt -O3 --enable-simd --enable-relaxed-simd --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    --enable-sign-ext --enable-mutable-globals \
    "$wasm" -o pkg/optimised.wasm 2>&1 | tail -1); then
    echo "warning: wasm-opt failed ($err); keeping the unoptimised wasm"
  elif err=$(node --experimental-wasm-relaxed-simd scripts/check-wasm.mjs pkg/unrolled.js pkg/optimised.wasm 2>&1); then
    mv pkg/optimised.wasm "$wasm"
    return 0
  else
    echo "warning: $(wasm-opt --version) broke the module ($err); keeping the unoptimised wasm"
  fi
  rm -f pkg/optimised.wasm
}
# Two builds of the same core, the same exports: `+simd128` (every browser with wasm SIMD:
# Chrome, Firefox, Safari) and `+simd128,+relaxed-simd` (Chrome and Edge; not Safari), whose
# product kernel uses f64x2.relaxed_madd (src/linalg/tiled.rs). The second has its own target
# directory, so switching between them does not rebuild the other.
echo "== building wasm (release, +simd128; and +simd128,+relaxed-simd)"
# Paths of this machine (cargo's registry, the checkout) are remapped so none ship in the wasm.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
remap="--remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$PWD=/unrolled"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128 $remap" \
  cargo build --quiet --lib --target wasm32-unknown-unknown --release
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd $remap" \
  cargo build --quiet --lib --target wasm32-unknown-unknown --release --target-dir target/relaxed-simd
wasm=target/wasm32-unknown-unknown/release/unrolled.wasm
relaxed=target/relaxed-simd/wasm32-unknown-unknown/release/unrolled.wasm
# wasm-bindgen (and wasm-opt) run again only when a compiled wasm or the CLI changed.
stamp="$(sha256sum "$wasm" "$relaxed" | cut -d' ' -f1 | tr '\n' ' ')$(tool_version wasm-bindgen) $(tool_version wasm-opt)"
if [ "$(cat pkg/.stamp 2>/dev/null)" != "$stamp" ]; then
  rm -rf pkg
  wasm-bindgen --target web --out-dir pkg "$wasm"
  wasm-bindgen --target web --out-dir pkg/relaxed "$relaxed"
  # One glue for both: it names the wasm's imports and exports, which must be the same.
  if ! cmp -s pkg/unrolled.js pkg/relaxed/unrolled.js; then
    echo "error: wasm-bindgen wrote different glue for the relaxed-SIMD build; js/wasm-build.js loads both with pkg/unrolled.js" >&2
    exit 1
  fi
  mv pkg/relaxed/unrolled_bg.wasm pkg/unrolled_relaxed_bg.wasm
  rm -rf pkg/relaxed
  optimise_wasm pkg/unrolled_bg.wasm
  optimise_wasm pkg/unrolled_relaxed_bg.wasm
  echo "$stamp" >pkg/.stamp
fi
rm -rf pkg/js
mkdir -p pkg/js
cp -r www/js/. pkg/js/
rm pkg/js/app.js pkg/js/train-app.js pkg/js/classify-app.js
# The Python the pages' downloads are loaded with, offered beside them: the lab's round trip (the
# file the round-trip test runs) and the course's classifier.
rm -rf pkg/python
mkdir -p pkg/python
cp tests/fixtures/safetensors/lab/pytorch_lab.py www/python/lstm_classifier.py pkg/python/
cp www/unrolled-lab.js www/unrolled-lab.d.ts www/unrolled-train.js www/unrolled-classify.js www/unrolled-lab.css LICENSE-MIT LICENSE-APACHE pkg/
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
    "./unrolled-classify.js": "./unrolled-classify.js",
    "./unrolled-lab.css": "./unrolled-lab.css",
    "./core": { "types": "./unrolled.d.ts", "default": "./unrolled.js" },
    "./js/*": "./js/*",
    "./unrolled_bg.wasm": "./unrolled_bg.wasm",
    "./unrolled_relaxed_bg.wasm": "./unrolled_relaxed_bg.wasm"
  },
  "files": ["unrolled-lab.js", "unrolled-lab.d.ts", "unrolled-train.js", "unrolled-classify.js", "unrolled-lab.css", "LICENSE-MIT", "LICENSE-APACHE", "unrolled.js", "unrolled_bg.wasm", "unrolled_relaxed_bg.wasm", "unrolled.d.ts", "unrolled_bg.wasm.d.ts", "js/", "README.md"],
  "sideEffects": ["./unrolled-lab.js", "./unrolled-train.js", "./unrolled-classify.js"],
  "license": "MIT OR Apache-2.0"
}
JSON
