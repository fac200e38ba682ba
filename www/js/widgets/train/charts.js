// The live training charts, one widget each, drawn by the core's chart code
// (`TrainingCharts.draw`, crate::chart::training) on a canvas, with a caption saying what the
// chart shows and a note on what it shows now, above all when that is the opposite of what a
// learner expects. Each chart draws in a task of its own (`queueDraw`), so a batch of records
// never makes one long main-thread task.
import { cssSize, download, downloadButtons, downloadSvgAsPng, fit, listen, timed, watchSize } from '../common.js';
import { sweepSteps } from '../../train-state.js';
import { listWords, percent, percentOf } from '../../format.js';

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
/** A record's success measure, whichever the task logs. */
export const success = (r) => r.test_solved ?? r.test_accuracy;

/** What the best model that remembers nothing does on each task (the dashed line). */
const MEMORYLESS = {
  adding: 'predict the mean target',
  adding_sum: 'predict the mean target',
  temporal_order: 'give each of the four classes the same odds',
  copy: 'predict blanks, then guess each symbol to recall',
};
/** What a model must remember on each task. */
const REMEMBER = {
  adding: 'the two marked values',
  adding_sum: 'the two marked values',
  temporal_order: 'the two relevant symbols and their order',
  copy: 'the symbols shown at the start',
};

function lossNote(s) {
  const task = s.state.task;
  const flat = s.entrants.filter((e) => {
    const r = last(e);
    return r && e.info.baseline != null && e.parsed.length >= 4 && r.test_loss > 0.85 * e.info.baseline;
  }).map((e) => e.label);
  if (flat.length) {
    const one = flat.length === 1;
    const who = one ? `${flat[0]}'s loss sits` : `The losses of ${listWords(flat)} sit`;
    return `${who} at the constant predictor's line: ${one ? 'it does' : 'they do'} no better than to ${MEMORYLESS[task]}, and ${one ? 'has' : 'have'} not yet learnt to use ${REMEMBER[task]}.`;
  }
  if (s.entrants.some((e) => e.parsed.length >= 2)) return `Below the dashed line a model uses what it remembers; a loss that drops suddenly after a long plateau is the moment a cell finds ${REMEMBER[task]}.`;
  return '';
}

/** The success a model that remembers nothing scores by chance. */
const CHANCE = {
  adding: 'A model that predicts the mean still "solves" some sequences by luck (those whose target lies within 0.04 of the mean): a small score is not learning.',
  adding_sum: 'A model that predicts the mean still "solves" some sequences by luck (those whose target lies within 0.04 of the mean): a small score is not learning.',
  temporal_order: 'Guessing scores 25 % (four classes): only a score well above that is learning.',
  copy: 'Guessing the recalled symbols scores 12.5 % (eight symbols): only a score well above that is learning.',
};

function successNote(s) {
  return s.entrants.some((x) => x.parsed.length) ? CHANCE[s.state.task] ?? '' : '';
}

const SUP = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
/** 10^d in words a learner reads at once: 8, 250, then 10⁵. */
function factor(d) {
  if (d < 3) return String(Number((10 ** d).toPrecision(2)));
  return `10${String(Math.round(d)).replace(/./g, (c) => SUP[c])}`;
}

function flowNote(s) {
  const parts = [];
  const vanished = [];
  for (const e of s.entrants) {
    const r = last(e);
    if (!r || r.grad_by_lag.length < 2) continue;
    const g = r.grad_by_lag;
    const solved = success(r) >= (e.info.criterion ?? 0.95);
    // A gradient that underflows to exactly 0 at the longest lag has vanished completely; with
    // no gradient at lag 0 there is nothing to compare with.
    if (g[0] > 0 && g.at(-1) === 0) {
      parts.push(`${e.label} to exactly 0 (below the smallest double)`);
      if (!solved) vanished.push(e.label);
      continue;
    }
    const d = dec(g.at(-1)) - dec(g[0]);
    if (!Number.isFinite(d)) continue;
    parts.push(`${e.label} ${d >= 0 ? '×' : '÷'}${factor(Math.abs(d))}`);
    if (d < -3 && !solved) vanished.push(e.label);
  }
  if (!parts.length) return '';
  const out = [`From lag 0 to the longest lag now: ${parts.join(', ')}.`];
  if (vanished.length) {
    const who = vanished.length === 1 ? `${vanished[0]}'s gradient has` : `${vanished.join(' and ')}'s gradients have`;
    out.push(`${who} fallen more than a thousandfold by the longest lag: too little of the loss reaches the early steps to teach ${vanished.length === 1 ? 'it' : 'them'} what ${REMEMBER[s.state.task]} were.`);
  } else {
    out.push('No entrant\'s gradient has fallen a thousandfold across the sequence: the loss still reaches the early steps.');
  }
  return out.join(' ');
}

