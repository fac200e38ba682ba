// The classifier view's session: a TrainSession (train-session.js: the worker, the records, the
// charts' handle, the events) whose one entrant is the course's LSTM classifier on the sentiment
// task or on the learner's own file (classify-state.js), and which asks the worker's trainer
// about the model as it is now: one sentence opened up (`explain`), a small batch packed and
// padded (`packing`), the `.safetensors` bytes, its predictions on the test set. On creation and
// after a reset the model is set up paused at iteration 0 (`prime`), so a typed sentence is read
// by the untrained model before Play (the sentence panel says which model it shows).
//
// Your own data: `useData(bytes, name)` reads the file with the core's importer (the same code
// as `unrolled train`'s `data.tsv`; a malformed file throws an Error naming the line) and trains
// on it. The file stays in this browser: in memory, and in this tab's sessionStorage so that a
// reload keeps it; the hash says only `data=own.<fingerprint>`, so a link opened elsewhere falls
// back to the shipped sentences with a notice saying why.
//
// Events besides TrainSession's: `model` when the parameters changed (a record arrived, or a
// new model was set up): the sentence and packing panels ask again; `data` when the data set
// changed (its summary, vocabulary and classes).
import { TrainSession } from './train-session.js';
import { EVAL_EVERY, SHIPPED, classifyKeyTable, classifySpec } from './classify-state.js';

export const ENTRANT = 'lstm';
/** Where this tab keeps the learner's file (sessionStorage: this tab only, kept over a reload). */
export const STORE_KEY = 'unrolled-classify-data';

/** A short fingerprint of a file's text (FNV-1a, 32 bits, over its UTF-16 code units), 8 hex digits. */
export function fingerprint(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function stored(fp) {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null');
    return v && v.fp === fp && typeof v.tsv === 'string' && fingerprint(v.tsv) === fp ? v : null;
  } catch { return null; }
}

export class ClassifySession extends TrainSession {
  static checksSpecs = false;

  constructor(core, text, panels) {
    super(core, text, panels, classifyKeyTable);
    this.keepRun = ['speed', 'hide', 'text', 'cbudget'];
    this.readyText = 'Ready: the model is untrained. Press Play to train it (or Step for one evaluation period).';
    this.own = null; // {tsv, name, fp, kept}: the learner's file
    this.dataset = null; // {key, source, summary, vocabulary, classes, handle}
    this.dataError = null;
    const notice = this.refreshData();
    if (notice) this.notices.push(notice);
    this.addEventListener('started', () => this.emit('model'));
    this.addEventListener('records', () => this.emit('model'));
    this.prime();
  }

  /** A text classifier's examples are sentences (the core's word). */
  get items() { return this.core.trainLimits.items.text; }

  /** The learner's file, when the state trains on it. */
  get ownData() { return this.state.data === SHIPPED ? null : this.own; }

  specs() {
    return [{ entrant: ENTRANT, spec: classifySpec(this.state, this.ownData?.tsv ?? null) }];
  }

  entrantLabel() {
    const s = this.state;
    return `${s.bidir === 'on' ? 'bi' : ''}LSTM ${s.layers}×${s.H}`;
  }

  /** The model set up in the worker at iteration 0, paused; Play then starts the same run. */
  prime() {
    this.start(true);
    this.started = false;
  }

  reset() {
    const notice = this.refreshData();
    if (notice) this.dataNotice = notice;
    super.reset();
    if (this.table) this.prime();
  }

  load(text) {
    this.dataNotice = null;
    const notices = super.load(text);
    return this.dataNotice ? [...notices, this.dataNotice] : notices;
  }

  /**
   * Brings the data set in line with the state: the shipped sentences, or the learner's file
   * split by `test` and `split` (the summary, vocabulary and classes the trainer will have).
   * Returns a notice when the state names a file this tab does not hold (then: the shipped data).
   */
  refreshData() {
    const s = this.state;
    let notice = null;
    if (s.data !== SHIPPED) {
      const fp = /^own\.([0-9a-f]{8})$/.exec(s.data)?.[1];
      if (!fp) {
        notice = `data: "${s.data}" is not a data set this page knows (sentiment, or own.… for a file of your own): showing the shipped sentiment sentences.`;
        s.data = SHIPPED;
      } else if (this.own?.fp !== fp) {
        const v = stored(fp);
        if (v) this.own = { ...v, kept: true };
        else {
          notice = `data: this link was made with a file of the learner's own (fingerprint ${fp}); such a file never leaves the browser it was loaded in, so the shipped sentiment sentences are shown instead. Load the file again in the Data panel (Train on: “your own data”) to train on it.`;
          s.data = SHIPPED;
        }
      }
    }
    const key = s.data === SHIPPED ? SHIPPED : `${s.data}|${s.test}|${s.split}`;
    if (this.dataset?.key === key) return notice;
    let next;
    try {
      next = s.data === SHIPPED ? this.shipped(key) : this.inspect(this.own.tsv, key);
      this.dataError = null;
    } catch (e) {
      // The file was read once already, so only a split can fail here: keep the shipped data.
      this.dataError = e.message;
      s.data = SHIPPED;
      next = this.shipped(SHIPPED);
    }
    this.dataset?.handle.free();
    this.dataset = next;
    this.emit('data');
    return notice;
  }

