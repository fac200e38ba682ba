// Which build of the wasm core this document (page or worker) runs, chosen once at load time.
// pkg/ holds two builds of the same core with the same exports, so the one glue (unrolled.js)
// loads either: unrolled_relaxed_bg.wasm (+simd128,+relaxed-simd: the product kernel uses
// f64x2.relaxed_madd, which V8 fuses into one FMA where the CPU has it) and unrolled_bg.wasm
// (+simd128 only: every browser with wasm SIMD, Safari included, which lacks relaxed SIMD).
// The relaxed build is chosen when the browser validates a tiny module using
// f64x2.relaxed_madd; `?wasm=simd128` in the document's URL forces the plain build (for
// testing; a page passes its choice on to its workers the same way, see workerUrl).
// The two builds' products round differently (src/linalg/tiled.rs states by how much).

/** The builds, by name: the file each loads. */
export const BUILDS = { 'relaxed-simd': 'unrolled_relaxed_bg.wasm', simd128: 'unrolled_bg.wasm' };

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f64x2.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code section: one body of 59 bytes, no locals
  0xfd, 0x0c, ...new Array(16).fill(0), // v128.const 0
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x87, 0x02, // f64x2.relaxed_madd (0xfd 0x107)
  0x0b, // end
]);

/** Whether this browser's WebAssembly has relaxed SIMD (validates f64x2.relaxed_madd). */
export function hasRelaxedSimd() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The build to load: `?wasm=simd128` (or `relaxed-simd`, if the browser has it) in `search`
 *  forces one; otherwise relaxed SIMD where the browser has it, else plain simd128. */
export function chooseBuild(search = globalThis.location?.search ?? '') {
  const forced = new URLSearchParams(search).get('wasm');
  if (forced === 'simd128') return 'simd128';
  return hasRelaxedSimd() ? 'relaxed-simd' : 'simd128';
}

/** Initialises the wasm-bindgen glue's `init` with the chosen build's wasm; resolves to the
 *  build's name ('relaxed-simd' | 'simd128'). */
export async function initWasm(init, build = chooseBuild()) {
  await init({ module_or_path: new URL(`../${BUILDS[build]}`, import.meta.url) });
  return build;
}

/** A worker script's URL that makes the worker load `build`, as the page did. */
export function workerUrl(url, build) {
  const u = new URL(url);
  u.searchParams.set('wasm', build);
  return u;
}
