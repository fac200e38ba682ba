// The model controls: which cells run side by side, H, T, the input, the initialisation, the seed,
// the carry-gate bias (with its classic starting values by name) and where the loss is taken.
import { fmt } from '../format.js';
import { INITS, INPUTS } from '../state.js';
import { bound, esc, listen, put, setRange } from './common.js';

export const name = 'model';
export const region = 'controls';
export const controls = ['cells', 'H', 'T', 'input', 'init', 'seed', 'carry', 'loss'];
export const title = 'Model';

const INPUT_TEXT = { pulse: 'A single pulse at t = 0', noise: 'Random noise', sine: 'Sine wave', custom: 'Values I type…' };
const INIT_TEXT = {
  orthogonal: 'Orthogonal', pytorch: 'PyTorch default U(±1/√H)', identity: 'Identity (IRNN)',
  gaussian: 'Gaussian N(0, 1/H)', sparse: 'Sparse "smart" (Pascanu)',
};

/** The carry-gate biases worth one click: PyTorch's default, Jozefowicz et al. 2015, wide open. */
export const CARRY_PRESETS = [
  { fb: null, text: 'PyTorch default', title: 'b_ih and b_hh drawn from U(±1/√H): the gate starts near σ(0) = 0.5' },
  { fb: 1, text: '+1 (Jozefowicz 2015)', title: 'Forget-gate bias 1, as Jozefowicz, Zaremba & Sutskever (2015) recommend: σ(1) ≈ 0.73' },
  { fb: 5, text: '+5 (open)', title: 'Bias 5: σ(5) ≈ 0.993, the gate starts nearly open and the gradient survives' },
];

/** What a carry-gate bias setting means, in words. */
export function carryText(fb, H) {
  if (fb === null) return `≈ 0 (PyTorch default: b_ih, b_hh ~ U(±${fmt(1 / Math.sqrt(H), 2)}))`;
  return `${fmt(fb)} (gate starts at σ(${fmt(fb)}) = ${fmt(1 / (1 + Math.exp(-fb)))})`;
}

export const template = (core) => {
  // The cells whose carry gate is a block with a bias (a gate fixed at 1 has none to set).
  const carried = core.cells.filter((c) => c.carry && c.carry.block !== null).map((c) => `${c.label} ${c.carry.name}`).join(', ');
  return `
<section class="panel" id="panel-model" data-widget="model">
  <h2>Model</h2>
  <fieldset class="cells" data-control="cells">
    <legend>Cells, side by side</legend>
    ${core.cells.map((c) => `<label><input type="checkbox" name="cell" value="${c.name}"> <span class="swatch" style="background:${c.color}"></span>${esc(c.label)}</label>`).join('\n    ')}
    <button type="button" id="all-cells" class="small">All ${core.cells.length}</button>
  </fieldset>
  <div class="field" data-control="H">
    <label for="hidden"><span>Hidden size H</span> <output id="hidden-out" for="hidden"></output></label>
    <input type="range" id="hidden" step="1">
  </div>
  <div class="field" data-control="T">
    <label for="steps"><span>Sequence length T</span> <output id="steps-out" for="steps"></output></label>
    <input type="range" id="steps" step="1">
  </div>
  <div class="field" data-control="input">
    <label for="input">Input sequence</label>
    <select id="input">${INPUTS.map((v) => `<option value="${v}">${INPUT_TEXT[v]}</option>`).join('')}</select>
    <input type="text" id="custom" placeholder="e.g. 1, 0, 0, -1" aria-label="Input values, comma separated" hidden>
  </div>
  <div class="field row" data-control="init">
    <label for="init">Initialisation</label>
    <select id="init">${INITS.map((v) => `<option value="${v}">${INIT_TEXT[v]}</option>`).join('')}</select>
  </div>
  <div class="field row" data-control="seed">
    <label for="seed">Seed</label>
    <input type="number" id="seed" step="1">
  </div>
  <div class="field" data-control="carry">
    <label for="carry-bias"><span>Carry-gate bias (${esc(carried)})</span></label>
    <output id="carry-bias-out" for="carry-bias" class="block"></output>
    <input type="range" id="carry-bias" step="0.1">
    <div class="buttons carry-presets"></div>
  </div>
  <fieldset class="field" data-control="loss">
    <legend>Loss taken at</legend>
    <label><input type="radio" name="loss" value="last"> the last step</label>
    <label><input type="radio" name="loss" value="every"> every step</label>
  </fieldset>
</section>`;
};

