// The wasm core, loaded once per document (however many sessions and elements use it), and the
// facts the page reads from it: the cell table, the scene's limits and defaults. No script names
// a cell or repeats a limit: they come from here.
import init, * as wasm from '../unrolled.js';

let loading = null;

/** Resolves to `{ wasm, cells, cell(name), limits, defaults, trainLimits }` once the module is ready. */
export function loadCore() {
  loading ||= init().then(() => {
    const cells = wasm.cell_table();
    const byName = new Map(cells.map((c) => [c.name, c]));
    return {
      wasm,
      cells,
      cell: (name) => byName.get(name),
      limits: wasm.scene_limits(),
      defaults: wasm.default_scene(),
      trainLimits: wasm.train_limits(),
    };
  });
  return loading;
}
