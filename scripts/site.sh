#!/usr/bin/env bash
# Writes dist/: the app as a self-contained static site that any static host serves as it is,
# from its root or from a sub-path (https://example.org/some/path/), e.g. `python3 -m http.server`
# in dist/. Only the files the pages load are copied (no TypeScript declarations, no tests); every
# URL in them is relative (checked here). The wasm is optimised with wasm-opt when it is present.
# Prints what a learner downloads, raw and gzip-compressed.
#   ./scripts/site.sh [OUT_DIR]    (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
source scripts/setup.sh
bash scripts/build-web.sh

rm -rf "$out"
mkdir -p "$out/js"
cp www/index.html www/train.html www/classify.html www/style.css www/sw.js www/embed-example.html www/embed-train-example.html "$out/"
cp www/js/app.js www/js/train-app.js www/js/classify-app.js "$out/js/"
cp -r www/lessons "$out/lessons"
# The package as the page loads it: no package.json, README or TypeScript declarations.
cp -r pkg "$out/pkg"
rm -f "$out/pkg/package.json" "$out/pkg/README.md" "$out/pkg/.stamp" "$out"/pkg/*.d.ts

# Relative URLs only: no src/href/import/fetch/new URL starting with "/" or naming a host.
bad=$(grep -rnE "(src|href)=\"(/|https?:)|from '(/|https?:)|import\('(/|https?:)|fetch\('(/|https?:)|new URL\('(/|https?:)" "$out" || true)
if [ -n "$bad" ]; then
  echo "error: dist/ has absolute URLs (the site must work from any sub-path):" >&2
  echo "$bad" >&2
  exit 1
fi

# No path of the build machine ships (build-web.sh remaps them in the wasm).
leaked=$(grep -a -o -E "($HOME|$PWD)/[[:alnum:]_./-]*" -r "$out" | head -3 || true)
if [ -n "$leaked" ]; then
  echo "error: dist/ names paths of this machine:" >&2
  echo "$leaked" >&2
  exit 1
fi

echo "== $out/: what a learner downloads (bytes, and gzip -9 as a server compresses them)"
# A browser loads one of the two builds of the core (pkg/js/wasm-build.js): counted is the
# relaxed-SIMD one; the simd128 fallback, for browsers without relaxed SIMD, is about as large.
declare -A raw gz
while IFS= read -r f; do
  [ "$f" = "$out/pkg/unrolled_bg.wasm" ] && continue
  ext=${f##*.}
  raw[$ext]=$((${raw[$ext]:-0} + $(wc -c <"$f")))
  gz[$ext]=$((${gz[$ext]:-0} + $(gzip -9 -c "$f" | wc -c)))
done < <(find "$out" -type f)
total=0
total_gz=0
for ext in wasm js css html; do
  printf '  %-6s %9d bytes  %8d gzip\n' "$ext" "${raw[$ext]:-0}" "${gz[$ext]:-0}"
  total=$((total + ${raw[$ext]:-0}))
  total_gz=$((total_gz + ${gz[$ext]:-0}))
done
printf '  %-6s %9d bytes  %8d gzip\n' total "$total" "$total_gz"
printf '  (%s also holds the simd128 fallback: %d bytes, %d gzip)\n' "$out" "$(wc -c <"$out/pkg/unrolled_bg.wasm")" "$(gzip -9 -c "$out/pkg/unrolled_bg.wasm" | wc -c)"
have_cmd wasm-opt || echo "   (no wasm-opt on PATH: the wasm is not size-optimised; see README)"
echo "Serve it with any static server, e.g.: (cd $out && python3 -m http.server)"
