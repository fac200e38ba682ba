// Trained models from the training view, or a PyTorch model opened from a `.safetensors` file,
// in the lab: where they come from, what each one's head answers on the sequence shown (against
// the target), another sequence, which trained matrix the spectrum shows, and the way back to the
// designed scene. For an opened file: what the core recognised in it, which layer and direction
// the panels show, and which block of its W_hh. Shown only while the scene is one of trained
// models (`trained=` in the link; www/js/trained-store.js).
import { article, fmt, percent } from '../format.js';
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
  <div class="field" id="trained-run-field" hidden>
    <label for="trained-run">Layer and direction shown</label>
    <select id="trained-run"></select>
  </div>
  <div class="field row" id="trained-seq-field">
    <label for="trained-seq">Sequence (seed)</label>
    <input type="number" id="trained-seq" min="0" step="1">
    <button type="button" id="trained-next" class="small">Another sequence</button>
  </div>
  <div class="field">
    <label for="trained-w">Spectrum and singular values of</label>
    <select id="trained-w"></select>
  </div>
  <p class="hint" id="trained-hint">ρ, σ<sub>max</sub>, the eigenvalues, H, T, the input, the initialisation, the carry-gate bias and the loss design a W; trained weights are shown as they are, so those controls are off.</p>
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
  return `${d.info.label}: ${percent(h.success)} of the symbols recalled right`;
}

/** A block of a W_hh in words: `W_hf (forget gate f)`, or `W_hh` for a one-block cell. */
const blockName = (info, k) => (info.blocks.length === 1 ? 'W_hh' : `W_h${info.blocks[k].name} (${info.blocks[k].title})`);

/** The trained matrix the spectrum shows, in words (`LSTM W_hg`). */
export function matrixName(session) {
  const { task, cells, imported } = session.data;
  if (imported) return `the ${cells[0].info.label} ${imported.runs[imported.run].label} ${blockName(cells[0].info, imported.block)}`;
  const d = cells[task.spectrum_model];
  const b = d.info.blocks;
  return b.length === 1 ? `the ${d.info.label}'s W_hh` : `the ${d.info.label}'s W_h${b[task.spectrum_block].name} (${b[task.spectrum_block].title})`;
}

/** The matrix the spectrum panels show, in words: `W_hh`, or the trained block's name. */
export function shownMatrix(session) {
  return session.trained && (session.data?.task || session.data?.imported) ? matrixName(session) : 'W_hh';
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

/** An imported file in words: what it holds, what the lab left alone, and how it runs. */
function importedText(session) {
  const { imported: v, cells } = session.data;
  const dir = v.bidirectional ? 'bidirectional ' : '';
  const layers = v.num_layers > 1 ? `${v.num_layers}-layer ` : '';
  const nonlin = v.cell.startsWith('rnn_') && v.cell_from === 'gates' ? ' (nn.RNN keeps no nonlinearity in its weights: tanh, PyTorch\'s default, is assumed; a file saved with metadata cell = rnn_relu opens as ReLU)' : '';
  const prefix = v.prefix ? ` under the prefix <code>${esc(v.prefix)}</code>` : '';
  const others = v.other_tensors.length ? ` Not part of it, so left alone: ${v.other_tensors.map((t) => `<code>${esc(t)}</code>`).join(', ')}.` : '';
  const bias = v.bias ? '' : ' No biases (bias=False).';
  const what = `${layers}${dir}${cells[0].info.label}`;
  const a = article(what);
  const inputs = v.input_size === 1 ? 'on its one input' : `on each of its ${v.input_size} inputs`;
  return `${esc(session.imported.source)} ${a[0].toUpperCase()}${a.slice(1)} ${esc(what)}${nonlin}${prefix}: input size I = ${v.input_size}, H = ${v.hidden_size}, ${esc(v.dtypes.join(', '))}.${bias}${others} It runs on the lab's input (the same value ${inputs}) with the lab's loss on the top layer's output.`;
}

/** A reverse direction under a loss at the last step gets its gradient at t = T−1 alone: say so. */
function reverseNote(session) {
  const v = session.data.imported;
  const run = v.runs[v.run];
  if (run.direction !== 1 || session.state.loss !== 'last') return '';
  return run.layer === v.num_layers - 1
    ? ' This reverse direction reads the sequence backwards: its first step is t = T−1, where the loss at the last step enters, and nothing after it depends on it, so its gradient is 0 before t = T−1. Take the loss at every step to see it travel.'
    : '';
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
  $('trained-run').addEventListener('change', (e) => set({ wm: Number(e.target.value), eigs: null, sel: -1 }, e));
  $('trained-leave').addEventListener('click', (e) => set({ trained: '', seq: 0, wm: 0, wb: -1, sel: -1 }, e));

  const r0 = (v) => v.runs[v.run].label;
  const syncImported = () => {
    const v = session.data.imported;
    const info = session.data.cells[0].info;
    html($('trained-source'), importedText(session));
    html($('trained-heads'), reverseNote(session) ? `<p>${reverseNote(session)}</p>` : '');
    const runs = $('trained-run');
    html(runs, v.runs.map((r, i) => `<option value="${i}">${esc(r.label)}</option>`).join(''));
    put(runs, 'value', String(v.run));
    const sel = $('trained-w');
    html(sel, info.blocks.map((b, k) => `<option value="${v.run}:${k}">${esc(`${r0(v)} ${blockName(info, k)}`)}</option>`).join(''));
    put(sel, 'value', `${v.run}:${v.block}`);
    put($('trained-hint'), 'textContent', 'H, the cells, ρ, σ_max, the eigenvalues, the initialisation and the carry-gate bias are the file\'s, so those controls are off; T, the input, the seed and the loss still apply.');
  };
  const sync = () => {
    const imported = Boolean(session.imported && session.data?.imported);
    const on = Boolean(session.trained && session.data?.task) || imported;
    put(panel, 'hidden', !on);
    if (!on) return;
    put($('trained-run-field'), 'hidden', !imported);
    put($('trained-seq-field'), 'hidden', imported);
    put(panel.querySelector('h2'), 'textContent', imported ? 'PyTorch model' : 'Trained models');
    if (imported) { syncImported(); return; }
    put($('trained-hint'), 'textContent', 'ρ, σ_max, the eigenvalues, H, T, the input, the initialisation, the carry-gate bias and the loss design a W; trained weights are shown as they are, so those controls are off.');
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