function spectrumNote(s) {
  const parts = [];
  const plain = [];
  for (const e of s.entrants) {
    const r = last(e);
    if (!r) continue;
    const first = r.w_hh.filter((b) => b.layer === 0 && b.direction === 0);
    const rho = Math.max(...first.map((b) => b.spectral_radius));
    parts.push(`${e.label} ρ = ${rho.toFixed(2)}`);
    if (!e.cell.gated) plain.push({ label: e.label, rho, saturates: e.cell.saturates });
  }
  if (!parts.length) return '';
  const out = [`Now: ${parts.join(', ')}.`];
  for (const { label, rho, saturates } of plain) {
    if (rho < 1) out.push(`${label}: ρ < 1, so over many steps its gradient shrinks at least as fast as ρ per step${saturates ? ', and the derivative of its squashing function (at most 1) shrinks it further' : ''}.`);
    else if (saturates) out.push(`${label}: ρ ≥ 1 is needed for a gradient to explode but does not make the RNN remember: saturated units (derivative near 0) shrink every step's Jacobian.`);
    else out.push(`${label}: ρ ≥ 1, so its gradient can grow with the lag (as ρ per step for a linear RNN).`);
  }
  if (plain.length < parts.length) out.push('A gated cell\'s memory runs through its gates and cell state, so its ρ (the largest over its gate blocks) says little about how long it remembers.');
  return out.join(' ');
}

function clipNote(s) {
  const rates = s.entrants.map((e) => {
    const r = last(e);
    const prev = e.parsed.at(-2);
    const n = r && prev ? r.iteration - prev.iteration : 0;
    return n > 0 ? { label: e.label, rate: r.clip_count / n } : null;
  }).filter(Boolean);
  if (!rates.length) return '';
  const top = rates.reduce((a, b) => (b.rate > a.rate ? b : a));
  if (top.rate > 0.5) return `Clipping fires on most iterations here (${top.label}: ${percent(top.rate)} since the previous record): it caps the size of a step (against exploding gradients); it cannot bring back a gradient that vanished.`;
  if (top.rate === 0) return 'No clipping since the previous record: every gradient norm was below the threshold.';
  return `Clipping fired on ${percent(top.rate)} of ${top.label}'s iterations since the previous record (the most of any entrant); the rest of the steps were below the threshold.`;
}

/** How the sweep chart marks each cell's curve, in the order its cells were first drawn
 *  (crate::chart::training's sweep: dash patterns and nested markers, `Marker::nth`). */
const SWEEP_MARKS = ['dot', 'ring', 'square', 'diamond'];
const SWEEP_DASHES = ['solid', 'dashed', 'dotted'];

/** Is a point solved: did more than half of its seeds reach the criterion? */
const solvedAt = (p) => 2 * p.solved > p.runs;
const seedsText = (p) => `${p.solved} of ${p.runs} seed${p.runs === 1 ? '' : 's'}`;

/** One cell's sweep in words: the longest T it solved, where it fell off, what a learner may
 *  not expect (a plain RNN that fails everywhere or never falls off, a gated cell that falls off). */
