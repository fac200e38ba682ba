// The classifier view's session: a TrainSession (train-session.js: the worker, the records, the
// charts' handle, the events) whose one entrant is the course's LSTM classifier on the sentiment
// task (classify-state.js), and which asks the worker's trainer about the model as it is now:
// one sentence opened up (`explain`), a small batch packed and padded (`packing`), the
// `.safetensors` bytes. On creation and after a reset the model is set up paused at iteration 0
// (`prime`), so a typed sentence is read by the untrained model before Play.
//
// Events besides TrainSession's: `model` when the parameters changed (a record arrived, or a
// new model was set up): the sentence and packing panels ask again.
import { TrainSession } from './train-session.js';
import { EVAL_EVERY, classifyKeyTable, classifySpec } from './classify-state.js';

export const ENTRANT = 'lstm';

export class ClassifySession extends TrainSession {
  constructor(core, text, panels) {
    super(core, text, panels, classifyKeyTable);
    this.keepRun = ['speed', 'hide', 'text'];
    this.readyText = 'Ready: the model is untrained. Press Play to train it (or Step for one evaluation period).';
    this.vocabulary = core.wasm.sentiment_vocabulary();
    this.classes = core.wasm.sentiment_classes();
    this.addEventListener('started', () => this.emit('model'));
    this.addEventListener('records', () => this.emit('model'));
    this.prime();
  }

  specs() {
    return [{ entrant: ENTRANT, spec: classifySpec(this.state) }];
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
    super.reset();
    if (this.table) this.prime();
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

  /** A typed sentence as the model reads it: `{tokens, ids, unknown}`. */
  encodeText(text) {
    return this.core.wasm.encode_sentence(text);
  }

  /** One sentence (ids) through the model now (train/explain.rs). */
  explain(ids) {
    return this.call(ENTRANT, 'explain_sentence', [Uint32Array.from(ids)]);
  }

  /** Sentences of ids (`B × steps`, padded with 0) run packed and padded (packing.rs). */
  packing(ids, steps, lengths) {
    return this.call(ENTRANT, 'classifier_packing', [Uint32Array.from(ids), steps, Uint32Array.from(lengths)]);
  }

  /** The model now as `.safetensors` bytes (`f32` or `f64`). */
  safetensors(dtype = 'f32') {
    return this.call(ENTRANT, 'safetensors', [dtype]);
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

  /** Resolves at the first transport or error event after which `test()` holds. */
  until(test) {
    return new Promise((resolve) => {
      const check = () => {
        if (!test() && !this.error && !this.dead) return;
        this.removeEventListener('transport', check);
        this.removeEventListener('error', check);
        resolve();
      };
      this.addEventListener('transport', check);
      this.addEventListener('error', check);
      check();
    });
  }

  csv() {
    const cols = ['iteration', 'sequences', 'seconds', 'train_loss', 'test_loss', 'test_accuracy', 'test_accuracy_long_range', 'grad_norm', 'clip_count'];
    const rows = [cols.join(',')];
    for (const e of this.entrants) for (const r of e.parsed) rows.push(cols.map((c) => r[c] ?? '').join(','));
    return `${rows.join('\n')}\n`;
  }
}
