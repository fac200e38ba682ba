// The training view's state and its round trip through text (the URL hash, the `config`
// attribute of `<unrolled-train>`), with state.js's table-driven decode/encode: one declaration
// per key. Ranges and defaults come from the core (`train_limits()`, its recipe, and the cell
// table for the entrants); `fb` is the lab's carry-gate bias, the same key and the same range.
import { decode, encode } from './state.js';

export const MODES = ['race', 'sweep'];
/** Speeds of the transport: the fraction of the worker's time spent training. */
export const SPEEDS = [0.1, 0.25, 0.5, 1];
/** Held-out sequences and iterations between records in the page (smaller than the CLI's
 *  recipe so a record comes every second or two and an evaluation fits in a slice). */
export const EVAL = { every: 25, size: 256 };

/** The key table of the training view; `field` is the training-spec field a key writes (so an
 *  error the core reports against that field names the control). */
export function trainKeyTable(core, panels = []) {
  const L = core.trainLimits;
  const R = L.recipe;
  const cells = core.cells.map((c) => c.name);
  const always = () => true;
  return [
    { key: 'mode', type: 'enum', choices: MODES, def: () => 'race', write: always },
    { key: 'task', field: 'task.name', type: 'enum', choices: L.tasks, def: () => L.tasks[0], write: always },
    { key: 'T', field: 'task.steps', type: 'int', range: L.steps, def: () => 50, write: always },
    { key: 'cells', type: 'list', choices: cells, def: () => [...core.defaults.cells], write: always },
    { key: 'seed', field: 'seed', type: 'int', range: L.seed, def: () => R.seed ?? 0, write: always },
    { key: 'fb', field: 'model.init.carry_bias', type: 'num', range: L.carry_bias, digits: 3, def: () => R.carry_bias, write: always },
    { key: 'lr', field: 'optimizer.lr', type: 'num', range: L.lr, precision: 3, def: () => R.lr, write: always },
    { key: 'batch', field: 'batch_size', type: 'int', range: L.batch_size, def: () => R.batch_size, write: always },
    { key: 'H', field: 'model.hidden_size', type: 'int', range: L.hidden_size, def: () => 32, write: always },
    { key: 'budget', field: 'seconds', type: 'int', range: { min: 1, max: 3600 }, def: () => 120, write: always },
    // `solved`: an entrant stops once it meets the criterion, so the rest train on alone;
    // `budget`: every entrant spends its whole budget.
    { key: 'until', type: 'enum', choices: ['solved', 'budget'], def: () => 'solved', write: (s) => s.until !== 'solved' },
    { key: 'seeds', type: 'int', range: { min: 1, max: 10 }, def: () => 3, write: (s) => s.mode === 'sweep' },
    { key: 'sbudget', type: 'int', range: { min: 1, max: 600 }, def: () => 8, write: (s) => s.mode === 'sweep' },
    { key: 'speed', type: 'num', range: { min: SPEEDS[0], max: 1 }, digits: 2, def: () => 1, write: (s) => s.speed !== 1 },
    { key: 'hide', type: 'list', choices: panels, def: () => [], write: (s) => s.hide.length > 0 },
  ];
}

export { decode, encode };

/**
 * The sweep's sequence lengths: from the task's shortest `minSteps` (the core's
 * `train_limits().min_steps`), each twice the last, and T itself last (adding, T = 50: 4, 8, 16,
 * 32, 50). Doubling, not even steps: the vanilla RNN falls off between T = 6 and T = 10 on
 * `adding` with the recipe (README, "The sweep's lengths"), so evenly spaced lengths from T/5
 * (10, 20, … 50) showed it failing everywhere and never where it falls off.
 */
export function sweepSteps(state, minSteps) {
  const out = [];
  for (let t = Math.max(1, minSteps); t < state.T; t *= 2) out.push(t);
  out.push(Math.max(minSteps, state.T));
  return [...new Set(out)];
}

/**
 * The training spec (docs/spec.md, "Training spec") of one entrant: the cell, and the state's
 * task, model size, optimiser, seed and budget; `carry_bias` only for cells with a carry-gate
 * block (the cell table's `carry.block`). Exactly what `unrolled train` reads.
 */
export function trainSpec(state, info) {
  // Only a carry gate that is a block has a bias (the 1997 LSTM's f ≡ 1 has none).
  const init = info.carry && info.carry.block !== null ? { carry_bias: state.fb } : {};
  return {
    version: 1,
    model: { cell: info.name, hidden_size: state.H, init },
    task: { name: state.task, steps: state.T },
    optimizer: { name: 'adam', lr: state.lr },
    batch_size: state.batch,
    seed: state.seed,
    seconds: state.budget,
    eval_every: EVAL.every,
    eval_size: EVAL.size,
  };
}
