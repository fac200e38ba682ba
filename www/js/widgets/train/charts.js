// The live training charts, one widget each, drawn by the core's chart code
// (`TrainingCharts.draw`, crate::chart::training) on a canvas, with a caption saying what the
// chart shows and a note on what it shows now, above all when that is the opposite of what a
// learner expects. Each chart draws in a task of its own (`queueDraw`), so a batch of records
// never makes one long main-thread task.
import { cssSize, download, downloadButtons, downloadCanvas, fit, listen, timed, watchSize } from '../common.js';

const queue = [];
let queued = false;
/** Runs `fn` in a task of its own, after the draws already waiting (one chart a task). */
export function queueDraw(fn) {
  if (queue.includes(fn)) return;
  queue.push(fn);
  if (queued) return;
  queued = true;
  const run = () => {
    const f = queue.shift();
    try { f?.(); } catch (e) { reportError(e); }
    if (queue.length) setTimeout(run, 0);
    else queued = false;
  };
  setTimeout(run, 0);
}

const last = (e) => e.parsed.at(-1);
const dec = (x) => (x > 0 ? Math.log10(x) : NaN);

function lossNote(s) {
  const flat = s.entrants.filter((e) => {
    const r = last(e);
    return r && e.info.baseline != null && e.parsed.length >= 4 && r.test_loss > 0.85 * e.info.baseline;
  }).map((e) => e.label);
  if (flat.length) {
    const who = flat.length === 1 ? `${flat[0]}'s loss sits` : `The losses of ${flat.slice(0, -1).join(', ')} and ${flat.at(-1)} sit`;
    return `${who} at the constant predictor's line: ${flat.length === 1 ? 'it predicts' : 'they predict'} the mean target and ${flat.length === 1 ? 'has' : 'have'} learnt nothing about the marked values yet.`;
  }
  if (s.entrants.some((e) => e.parsed.length >= 2)) return 'Below the dashed line a model uses its inputs; a loss that drops suddenly after a long plateau is the moment a cell finds the markers.';
  return '';
}

function successNote(s) {
  const e = s.entrants.find((x) => x.parsed.length);
  if (!e) return '';
  if (e.info.success_field === 'test_solved') {
    return 'A model that predicts the mean still "solves" some sequences by luck (those whose target lies within 0.04 of the mean): a small score is not learning.';
  }
  return '';
}

function flowNote(s) {
  const parts = [];
  for (const e of s.entrants) {
    const r = last(e);
    if (!r || r.grad_by_lag.length < 2) continue;
    const g = r.grad_by_lag;
    const k = g.length - 1;
    const d = dec(g[k]) - dec(g[0]);
    if (Number.isFinite(d)) parts.push(`${e.label} ${d >= 0 ? '×' : '÷'}10^${Math.abs(d).toFixed(1)}`);
  }
  if (!parts.length) return '';
  return `From lag 0 to the longest lag now: ${parts.join(', ')}. A gradient that has vanished at the markers' lag cannot teach the model where they were; training does not cure that for the plain RNN.`;
}

function spectrumNote(s) {
  const parts = [];
  for (const e of s.entrants) {
    const r = last(e);
    if (!r) continue;
    const first = r.w_hh.filter((b) => b.layer === 0 && b.direction === 0);
    const rho = Math.max(...first.map((b) => b.spectral_radius));
    parts.push(`${e.label} ρ = ${rho.toFixed(2)}`);
  }
  if (!parts.length) return '';
  return `Now: ${parts.join(', ')}. A spectral radius near 1 does not make a tanh RNN remember: the derivative of tanh (at most 1) shrinks every step's Jacobian further.`;
}

function clipNote(s) {
  const rates = s.entrants.map((e) => {
    const r = last(e);
    const prev = e.parsed.at(-2);
    const n = r && prev ? r.iteration - prev.iteration : 0;
    return n > 0 ? r.clip_count / n : null;
  }).filter((x) => x !== null);
  if (!rates.length) return '';
  if (Math.max(...rates) > 0.5) return 'Clipping fires on most iterations here: it caps the size of a step (against exploding gradients); it cannot bring back a gradient that vanished.';
  return 'Clipping rarely fires now: the gradients are below the threshold.';
}

function sweepNote(s) {
  const sw = s.sweep;
  if (!sw) return s.state.mode === 'sweep' ? 'Press Play: every cell is trained with several seeds at each length, a few seconds each.' : '';
  const parts = [];
  const done = [...new Set(sw.points.map((p) => p.T))];
  if (done.length) {
    const lastT = done.at(-1);
    const at = sw.points.filter((p) => p.T === lastT).map((p) => `${s.cell(p.cell).label} ${Math.round(100 * p.success)}\u00a0% (${p.solved} of ${p.runs} seeds reached the criterion)`);
    parts.push(`At T = ${lastT}: ${at.join(', ')}.`);
  }
  if (sw.index < sw.steps.length) parts.push(`Now training at T = ${sw.steps[sw.index]} (${s.state.cells.length * s.state.seeds} runs of ${s.state.sbudget} s of training each).`);
  else parts.push('The sweep is done: its budget is spent.');
  parts.push(...plainTrend(s, sw.points));
  return parts.join(' ');
}

