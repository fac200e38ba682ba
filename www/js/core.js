// The wasm core, loaded once per document (however many sessions and elements use it), and the
// facts the page reads from it: the cell table, the scene's limits and defaults. No script names
// a cell or repeats a limit: they come from here. Which build of the core is loaded (relaxed SIMD
// or plain simd128) is chosen by wasm-build.js and named in `wasmBuild`.
import init, * as wasm from '../unrolled.js';
import { initWasm } from './wasm-build.js';

let loading = null;

/** Resolves to `{ wasm, wasmBuild, cells, cell(name), limits, defaults, trainLimits }` once the
 *  module is ready; `wasmBuild` is 'relaxed-simd' or 'simd128' (wasm-build.js). */
export function loadCore() {
  loading ||= initWasm(init).then((wasmBuild) => {
    const cells = wasm.cell_table();
    const byName = new Map(cells.map((c) => [c.name, c]));
    return {
      wasm,
      wasmBuild,
      cells,
      cell: (name) => byName.get(name),
      limits: wasm.scene_limits(),
      defaults: wasm.default_scene(),
      trainLimits: wasm.train_limits(),
    };
  });
  return loading;
}