export function sweepCellSentence(s, name, points, finished) {
  const cell = s.cell(name);
  const label = cell.label;
  const pct = (p) => percent(p.success);
  const solved = points.filter(solvedAt);
  const out = [];
  if (!solved.length) {
    const best = points.reduce((a, p) => (p.success > a.success ? p : a));
    out.push(`${label} solved no length, not even T = ${points[0].T} (best ${pct(best)} on average at T = ${best.T}; ${seedsText(points[0])} reached the criterion at T = ${points[0].T}).`);
    if (!cell.gated && points[0].T === s.sweep.steps[0]) out.push(`That is not the fall-off this sweep looks for: with these settings it did not learn the task at all within ${s.state.sbudget} s a run, so there is no length where it falls off. A larger budget per run, or a smaller learning rate, lets it learn the short lengths.`);
    else if (cell.gated) out.push(`A gated cell that learns nothing in ${s.state.sbudget} s a run is short of training, not of memory: try a larger budget per run.`);
    return out.join(' ');
  }
  const longest = solved.at(-1);
  const firstFail = points.find((p) => !solvedAt(p) && p.T > solved[0].T);
  if (!firstFail) {
    const least = Math.min(...points.map((p) => p.solved));
    const seeds = least === longest.runs ? (longest.runs === 1 ? 'its seed' : `all ${longest.runs} seeds`) : `at least ${least} of ${longest.runs} seeds`;
    out.push(`${label} solved every length ${finished ? '' : 'so far '}up to T = ${longest.T} (${seeds} at ${points.length === 1 ? 'it' : 'each'}).`);
    if (!cell.gated && finished) out.push(`The ${label} did not fall off within these lengths: a longer T shows where it does.`);
    return out.join(' ');
  }
  out.push(`${label} solved up to T = ${longest.T} and fell off at T = ${firstFail.T} (${seedsText(firstFail)} reached the criterion; ${pct(firstFail)} on average).`);
  const again = solved.filter((p) => p.T > firstFail.T);
  if (again.length) out.push(`It solved T = ${again.map((p) => p.T).join(', ')} again: with ${longest.runs} seed${longest.runs === 1 ? '' : 's'} a point is noisy.`);
  if (cell.gated) out.push(`A gated cell falling off within ${s.state.sbudget} s a run is short of training at that length more than of memory: a larger budget per run moves its fall-off out.`);
  else out.push(`To see why, race the cells at T = ${firstFail.T} (mode: race) and watch the gradient-flow chart: how much of the loss still reaches the steps that hold the marked values.`);
  return out.join(' ');
}

/** Curves closer than this (a share) at every length look like one line on the chart. */
const OVERLAP = 0.03;

/** Cells whose sweep curves coincide: within OVERLAP of each other at every length so far. */
function overlaps(s, byCell) {
  const names = [...byCell.keys()];
  const close = (a, b) => {
    const pa = byCell.get(a);
    const pb = byCell.get(b);
    return pa.length > 0 && pa.length === pb.length && pa.every((p, k) => p.T === pb[k].T && Math.abs(p.success - pb[k].success) <= OVERLAP);
  };
  const groups = [];
  names.forEach((n, i) => {
    const g = groups.find((x) => close(names[x[0]], n));
    if (g) g.push(i); else groups.push([i]);
  });
  return groups.filter((g) => g.length > 1).map((g) => {
    const who = g.map((i) => `${s.cell(names[i]).label} (${SWEEP_DASHES[i % 3]}, ${SWEEP_MARKS[i % 4]})`);
    const ys = [...new Set(g.flatMap((i) => byCell.get(names[i]).map((p) => percentOf(p.success))))];
    const where = ys.length === 1 ? `at ${ys[0]}\u00a0% everywhere` : `at every length (within ${Math.round(100 * OVERLAP)} points, ${Math.min(...ys)}–${Math.max(...ys)}\u00a0%)`;
    return `${listWords(who)} overlap ${where}: their lines lie on each other, their markers nest.`;
  });
}

/** The sweep in words (the sweep chart's live note). */
export function sweepNote(s) {
  const sw = s.sweep;
  if (!sw) return s.state.mode === 'sweep' ? `Press Play: every cell is trained with ${s.state.seeds} seed${s.state.seeds === 1 ? '' : 's'} at each length (${sweepStepsText(s)}), ${s.state.sbudget} s a run.` : '';
  const parts = [];
  const finished = sw.index >= sw.steps.length;
  if (!finished) parts.push(`Now training at T = ${sw.steps[sw.index]} (${s.state.cells.length * s.state.seeds} runs of ${s.state.sbudget} s of training each).`);
  else parts.push('The sweep is done: its budget is spent.');
  const byCell = new Map();
  for (const p of sw.points) byCell.set(p.cell, [...(byCell.get(p.cell) ?? []), p]);
  for (const [name, pts] of byCell) parts.push(sweepCellSentence(s, name, pts, finished));
  parts.push(...overlaps(s, byCell));
  return parts.join(' ');
}

/** The sweep's lengths, as a list a learner reads. */
function sweepStepsText(s) {
  const steps = s.sweep?.steps ?? sweepSteps(s.state, s.core.trainLimits.min_steps[s.state.task]);
  return `T = ${listWords(steps)}`;
}

