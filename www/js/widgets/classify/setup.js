// The classifier's settings: its shape (bidirectional, layers, embedding width E, hidden size H,
// dropout between the layers) and its training (learning rate, batch, seed, budget). Any change
// resets the run: the charts would otherwise mix two experiments.
import { listen } from '../common.js';

export const name = 'cls-setup';
export const region = 'controls';
export const controls = ['bidir', 'layers', 'E', 'H', 'dropout', 'lr', 'batch', 'seed', 'budget'];
export const title = 'Model and training';

export const num = (id, label, key, attrs) => `
  <div class="field row" data-control="${key}">
    <label for="${id}">${label}</label>
    <input type="number" id="${id}" data-key="${key}" ${attrs}>
  </div>`;

export const template = (core) => {
  const L = core.trainLimits;
  return `
<section class="panel" id="panel-cls-setup" data-widget="cls-setup">
  <h2>Model and training</h2>
  <div class="field row" data-control="bidir">
    <label for="cls-bidir">Directions</label>
    <select id="cls-bidir"><option value="on">bidirectional</option><option value="off">forward only</option></select>
  </div>
  ${num('cls-layers', 'Layers', 'layers', 'min="1" max="4" step="1"')}
  ${num('cls-E', 'Embedding width E', 'E', 'min="1" max="256" step="1"')}
  ${num('cls-H', 'Hidden size H', 'H', 'min="1" max="256" step="1"')}
  ${num('cls-dropout', 'Dropout between layers', 'dropout', 'min="0" max="0.9" step="0.1"')}
  ${num('cls-lr', 'Learning rate (Adam)', 'lr', `min="${L.lr.min}" max="${L.lr.max}" step="any"`)}
  ${num('cls-batch', 'Batch size', 'batch', `min="${L.batch_size.min}" max="${L.batch_size.max}" step="1"`)}
  ${num('cls-seed', 'Seed', 'seed', `min="${L.seed.min}" max="${L.seed.max}" step="1"`)}
  ${num('cls-budget', 'Budget (s)', 'budget', 'min="1" max="3600" step="1"')}
  <p class="error" id="cls-setup-error" role="alert" hidden></p>
  <p class="hint">The course's <code>LSTMClassifier</code> (embedding → LSTM → a linear layer on the last layer's final states) on the data chosen under Data: every held-out sentence is scored every 25 iterations (for the shipped sentences also the long-range ones, whose deciding words are 5 or more apart, on their own).</p>
</section>`;
};

/**
 * Wires the number inputs (`input[data-key]`) in `root` to the session's state: a value outside
 * its key's range is refused with a message in `say` (the input goes back); a valid one is set.
 * Returns `sync`, which writes the state into the inputs (not into the one being edited).
 */
export function numberFields(root, session, say) {
  const inputs = [...root.querySelectorAll('input[data-key]')];
  const sync = () => {
    for (const el of inputs) if (root.getRootNode().activeElement !== el) el.value = session.state[el.dataset.key];
  };
  for (const el of inputs) {
    el.addEventListener('change', () => {
      const key = el.dataset.key;
      const v = Number(el.value);
      if (el.value.trim() === '' || !Number.isFinite(v)) { sync(); return; }
      const { range, type } = session.table.find((d) => d.key === key);
      if (v < range.min || v > range.max) {
        say(`${root.querySelector(`label[for=${el.id}]`).textContent}: expected ${range.min} to ${range.max}, got ${v}; kept ${session.state[key]}.`);
        el.value = session.state[key];
        return;
      }
      say('');
      session.set({ [key]: type === 'int' ? Math.round(v) : v });
    });
  }
  return sync;
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const problem = $('cls-setup-error');
  const say = (text) => { problem.textContent = text; problem.hidden = !text; };
  const syncNumbers = numberFields(root, session, say);
  const sync = () => {
    $('cls-bidir').value = session.state.bidir;
    syncNumbers();
  };
  $('cls-bidir').addEventListener('change', (e) => session.set({ bidir: e.target.value }));
  sync();
  const off = listen(session, { state: sync });
  return { redraw() {}, destroy: off };
}
