// Trained models from the training view, opened in the lab: where they come from, what each
// one's head answers on the sequence shown (against the target), another sequence, which trained
// matrix the spectrum shows, and the way back to the designed scene. Shown only while the scene
// is one of trained models (`trained=` in the link; www/js/trained-store.js).
import { fmt } from '../format.js';
import { esc, html, listen, put } from './common.js';

export const name = 'trained';
export const region = 'controls';
export const controls = [];
export const title = 'Trained models';

export const template = () => `
<section class="panel" id="panel-trained" data-widget="trained" hidden>
  <h2>Trained models</h2>
  <p id="trained-source" class="hint"></p>
  <div id="trained-heads" class="readout" aria-live="polite"></div>
  <div class="field row">
    <label for="trained-seq">Sequence (seed)</label>
    <input type="number" id="trained-seq" min="0" step="1">
    <button type="button" id="trained-next" class="small">Another sequence</button>
  </div>
  <div class="field">
    <label for="trained-w">Spectrum and singular values of</label>
    <select id="trained-w"></select>
  </div>
  <p class="hint">ρ, σ<sub>max</sub>, the eigenvalues, H, T, the input, the initialisation, the carry-gate bias and the loss design a W; trained weights are shown as they are, so those controls are off.</p>
  <button type="button" id="trained-leave">Back to the designed scene</button>
</section>`;

/** What one model's head answered, in words: output against target, or class against label. */
function answer(d, task) {
  const h = d.head;
  if (!h) return '';
  const ok = h.success >= 1;
  if (task.target.length) {
    const err = Math.abs(h.outputs[0] - task.target[0]);
    return `${d.info.label}: output ${fmt(h.outputs[0], 3)} for target ${fmt(task.target[0], 3)}, <b class="${ok ? 'good' : 'bad'}">${ok ? 'solved' : 'not solved'}</b> (|error| ${fmt(err, 2)} ${ok ? '&lt;' : '≥'} 0.04)`;
  }
  if (task.labels.length === 1) {
    const classes = h.outputs.length;
    const best = h.outputs.reduce((b, v, i) => (v > h.outputs[b] ? i : b), 0);
    return `${d.info.label}: class ${best} of ${classes} for label ${task.labels[0]}, <b class="${ok ? 'good' : 'bad'}">${ok ? 'right' : 'wrong'}</b>`;
  }
  return `${d.info.label}: ${Math.round(100 * h.success)} % of the symbols recalled right`;
}

/** The trained matrix the spectrum shows, in words (`LSTM W_hg`). */
export function matrixName(session) {
  const { task, cells } = session.data;
  const d = cells[task.spectrum_model];
  const b = d.info.blocks;
  return b.length === 1 ? `the ${d.info.label}'s W_hh` : `the ${d.info.label}'s W_h${b[task.spectrum_block].name} (${b[task.spectrum_block].title})`;
}

/** The matrix the spectrum panels show, in words: `W_hh`, or the trained block's name. */
export function shownMatrix(session) {
  return session.trained && session.data?.task ? matrixName(session) : 'W_hh';
}

/** The blocks of each model's W_hh, as options `model:block`. */
function matrixOptions(session) {
  return session.data.cells.flatMap((d, i) => {
    const blocks = d.info.blocks;
    return blocks.map((b, k) => {
      const label = blocks.length === 1 ? `${d.info.label} W_hh` : `${d.info.label} W_h${b.name} (${b.title})`;
      return `<option value="${i}:${k}">${esc(label)}</option>`;
    });
  }).join('');
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const panel = root; // the widget's own panel
  const set = (patch, e) => session.set(patch, e?.timeStamp ?? performance.now());
  $('trained-seq').addEventListener('change', (e) => set({ seq: Math.max(0, Math.round(Number(e.target.value) || 0)) }, e));
  $('trained-next').addEventListener('click', (e) => set({ seq: session.state.seq + 1 }, e));
  $('trained-w').addEventListener('change', (e) => {
    const [wm, wb] = e.target.value.split(':').map(Number);
    set({ wm, wb, eigs: null, sel: -1 }, e);
  });
  $('trained-leave').addEventListener('click', (e) => set({ trained: '', seq: 0, wm: 0, wb: -1, sel: -1 }, e));

  const sync = () => {
    const on = Boolean(session.trained && session.data?.task);
    put(panel, 'hidden', !on);
    if (!on) return;
    const { task } = session.data;
    const len = session.state.T;
    put($('trained-source'), 'textContent', `${session.trained.source} Shown on one ${task.task} sequence of ${len} steps (T = ${task.task_steps}), with the task's own loss.`);
    html($('trained-heads'), session.data.cells.map((d) => answer(d, task)).join('<br>'));
    put($('trained-seq'), 'value', String(session.state.seq));
    const sel = $('trained-w');
    html(sel, matrixOptions(session));
    put(sel, 'value', `${task.spectrum_model}:${task.spectrum_block}`);
  };
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') session.afterDraw(sync); } });
  if (session.data) sync();
  return { redraw: sync, destroy: off };
}