/** What the ungated cells' success did from the shortest T to the longest, as measured. */
function plainTrend(s, points) {
  const names = [...new Set(points.map((p) => p.cell))].filter((c) => !s.cell(c).gated);
  return names.flatMap((name) => {
    const mine = points.filter((p) => p.cell === name);
    if (mine.length < 2) return [];
    const [a, b] = [mine[0], mine.at(-1)];
    const pct = (p) => `${Math.round(100 * p.success)}\u00a0% at T = ${p.T}`;
    return a.success - b.success > 0.2
      ? [`The ${s.cell(name).label} falls off as T grows (${pct(a)}, ${pct(b)}): within the same short budget the gradient from the markers vanishes before it reaches them.`]
      : [`The ${s.cell(name).label} has not fallen off so far (${pct(a)}, ${pct(b)}).`];
  });
}

export const CHARTS = [
  {
    name: 'train-loss', chart: 'train-loss', title: 'Loss',
    caption: 'Held-out loss (thick) and training loss (thin) against the training sequences seen, both on log scales. Dashed: the loss of the constant predictor, a model that ignores its inputs and always answers the mean target.',
    note: lossNote,
  },
  {
    name: 'train-success', chart: 'train-success', title: 'Success',
    caption: 'The task\'s success measure on the held-out set (adding: the share of sequences answered within 0.04) against the sequences seen. Dashed: the criterion, 95 %.',
    note: successNote,
  },
  {
    name: 'train-flow', chart: 'train-flow', title: 'Gradient flow, as training goes',
    caption: '‖∂L/∂h<sub>t</sub>‖ on a fixed probe batch against the lag (steps back from the end), log scale: how much of the loss still reaches each earlier step. Thick: now. Thin: the untrained model. The lab explains this curve; here it moves.',
    note: flowNote,
  },
  {
    name: 'train-spectrum', chart: 'train-spectrum', title: 'Spectrum of W_hh over training',
    caption: 'The spectral radius ρ(W<sub>hh</sub>) (thick) and the largest singular value σ<sub>max</sub>(W<sub>hh</sub>) (thin) against the sequences seen, with the line at 1. For the gated cells, the largest over their gate blocks.',
    note: spectrumNote,
  },
  {
    name: 'train-sweep', chart: 'train-sweep', title: 'Sweep: success against T', modes: ['sweep'], events: ['sweep'],
    caption: 'For each cell, the best held-out success reached within a short, fixed budget of training seconds, averaged over the seeds, at five sequence lengths up to T. Dashed: the criterion.',
    note: sweepNote,
  },
  {
    name: 'train-clipping', chart: 'train-clipping', title: 'Clipping',
    caption: 'Marks: the share of the iterations since the previous record at which the gradient norm exceeded the threshold and was clipped.',
    note: clipNote,
  },
];

/** A widget module for one chart of CHARTS. */
export function chartWidget(c) {
  return {
    name: c.name,
    region: 'content',
    controls: [],
    modes: c.modes ?? ['race'],
    title: c.title,
    template: () => `
<section class="panel chart-panel" id="panel-${c.name}" data-widget="${c.name}">
  <div class="panel-head">
    <h2>${c.title}</h2>
    <div class="downloads" data-chart="${c.chart}"></div>
  </div>
  <p class="caption">${c.caption}</p>
  <div class="canvas-box"><canvas id="${c.name}-canvas" role="img" aria-label="${c.title} chart"></canvas></div>
  <p class="note" id="${c.name}-note" aria-live="off"></p>
</section>`,
    mount(root, session) {
      const canvas = root.querySelector('canvas');
      const note = root.querySelector(`#${c.name}-note`);
      const draw = () => {
        if (session.dead || !canvas.isConnected || cssSize(canvas).w === 0) return; // no layout read
        fit(canvas);
        try { timed(c.name, () => session.charts.draw(c.chart, canvas)); } catch (e) { reportError(e); }
        const n = c.note(session);
        if (note.textContent !== n) note.textContent = n;
      };
      // Off-screen charts are not redrawn while records arrive: once, when they scroll in.
      let visible = true;
      let stale = false;
      const request = () => { if (visible) queueDraw(draw); else stale = true; };
      const seen = new IntersectionObserver((entries) => {
        visible = entries.some((e) => e.isIntersecting);
        if (visible && stale) { stale = false; queueDraw(draw); }
      });
      seen.observe(canvas);
      watchSize(canvas, request);
      downloadButtons(root.querySelector('.downloads'), c.title, (format) => {
        if (format === 'png') { downloadCanvas(canvas, `unrolled-${c.chart}.png`); return; }
        const { w, h } = cssSize(canvas);
        const svg = session.charts.svg(c.chart, Math.max(640, Math.round(w)), Math.max(360, Math.round(h)));
        download(`unrolled-${c.chart}.svg`, new Blob([svg], { type: 'image/svg+xml' }));
      });
      const off = listen(session, Object.fromEntries(['records', 'started', ...(c.events ?? [])].map((t) => [t, request])));
      request();
      return { redraw: request, draw, destroy: () => { off(); seen.disconnect(); } };
    },
  };
}