export const CHARTS = [
  {
    name: 'train-loss', chart: 'train-loss', title: 'Loss',
    caption: 'Held-out loss (thick) and training loss (thin) against the training sequences seen, both on log scales (the untrained start, 0 sequences, at the left edge). Dashed: the loss of the best model that remembers nothing (adding: always the mean target; temporal order: equal odds for the four classes; copy: blanks, then a guess).',
    note: lossNote,
  },
  {
    name: 'train-success', chart: 'train-success', title: 'Success',
    caption: 'The task\'s success measure on the held-out set (adding: the share of sequences answered within 0.04; temporal order: the share classified right; copy: the share of recalled symbols right) against the sequences seen (the untrained start at the left edge). Dashed: the criterion, 95 %.',
    note: successNote,
  },
  {
    name: 'train-flow', chart: 'train-flow', title: 'Gradient flow, as training goes',
    caption: '‖∂L/∂h<sub>t</sub>‖ on a fixed probe batch against the lag (steps back from the end), log scale: how much of the loss still reaches each earlier step. Thick: now. Thin: the untrained model. The axis spans at most 16 powers of ten: anything smaller sits on its bottom edge. The lab explains this curve; here it moves.',
    note: flowNote,
  },
  {
    name: 'train-spectrum', chart: 'train-spectrum', title: 'Spectrum of W_hh over training',
    caption: 'The spectral radius ρ(W<sub>hh</sub>) (thick) and the largest singular value σ<sub>max</sub>(W<sub>hh</sub>) (thin) against the sequences seen, with the line at 1. For the gated cells, the largest over their gate blocks.',
    note: spectrumNote,
  },
  {
    name: 'train-sweep', chart: 'train-sweep', title: 'Sweep: success against T', modes: ['sweep'], events: ['sweep'], live: true,
    caption: 'For each cell, the best held-out success reached within a short, fixed budget of training seconds, averaged over the seeds (so a point can sit on the criterion line when only some seeds reached it: the words below say how many), at sequence lengths from the task\'s shortest, each twice the last, up to T. Each cell has its own dash pattern and marker (a dot, a ring, a square, a diamond, one inside the other), so curves that lie on each other stay visible. Grey dashed: the criterion, 95 %.',
    note: sweepNote,
  },
  {
    name: 'train-clipping', chart: 'train-clipping', title: 'Clipping',
    caption: 'Marks: the share of the iterations since the previous record at which the gradient norm exceeded the threshold and was clipped.',
    note: clipNote,
  },
];

/** How often a chart out of view catches up with the records (ms). */
const OFF_SCREEN_MS = 2000;

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
  <p class="note" id="${c.name}-note" aria-live="${c.live ? 'polite' : 'off'}"></p>
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
      // Off-screen charts are not redrawn with every record: at most once every OFF_SCREEN_MS
      // (so a chart below a long lesson, captured or printed, is never far behind), and at once
      // when they scroll in.
      let visible = true;
      let stale = false;
      let later = 0;
      const catchUp = () => { later = 0; if (stale) { stale = false; queueDraw(draw); } };
      const request = () => {
        if (visible) { queueDraw(draw); return; }
        stale = true;
        later ||= setTimeout(catchUp, OFF_SCREEN_MS);
      };
      const seen = new IntersectionObserver((entries) => {
        visible = entries.some((e) => e.isIntersecting);
        if (visible && stale) { clearTimeout(later); catchUp(); }
      });
      seen.observe(canvas);
      watchSize(canvas, request);
      downloadButtons(root.querySelector('.downloads'), c.title, (format) => {
        // One picture in both formats (the SVG, titled, at least 640 × 360), named by what it
        // shows: the chart, the task, T and the seed.
        const { w, h } = cssSize(canvas);
        const [width, height] = [Math.max(640, Math.round(w)), Math.max(360, Math.round(h))];
        const svg = session.charts.svg(c.chart, width, height);
        const { task, T, seed } = session.state;
        const name = `unrolled-${c.chart}-${task}-T${T}-seed${seed}`;
        if (format === 'png') downloadSvgAsPng(svg, width, height, `${name}.png`);
        else download(`${name}.svg`, new Blob([svg], { type: 'image/svg+xml' }));
      });
      const off = listen(session, Object.fromEntries(['records', 'started', ...(c.events ?? [])].map((t) => [t, request])));
      request();
      return { redraw: request, draw, destroy: () => { off(); seen.disconnect(); clearTimeout(later); } };
    },
  };
}
