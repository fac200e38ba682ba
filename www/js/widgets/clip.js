// Gradient clipping: none, by global norm (`clip_grad_norm_`) or element-wise (`clip_grad_value_`),
// and what it does to the update of each cell: its norm before and after and the cosine between
// the clipped and the raw direction.
import { fmt } from '../format.js';
import { html, listen, put, setRange } from './common.js';

export const name = 'clip';
export const region = 'controls';
export const controls = [];
export const title = 'Gradient clipping';

export const template = () => `
<section class="panel" id="panel-clip" data-widget="clip">
  <h2>Gradient clipping</h2>
  <div class="field row">
    <label for="clip">Clip the update</label>
    <select id="clip">
      <option value="none">No clipping</option>
      <option value="norm">By global norm</option>
      <option value="value">Element-wise</option>
    </select>
  </div>
  <div class="field">
    <label for="clip-threshold"><span>Threshold</span> <output id="clip-threshold-out" for="clip-threshold"></output></label>
    <input type="range" id="clip-threshold" step="0.05">
  </div>
  <div id="clip-report" class="readout" aria-live="polite"></div>
</section>`;

function report(session) {
  const { state, data } = session;
  return data.cells.map((d) => {
    const { label } = d.info;
    const c = d.summary.clip;
    if (state.clip === 'none') return `${label}: ‖∇θ‖ = ${fmt(c.norm_before)}`;
    const cos = Number.isFinite(c.cosine) ? c.cosine.toFixed(3) : 'n/a';
    const changed = c.norm_after < c.norm_before * (1 - 1e-9);
    return `${label}: ‖∇θ‖ ${fmt(c.norm_before)} → <b${changed ? ' class="bad"' : ''}>${fmt(c.norm_after)}</b>, direction cos = ${cos}`;
  }).join('<br>');
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const lim = session.limits.clip_threshold;
  // The threshold slider moves on a log scale.
  $('clip-threshold').min = Math.log10(lim.min);
  $('clip-threshold').max = Math.log10(lim.max);
  $('clip').addEventListener('change', (e) => session.set({ clip: e.target.value }, e.timeStamp));
  $('clip-threshold').addEventListener('input', (e) => session.set({ ct: 10 ** Number(e.target.value) }, e.timeStamp));
  const sync = () => {
    const s = session.state;
    put($('clip'), 'value', s.clip);
    setRange(root, 'clip-threshold', Math.log10(s.ct), fmt(s.ct), s.clip === 'none' ? 'no clipping' : undefined);
    put($('clip-threshold'), 'disabled', s.clip === 'none');
    html($('clip-report'), report(session));
  };
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') session.afterDraw(sync); } });
  return { destroy: off };
}
