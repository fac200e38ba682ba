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
import { classifyKeyTable, classifySpec } from './classify-state.js';

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

  csv() {
    const cols = ['iteration', 'sequences', 'seconds', 'train_loss', 'test_loss', 'test_accuracy', 'test_accuracy_long_range', 'grad_norm', 'clip_count'];
    const rows = [cols.join(',')];
    for (const e of this.entrants) for (const r of e.parsed) rows.push(cols.map((c) => r[c] ?? '').join(','));
    return `${rows.join('\n')}\n`;
  }
}
