// The Jacobian analysis off the main thread: the same scene, run with `analysis: true`.
// ‖∂h_T/∂h_t‖₂ needs a product of H×H Jacobians and a spectral norm at every step, which is too
// much work to do inside one frame; the page draws everything else at once and these curves
// when they arrive. Only the newest request matters: older ones still queued are skipped.
import init, { Lab, cell_table } from '../unrolled.js';
import { initWasm } from './wasm-build.js';

let lab = null;
let latest = null;
let busy = false;
let carried = null; // names of the cells with a carry path, from the core's table
const ready = initWasm(init).then(() => { carried = new Set(cell_table().filter((c) => c.carry).map((c) => c.name)); });

async function drain() {
  if (busy) return;
  busy = true;
  await ready;
  while (latest) {
    const { id, config } = latest;
    latest = null;
    try {
      const cfg = { ...config, analysis: true };
      if (!lab) lab = new Lab(cfg);
      else lab.update(cfg);
      const cells = [];
      for (let i = 0; i < lab.cell_count(); i += 1) {
        const gated = carried.has(lab.cell_name(i));
        cells.push({
          jacobian: lab.per_step(i, 'jacobian_norm'),
          carry: gated ? lab.series(i, 'carry_path') : new Float64Array(0),
          carryNorm: gated ? lab.per_step(i, 'carry_path_norm') : new Float64Array(0),
        });
      }
      const transfer = cells.flatMap((c) => [c.jacobian.buffer, c.carry.buffer, c.carryNorm.buffer]);
      postMessage({ id, cells }, transfer);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) lab = null;
      postMessage({ id, error: e.message || String(e) });
    }
    // Let newer messages arrive before the next computation.
    await new Promise((r) => setTimeout(r, 0));
  }
  busy = false;
}

onmessage = (e) => {
  latest = e.data;
  drain();
};
