// The W_hh spectrum controls: spectral radius ρ, largest singular value σ_max (the one moved sets
// the scale, the other shows what it came to), non-normality, and presets.
import { fmt } from '../format.js';
import { bound, listen, put, setRange } from './common.js';
import { ensureEigs } from './eigen.js';
import { matrixName } from './trained.js';
import { OVERFLOW, OVERFLOW_PATCH } from './notes.js';

export const name = 'spectrum-controls';
export const region = 'controls';
export const controls = ['rho', 'sigma', 'nonnormal', 'presets'];
export const title = 'W_hh spectrum';

export const template = (core) => `
<section class="panel" id="panel-spectrum-controls" data-widget="spectrum-controls">
  <h2>W<sub>hh</sub> spectrum</h2>
  <div class="field" data-control="rho">
    <label for="rho"><span>Spectral radius ρ</span> <output id="rho-out" for="rho"></output></label>
    <input type="range" id="rho" step="0.01">
  </div>
  <div class="field" data-control="sigma">
    <label for="sigma"><span>Largest singular value σ<sub>max</sub></span> <output id="sigma-out" for="sigma"></output></label>
    <input type="range" id="sigma" step="0.01">
  </div>
  <div class="field" data-control="nonnormal">
    <label for="nonnormal"><span>Non-normality</span> <output id="nonnormal-out" for="nonnormal"></output></label>
    <input type="range" id="nonnormal" step="0.01">
  </div>
  <div class="buttons" data-control="presets">
    <button type="button" id="preset-explode" title="The linear RNN beside the others at ρ = ${OVERFLOW.sv} over T = ${OVERFLOW.T} steps: its gradient grows as ${OVERFLOW.sv}^k until it overflows float64 (∞, then NaN)">Make it explode</button>
    <button type="button" id="preset-nonnormal" title="ρ below 1 but σ_max above 1: gradients grow before they decay">Non-normal preset</button>
    <button type="button" id="eig-reset" title="Forget the placed eigenvalues">Reset eigenvalues</button>
  </div>
  <p class="hint" id="spectrum-trained-hint" hidden></p>
  <p class="hint" id="spectrum-designed-hint">The sliders rescale the same matrix W. Every cell uses it: as W<sub>hh</sub> for the RNNs and in every gate block (${core.cells.filter((c) => c.gated).map((c) => `${c.label} ${c.blocks.map((b) => b.name).join(' ')}`).join(', ')}).</p>
</section>`;

/** Distinct conjugate pairs on |λ| = r (one eigenvalue repeated H times is too ill-conditioned). */
export function circleEigs(H, r) {
  const m = Math.floor(H / 2);
  const eigs = [];
  for (let k = 0; k < m; k += 1) {
    const a = (Math.PI * (k + 0.5)) / m;
    eigs.push([r * Math.cos(a), r * Math.sin(a)], [r * Math.cos(a), -r * Math.sin(a)]);
  }
  if (H % 2) eigs.push([r, 0]);
  return eigs;
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const L = session.limits;
  bound($('rho'), L.scale_value);
  bound($('sigma'), L.scale_value);
  bound($('nonnormal'), L.nonnormal);
  const s = () => session.state;
  const withCell = (name) => (s().cells.includes(name) ? s().cells : session.cells.map((c) => c.name).filter((c) => c === name || s().cells.includes(c)));
  const linear = session.cells.find((c) => c.theory === 'exact')?.name;

  $('rho').addEventListener('input', (e) => session.set({ scale: 'rho', sv: Number(e.target.value) }, e.timeStamp));
  $('sigma').addEventListener('input', (e) => session.set({ scale: 'sigma', sv: Number(e.target.value) }, e.timeStamp));
  $('nonnormal').addEventListener('input', (e) => {
    ensureEigs(session);
    session.set({ nn: Number(e.target.value) }, e.timeStamp);
  });
  $('preset-explode').addEventListener('click', (e) => {
    session.set({ cells: withCell(linear), sel: -1, ...OVERFLOW_PATCH }, e.timeStamp);
  });
  $('preset-nonnormal').addEventListener('click', (e) => {
    // Every eigenvalue on |λ| = 0.9 (ρ < 1) with a strong non-normal part: σ_max ≫ 1, so the
    // linear RNN's gradient grows for a while before the eigenvalues win and it decays.
    session.set({ cells: withCell(linear), eigs: circleEigs(s().H, 0.9), nn: 0.5, scale: 'none' }, e.timeStamp);
  });
  $('eig-reset').addEventListener('click', (e) => {
    session.set({ eigs: null, nn: 0, sel: -1, scale: 'rho', sv: session.core.defaults.scale_value }, e.timeStamp);
  });

  const sync = () => {
    const st = s();
    const { data } = session;
    // A trained matrix is shown as it is: the sliders read its ρ and σ_max.
    const trained = Boolean(session.trained);
    const rho = st.scale === 'rho' && !trained ? st.sv : data.rho;
    const sigma = st.scale === 'sigma' && !trained ? st.sv : data.sigma;
    setRange(root, 'rho', rho, fmt(rho), `spectral radius ${fmt(rho)}${st.scale === 'rho' ? '' : ' (result)'}`);
    setRange(root, 'sigma', sigma, fmt(sigma), `largest singular value ${fmt(sigma)}${st.scale === 'sigma' ? '' : ' (result)'}`);
    setRange(root, 'nonnormal', st.nn, fmt(st.nn));
    // Trained weights are shown as they are: nothing here designs them.
    const off = trained;
    put($('spectrum-designed-hint'), 'hidden', trained);
    put($('spectrum-trained-hint'), 'hidden', !trained);
    if (trained) put($('spectrum-trained-hint'), 'textContent', `Trained weights: ρ and σ_max of ${matrixName(session)}, read, not set (each trained cell has its own W_hh; choose which one under Trained models).`);
    ['rho', 'sigma', 'nonnormal', 'preset-explode', 'preset-nonnormal', 'eig-reset'].forEach((id) => put($(id), 'disabled', off));
  };
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') session.afterDraw(sync); } });
  return { destroy: off };
}