  shipped(key) {
    const w = this.core.wasm;
    const vocabulary = w.sentiment_vocabulary();
    return { key, source: 'shipped', summary: null, vocabulary, classes: w.sentiment_classes(), handle: new w.TextVocabulary(vocabulary) };
  }

  inspect(tsv, key, split = this.state) {
    const w = this.core.wasm;
    const summary = w.inspect_labelled(new TextEncoder().encode(tsv), split.test, split.split, 1);
    return { key, source: 'own', summary, vocabulary: summary.vocabulary, classes: summary.classes, handle: new w.TextVocabulary(summary.vocabulary) };
  }

  /** The vocabulary (tokens by id) the model reads with. */
  get vocabulary() { return this.dataset.vocabulary; }

  /** The class names by id. */
  get classes() { return this.dataset.classes; }

  /**
   * Trains on the learner's file (bytes, as read; or a string): read and checked by the core
   * (throws an Error naming the line), kept in this tab, the run reset. Returns the summary.
   */
  useData(bytes, name = 'pasted text') {
    const raw = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    const w = this.core.wasm;
    w.inspect_labelled(raw, this.state.test, this.state.split, 1); // the core's errors, by line
    const tsv = new TextDecoder().decode(raw);
    const fp = fingerprint(tsv);
    let kept = true;
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify({ fp, name, tsv })); } catch { kept = false; }
    this.own = { tsv, name, fp, kept };
    if (this.state.data !== `own.${fp}`) this.set({ data: `own.${fp}` });
    else { this.reset(); this.emit('state'); } // the same file again: a fresh run
    if (this.dataError) throw new Error(this.dataError);
    return this.dataset.summary;
  }

  /** Back to the shipped sentiment sentences. */
  useShipped() {
    this.set({ data: SHIPPED });
  }

  /** A typed sentence as the model reads it: `{tokens, ids, unknown}`. */
  encodeText(text) {
    return this.dataset.handle.encode(text);
  }

  play() {
    if (!this.started && !this.error) {
      this.started = true;
      this.post({ type: 'resume' });
      return;
    }
    super.play();
  }

  step() {
    if (!this.started && !this.error) {
      this.started = true;
      this.post({ type: 'step' });
      return;
    }
    super.step();
  }

  /** One sentence (ids) through the model now (train/explain.rs). */
  explain(ids) {
    return this.call(ENTRANT, 'explain_sentence', [Uint32Array.from(ids)]);
  }

  /** Sentences of ids (`B × steps`, padded with 0) run packed and padded (packing.rs). */
  packing(ids, steps, lengths) {
    return this.call(ENTRANT, 'classifier_packing', [Uint32Array.from(ids), steps, Uint32Array.from(lengths)]);
  }

  /** The model now as `.safetensors` bytes (`f32` or `f64`), its classes (label names in logit
   *  order) in the metadata as the JSON list `classes`. */
  safetensors(dtype = 'f32') {
    return this.call(ENTRANT, 'safetensors', [dtype, this.classes]);
  }

  /** The vocabulary (tokens by id) as the JSON list saved beside the model. */
  vocabularyJson() {
    return this.core.wasm.vocabulary_json(this.vocabulary);
  }

  /** Resolves once the worker has set up the current run, every record that arrived is drawn and
   *  every question asked of the model is answered (the panels then show the model as it is). */
  async settled() {
    const frame = () => new Promise((r) => { requestAnimationFrame(() => r()); });
    const idle = () => this.dead || this.error || (this.entrants.length > 0 && !this.stepping
      && this.finalWaiters.size === 0 && this.pending.length === 0 && this.flushTimer == null);
    for (let calm = 0; calm < 2;) {
      await new Promise((r) => { setTimeout(r, 0); });
      await frame();
      calm = idle() ? calm + 1 : 0;
    }
  }

  /** The model's iteration in the worker now (it may be past the last record after a pause). */
  iteration() {
    return this.call(ENTRANT, 'iteration');
  }

  /**
   * Brings the model to exactly `iteration` (a multiple of EVAL_EVERY) of this run, seeded as the
   * settings say, and paused there: resets first when the model is past it or between records,
   * then steps one evaluation period at a time. Rejects when the budget is spent first or the run
   * fails. The same settings always give the same model at the same iteration.
   */
  async trainTo(iteration) {
    if (!Number.isInteger(iteration) || iteration < 0 || iteration % EVAL_EVERY !== 0) {
      throw new Error(`trainTo: expected a multiple of ${EVAL_EVERY}, got ${iteration}`);
    }
    await this.settled();
    if (this.running) { this.pause(); await this.until(() => !this.running); }
    let now = await this.iteration();
    if (now > iteration || (iteration - now) % EVAL_EVERY !== 0) {
      this.reset();
      await this.settled();
      now = 0;
    }
    while (now < iteration) {
      if (this.entrants[0]?.final) throw new Error(`trainTo: the budget (${this.state.budget} s) was spent at iteration ${now}, before ${iteration}`);
      this.step();
      await this.until(() => this.stepping);
      await this.until(() => !this.stepping);
      if (this.error) throw new Error(this.error.message);
      now = await this.iteration();
    }
    await this.settled();
  }

  csv() {
    const cols = ['iteration', 'sequences', 'seconds', 'train_loss', 'test_loss', 'test_accuracy', 'test_accuracy_long_range', 'grad_norm', 'clip_count'];
    const rows = [cols.join(',')];
    for (const e of this.entrants) for (const r of e.parsed) rows.push(cols.map((c) => r[c] ?? '').join(','));
    return `${rows.join('\n')}\n`;
  }

  destroy() {
    this.dataset?.handle.free();
    super.destroy();
  }
}

