// PyTorch models in and out. In: a `.safetensors` file holding an nn.RNN / nn.LSTM / nn.GRU
// state_dict, picked with the button or dropped anywhere on the lab, becomes the scene (the core
// checks it first: a file it refuses leaves the scene as it was, and the message, which names the
// tensor, is shown here). Out: the chosen cell's network as two files PyTorch reads, the model
// (`<cell>-model.safetensors`, a state_dict) and its run (`<cell>-run.safetensors`: input,
// upstream gradient, output and ‖∂L/∂h_t‖); docs/safetensors.md has the Python that rebuilds it.
import { PYTHON, download, esc, html, listen, put } from './common.js';

export const name = 'pytorch';
export const region = 'controls';
export const controls = ['import', 'export'];
export const title = 'PyTorch';

export const template = () => `
<section class="panel" id="panel-pytorch" data-widget="pytorch">
  <h2>PyTorch models in and out</h2>
  <div class="field" data-control="import">
    <button type="button" id="st-open">Open a PyTorch model…</button>
    <input type="file" id="st-file" accept=".safetensors" hidden>
    <p class="hint">A <code>.safetensors</code> file of an <code>nn.RNN</code>, <code>nn.LSTM</code> or <code>nn.GRU</code> state_dict (stacked, bidirectional, or inside a model as <code>lstm.</code>), or drop it anywhere on the lab. It stays in this browser.</p>
    <p id="st-status" class="import-status" role="status" aria-live="polite"></p>
  </div>
  <div class="field" data-control="export">
    <label for="st-cell">Download for PyTorch</label>
    <select id="st-cell"></select>
    <div class="buttons">
      <button type="button" id="st-model" class="small">Model (.safetensors)</button>
      <button type="button" id="st-run" class="small">Input and gradient (.safetensors)</button>
    </div>
    <p class="hint">The model loads with <code>load_state_dict</code>; the second file holds its input, the upstream gradient of this page's loss, and this page's output and ‖∂L/∂h<sub>t</sub>‖. <a id="st-python" href="${PYTHON}pytorch_lab.py" download>pytorch_lab.py</a> rebuilds the <code>nn.LSTM</code>, <code>nn.GRU</code> or <code>nn.RNN</code> from them and prints how far PyTorch's numbers are from this page's: <code>python3 pytorch_lab.py lstm-model.safetensors lstm-run.safetensors</code> (needs <code>pip install torch safetensors</code>).</p>
  </div>
</section>`;

/** Opens `file` in the session; says what happened (or what is wrong with the file) in `status`. */
async function open(file, session, status) {
  put(status, 'className', 'import-status');
  html(status, `Reading ${esc(file.name)}…`);
  let bytes;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    put(status, 'className', 'import-status bad');
    html(status, `Could not read ${esc(file.name)}: ${esc(e.message)}`);
    return;
  }
  try {
    const { description: d, kept } = session.openSafetensors(bytes, file.name);
    const skipped = d.other_tensors.length ? ` Left alone: ${d.other_tensors.map((t) => `<code>${esc(t)}</code>`).join(', ')}.` : '';
    const memory = kept ? '' : ' Too big for this browser to keep: reloading the page forgets it.';
    html(status, `Opened ${esc(file.name)}: ${esc(d.cell)}, ${d.num_layers} layer${d.num_layers > 1 ? 's' : ''}${d.bidirectional ? ', bidirectional' : ''}, H = ${d.hidden_size}.${skipped}${memory}`);
  } catch (e) {
    put(status, 'className', 'import-status bad');
    html(status, `Could not open ${esc(file.name)}: ${esc(e.message || String(e))}`);
  }
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const status = $('st-status');
  const input = $('st-file');
  $('st-open').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const [file] = input.files;
    input.value = '';
    if (file) open(file, session, status);
  });
  // Drop anywhere on the lab (the layout this panel sits in).
  const area = root.closest('.layout') || root;
  const over = (e) => {
    if (![...(e.dataTransfer?.types || [])].includes('Files')) return;
    e.preventDefault();
    area.classList.add('drop-target');
  };
  const leave = () => area.classList.remove('drop-target');
  const drop = (e) => {
    leave();
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    open(file, session, status);
    status.scrollIntoView?.({ block: 'nearest' });
  };
  area.addEventListener('dragover', over);
  area.addEventListener('dragleave', leave);
  area.addEventListener('drop', drop);

  const cellIndex = () => Number($('st-cell').value) || 0;
  const save = (what) => {
    const i = cellIndex();
    const d = session.data.cells[i];
    const base = session.imported ? session.imported.name.replace(/\.safetensors$/i, '') : d.name;
    const bytes = session.guard(() => (what === 'model' ? session.lab.safetensors(i, 'f64') : session.lab.run_safetensors(i)));
    if (bytes) download(`${base}-${what}.safetensors`, new Blob([bytes], { type: 'application/octet-stream' }));
  };
  $('st-model').addEventListener('click', () => save('model'));
  $('st-run').addEventListener('click', () => save('run'));

  const sync = () => {
    const sel = $('st-cell');
    const keep = sel.value;
    html(sel, session.data.cells.map((d, i) => `<option value="${i}">${esc(session.imported ? `${d.info.label} (the opened model)` : d.info.label)}</option>`).join(''));
    if (keep && Number(keep) < session.data.cells.length) put(sel, 'value', keep);
    put(sel, 'disabled', session.data.cells.length < 2);
  };
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') session.afterDraw(sync); } });
  if (session.data) sync();
  return {
    redraw: sync,
    destroy() {
      off();
      area.removeEventListener('dragover', over);
      area.removeEventListener('dragleave', leave);
      area.removeEventListener('drop', drop);
    },
  };
}
