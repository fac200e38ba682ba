// The classifier view's state and its round trip through text (the URL hash), with state.js's
// table-driven decode/encode: one declaration per key. The model's shape (bidirectional, layers,
// E, H, dropout), the optimiser (lr, batch), the seed and the budget write the training spec of
// the sentiment task (docs/spec.md, "task for the text classifier"), or with `data=own.<fp>` of
// the learner's own file (`data.tsv`, split by `test` and `split`; the file itself is never in
// the hash: classify-session.js keeps it); `text` is the typed sentence (changing it does not
// reset the run); `cbudget` the model comparison's seconds per model. Ranges come from the core
// (`train_limits()`).
import { decode, encode } from './state.js';

/** Iterations between records: an evaluation scores all 1000 test sentences, so not too often. */
export const EVAL_EVERY = 25;
/** The sentence the view opens with: a negation, so the word that flips the label is there. */
export const DEFAULT_TEXT = 'I did not find the film enjoyable in the end!';
/** `data` for the shipped sentiment sentences; a file of the learner's own is `own.<fingerprint>`. */
export const SHIPPED = 'sentiment';
/** The model comparison's training seconds per model when the link does not say. */
export const COMPARE_BUDGET = 20;

/** The key table of the classifier view; `field` is the training-spec field a key writes. */
export function classifyKeyTable(core, panels = []) {
  const L = core.trainLimits;
  const R = L.recipe;
  const always = () => true;
  return [
    { key: 'bidir', field: 'model.bidirectional', type: 'enum', choices: ['on', 'off'], def: () => 'on', write: always },
    { key: 'layers', field: 'model.num_layers', type: 'int', range: { min: 1, max: 4 }, def: () => 2, write: always },
    { key: 'E', field: 'model.embed_dim', type: 'int', range: { min: 1, max: 256 }, def: () => 32, write: always },
    { key: 'H', field: 'model.hidden_dim', type: 'int', range: { min: 1, max: 256 }, def: () => 32, write: always },
    { key: 'dropout', field: 'model.dropout', type: 'num', range: { min: 0, max: 0.9 }, digits: 2, def: () => 0.5, write: always },
    { key: 'lr', field: 'optimizer.lr', type: 'num', range: L.lr, precision: 3, def: () => R.lr, write: always },
    { key: 'batch', field: 'batch_size', type: 'int', range: L.batch_size, def: () => 32, write: always },
    { key: 'seed', field: 'seed', type: 'int', range: L.seed, def: () => R.seed ?? 0, write: always },
    { key: 'budget', field: 'seconds', type: 'int', range: { min: 1, max: 3600 }, def: () => 60, write: always },
    { key: 'data', field: 'data', type: 'text', maxLength: 40, def: () => SHIPPED, write: (s) => s.data !== SHIPPED },
    { key: 'test', field: 'data.test_fraction', type: 'num', range: L.test_fraction, digits: 2, def: () => L.test_fraction.default, write: (s) => s.data !== SHIPPED },
    { key: 'split', field: 'data.split_seed', type: 'int', range: L.seed, def: () => 0, write: (s) => s.data !== SHIPPED },
    { key: 'cbudget', type: 'int', range: { min: 1, max: 600 }, def: () => COMPARE_BUDGET, write: (s) => s.cbudget !== COMPARE_BUDGET },
    { key: 'text', type: 'text', maxLength: 300, def: () => DEFAULT_TEXT, write: always },
    { key: 'speed', type: 'num', range: { min: 0.1, max: 1 }, digits: 2, def: () => 1, write: (s) => s.speed !== 1 },
    { key: 'hide', type: 'list', choices: panels, def: () => [], write: (s) => s.hide.length > 0 },
  ];
}

export { decode, encode };

/**
 * The training spec of the state: the course's classifier on the shipped sentiment task, or, when
 * `tsv` (the learner's file as text) is given, on that file as `data.tsv`. `model` overrides model
 * fields (the comparison's `cell`, `num_layers`, `bidirectional`).
 */
export function classifySpec(state, tsv = null, model = {}) {
  const source = tsv === null
    ? { task: { name: 'sentiment' } }
    : { data: { tsv, test_fraction: state.test, split_seed: state.split } };
  return {
    version: 1,
    model: {
      model: 'lstm_classifier',
      embed_dim: state.E,
      hidden_dim: state.H,
      num_layers: state.layers,
      bidirectional: state.bidir === 'on',
      dropout: state.dropout,
      ...model,
    },
    ...source,
    optimizer: { name: 'adam', lr: state.lr },
    batch_size: state.batch,
    seed: state.seed,
    seconds: state.budget,
    eval_every: EVAL_EVERY,
  };
}