/**
 * The models the comparison trains, in its table's order: the course's model, the simplest LSTM,
 * and the GRU and the vanilla tanh RNN in the course's shape (so against the first only the cell
 * differs). `model` is what each changes in the classifier's spec.
 */
// Each model's name (the same in the table, the Model A/B selects and the notes) and swatch: the
// cell's colour, striped for the second LSTM so that no two rows look alike.
export const COMPARE_MODELS = [
  { id: 'bi2', label: 'LSTM, 2 layers, bidirectional (the course\'s)', swatch: 'solid', model: { cell: 'lstm', num_layers: 2, bidirectional: true } },
  { id: 'uni1', label: 'LSTM, 1 layer, forward only', swatch: 'striped', model: { cell: 'lstm', num_layers: 1, bidirectional: false } },
  { id: 'gru', label: 'GRU, 2 layers, bidirectional', swatch: 'solid', model: { cell: 'gru', num_layers: 2, bidirectional: true } },
  { id: 'rnn', label: 'RNN tanh, 2 layers, bidirectional', swatch: 'solid', model: { cell: 'rnn_tanh', num_layers: 2, bidirectional: true } },
];

/**
 * The model comparison: a TrainSession of its own (its own training workers, train-pool.js and
 * train-worker.js: the race's entrants in slices) whose entrants are COMPARE_MODELS on the classifier
 * session's data, seed and settings, `cbudget` training seconds each. Entrants are named
 * `cell|id` (the cell colours the charts).
 */
export class CompareSession extends TrainSession {
  static checksSpecs = false;

  constructor(parent) {
    super(parent.core, '', [], classifyKeyTable);
    this.parent = parent;
  }

  /** The comparison's specs: the parent's spec with each model's changes, the comparison's budget. */
  specs() {
    const p = this.parent;
    return COMPARE_MODELS.map((m) => {
      const spec = classifySpec(p.state, p.ownData?.tsv ?? null, m.model);
      return { entrant: `${m.model.cell}|${m.id}`, spec: { ...spec, seconds: p.state.cbudget } };
    });
  }

  /** What the comparison trains, as text (the file by its fingerprint): a change means another comparison. */
  key() {
    const fp = this.parent.ownData?.fp ?? null;
    return JSON.stringify(this.specs().map(({ spec }) => (spec.data ? { ...spec, data: { ...spec.data, tsv: fp } } : spec)));
  }

  /** The COMPARE_MODELS entry of an entrant. */
  modelOf(entrant) { return COMPARE_MODELS.find((m) => m.id === entrant.split('|')[1]); }

  entrantLabel(entrant) { return this.modelOf(entrant)?.label ?? entrant; }

  /** The held-out sentences `{texts, labels, long_range, classes}` (from the first entrant). */
  testSet() { return this.call(this.entrants[0].name, 'test_set'); }

  /** An entrant's predicted class for each held-out sentence, now. */
  predictions(entrant) { return this.call(entrant, 'test_predictions'); }
}
