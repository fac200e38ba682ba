// Gates and states, time × unit: a heatmap per gate and state of one cell, the carry path ∏f / ∏z
// (exactly 1 where the cell fixes the gate, f ≡ 1) and, for a gated cell, its carry path against
// its hidden path (for an LSTM also the gradient reaching its cell state, ‖∂L/∂c_t‖ ÷ lag 0,
// dotted). Drawn only while on screen; the
// trace of the cell downloads as JSON (the documented trace format) and every cell as CSV.
import { fmt } from '../format.js';
import { Heatmaps } from '../heatmaps.js';
import { carriedState, download, downloadCanvas, fit, listen, timed, whenVisible } from './common.js';
import { carryStart, noteLag } from './notes.js';

export const name = 'gates';
export const region = 'content';
export const wide = true;
export const controls = [];
export const title = 'Gates and states';

export const template = () => `
<section class="panel wide" id="panel-gates" data-widget="gates">
  <div class="panel-head">
    <h2>Gates and states, time × unit</h2>
    <div class="downloads">
      <button type="button" id="download-json" class="small">Trace JSON</button>
      <button type="button" id="download-csv" class="small">Trace CSV</button>
    </div>
  </div>
  <p class="caption">Each row a hidden unit, each column a time step. Gates in [0, 1] use viridis; values in [−1, 1] a purple–white–orange scale. Hover for exact values; the selected step is marked.</p>
  <div class="heatmap-controls">
    <label for="heat-cell">Cell</label>
    <select id="heat-cell"></select>
  </div>
  <figure id="paths-box" class="paths" hidden>
    <div class="canvas-box paths"><canvas id="paths" role="img" aria-label="Carry path against hidden path"></canvas></div>
    <figcaption class="caption" id="paths-caption"></figcaption>
  </figure>
  <div id="heatmaps" class="heatmaps"></div>
  <div id="heat-tip" class="tip" role="status" hidden></div>
</section>`;

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const heat = new Heatmaps($('heatmaps'), $('heat-tip'), (t) => session.setStep(t));
  const focus = () => session.cellData(session.state.focus);

  const downloadHeatmap = (item, format) => {
    const d = focus();
    if (format === 'png') { downloadCanvas(heat.composite(item), `unrolled-${d.name}-${item}.png`); return; }
    session.guard(() => {
      const svg = session.lab.heatmap_svg(d.index, item, 720, 300);
      download(`unrolled-${d.name}-${item}.svg`, new Blob([svg], { type: 'image/svg+xml' }));
    });
  };

  const drawPaths = () => {
    const d = focus();
    const { carry } = d.info;
    $('paths-box').hidden = !carry;
    if (!carry || !session.lab.has_analysis(d.index)) return;
    const c = $('paths');
    fit(c);
    session.guard(() => session.lab.draw_paths(d.index, c));
    const { T } = session.state;
    const k = noteLag(T);
    const path = (xs) => {
      const [a, b] = [xs[T - 1], xs[T - 1 - k]];
      if (a === b) return `stays at ${fmt(a)} from lag 0 to lag ${k}`;
      return `${b < a ? 'falls' : 'grows'} from ${fmt(a)} at lag 0 to ${fmt(b)} at lag ${k}`;
    };
    const cell = d.gradC ? `; the cell-state gradient ‖∂L/∂c_t‖ ÷ lag 0 ${path(d.gradC.map((x) => x / d.gradC[T - 1]))}` : '';
    c.setAttribute('aria-label', `${d.info.label}: the carry path max ${carry.path} ${path(d.carry)}; the hidden path ‖∂h_T/∂h_t‖ ${path(d.jac)}${cell}.`);
    // Trained weights: the gates are what training made them, and there is no bias to set here.
    const trained = Boolean(session.trained);
    const act = trained
      ? `these are the trained ${carry.gate} values on this sequence: where the orange line stays high, the model keeps what it saw there.`
      : 'raise the carry-gate bias and watch the orange line lift.';
    // The cell whose carry gate is a block with a bias (the LSTM), from the table.
    const gated = session.cells.find((c) => c.carry && c.carry.block !== null);
    const compare = trained
      ? `compare the trained ${gated.label}, whose ${gated.carry.gate} training has set.`
      : `compare the ${gated.label}, whose ${gated.carry.gate} starts ${carryStart(session.state.fb)}.`;
    const dotted = d.gradC ? ` Dotted: the gradient that reaches the cell state, ‖∂L/∂c_t‖ relative to lag 0. Each step back along the cell multiplies it by f and adds what reaches c through h at that step: where f = 1, what reached the cell passes back unchanged, however far.` : '';
    $('paths-caption').textContent = (carry.constant === null
      ? `Why gates help: the ${carriedState(d.info)}'s path multiplies only the ${carry.gate} values (${carry.path}), while the hidden path multiplies full Jacobians. Where ${carry.path} stays near 1, the gradient survives: ${act}`
      : `The constant error carousel (${carry.gate}): the cell state's own path ${carry.path} is exactly ${carry.constant} at every lag (∂c_T/∂c_t = I along the cell), while the hidden path multiplies full Jacobians. The gradient reaching c never fades, and c never forgets: it only adds i·g. There is no carry-gate bias to set; ${compare}`) + dotted;
  };

  const draw = whenVisible(root, session, () => timed('gates', () => {
    const d = focus();
    const { T, H, t } = session.state;
    heat.layout(session.lab, d.index, d.info, T, H, downloadHeatmap);
    session.guard(() => heat.update(session.lab, d.index, T, H, t));
    drawPaths();
  }));

  const sync = () => {
    const s = session.state;
    const sel = $('heat-cell');
    const want = s.cells.map((c) => `<option value="${c}">${session.cell(c).label}</option>`).join('');
    if (sel.dataset.opts !== want) { sel.innerHTML = want; sel.dataset.opts = want; }
    sel.value = s.focus;
    draw();
  };

  $('heat-cell').addEventListener('change', (e) => session.set({ focus: e.target.value }, e.timeStamp));
  $('download-json').addEventListener('click', () => session.guard(() => {
    const d = focus();
    download(`unrolled-${d.name}-trace.json`, new Blob([session.lab.trace_json(d.index)], { type: 'application/json' }));
  }));
  $('download-csv').addEventListener('click', () => session.guard(() => {
    download('unrolled-trace.csv', new Blob([session.lab.csv()], { type: 'text/csv' }));
  }));

  const off = listen(session, {
    change: (e) => (e.detail.kind === 'scene' ? sync() : heat.mark(session.state.t, session.state.T)),
    analysis: draw,
  });
  return {
    destroy: () => { off(); draw.destroy(); },
    redraw: () => { heat.key = ''; draw(); },
  };
}