/** Buttons for the classic carry-gate biases into `box`; shared with the gradient-flow panel. */
export function carryButtons(box, session) {
  for (const p of CARRY_PRESETS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small';
    b.textContent = p.text;
    b.title = p.title;
    b.dataset.fb = p.fb === null ? 'default' : p.fb;
    b.addEventListener('click', (e) => session.set({ fb: p.fb }, e.timeStamp));
    box.append(b);
  }
  return () => box.querySelectorAll('button').forEach((b) => {
    const fb = b.dataset.fb === 'default' ? null : Number(b.dataset.fb);
    b.setAttribute('aria-pressed', String(fb === session.state.fb));
  });
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const L = session.limits;
  const all = session.cells.map((c) => c.name);
  bound($('hidden'), L.hidden_size);
  bound($('steps'), L.steps);
  bound($('carry-bias'), L.carry_bias);
  $('seed').min = L.seed.min;
  $('seed').max = L.seed.max;
  const set = (patch, e) => session.set(patch, e.timeStamp);
  const boxes = () => [...root.querySelectorAll('input[name=cell]')];
  boxes().forEach((b) => b.addEventListener('change', (e) => {
    const picked = boxes().filter((x) => x.checked).map((x) => x.value);
    if (!picked.length) { e.target.checked = true; return; }
    set({ cells: all.filter((c) => picked.includes(c)) }, e);
  }));
  $('all-cells').addEventListener('click', (e) => set({ cells: [...all] }, e));
  $('hidden').addEventListener('input', (e) => set({ H: Number(e.target.value), eigs: null, sel: -1 }, e));
  $('steps').addEventListener('input', (e) => set({ T: Number(e.target.value) }, e));
  $('input').addEventListener('change', (e) => set({ input: e.target.value }, e));
  $('custom').addEventListener('change', (e) => set({ custom: e.target.value }, e));
  $('init').addEventListener('change', (e) => set({ init: e.target.value, eigs: null }, e));
  $('seed').addEventListener('change', (e) => {
    const v = Math.round(Number(e.target.value) || 0);
    set({ seed: Math.min(L.seed.max, Math.max(L.seed.min, v)) }, e);
  });
  $('carry-bias').addEventListener('input', (e) => set({ fb: Number(e.target.value) }, e));
  const syncPresets = carryButtons(root.querySelector('.carry-presets'), session);
  root.querySelectorAll('input[name=loss]').forEach((b) => b.addEventListener('change', (e) => set({ loss: e.target.value }, e)));

  const sync = () => {
    const s = session.state;
    boxes().forEach((b) => put(b, 'checked', s.cells.includes(b.value)));
    setRange(root, 'hidden', s.H, `${s.H} units`);
    setRange(root, 'steps', s.T, `${s.T} steps`);
    put($('input'), 'value', s.input);
    put($('custom'), 'hidden', s.input !== 'custom');
    put($('custom'), 'value', s.custom);
    put($('init'), 'value', s.init);
    put($('seed'), 'value', String(s.seed));
    const text = carryText(s.fb, s.H);
    setRange(root, 'carry-bias', s.fb ?? 0, text, `carry-gate bias ${text}`);
    syncPresets();
    root.querySelectorAll('input[name=loss]').forEach((b) => put(b, 'checked', b.value === s.loss));
    // Trained models fix the cells, sizes, input and loss: their controls are off meanwhile. An
    // imported network fixes its cells and H only: it runs on the lab's T, input, seed and loss.
    const off = Boolean(session.trained);
    const open = (el) => session.imported && (['steps', 'input', 'custom', 'seed'].includes(el.id) || el.name === 'loss');
    root.querySelectorAll('input, select, button').forEach((el) => put(el, 'disabled', off && !open(el)));
  };
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') session.afterDraw(sync); } });
  return { destroy: off };
}
