// Lesson 2's claims and predictions: each names the widget and the exact setting that shows it,
// and reads its answer from the widget's numbers (see lesson.js).
import { cellOf, digits, num, ratio, runLesson } from './lesson.js';

const FLOW = (key, v) => `cells=rnn_linear,rnn_tanh&T=60&${key}=${v}`;
const NONNORMAL = 'cells=rnn_linear&H=2&T=60&eigs=0.9:0;0.9:0&nn=1.5&scale=none';
const lin = (el, k) => ratio(el, 'rnn_linear', k);
const tanh = (el, k) => ratio(el, 'rnn_tanh', k);
/** The largest gradient relative to lag 0's, and its lag. */
function peak(el) {
  const g = cellOf(el, 'rnn_linear').gradByLag;
  let k = 0;
  for (let i = 1; i < g.length; i += 1) if (g[i] > g[k]) k = i;
  return { k, r: g[k] / g[0] };
}
const clip = (el) => cellOf(el, 'rnn_linear').summary.clip;
/** tanh′ = 1 − h² of the tanh RNN, averaged over every unit and step (the flow chart's note
 *  says the same average). */
function slope(el) {
  const h = cellOf(el, 'rnn_tanh').series.h;
  return h.reduce((a, v) => a + 1 - v * v, 0) / h.length;
}
/** The tanh RNN's average growth per step over the 50 steps back to lag 50. */
const perStep = (el) => tanh(el, 50) ** (1 / 50);

runLesson({
  id: '2',
  claims: {
    exact: {
      lab: 'flow',
      config: FLOW('rho', 0.9),
      holds: (el) => Math.abs(lin(el, 50) / 0.9 ** 50 - 1) < 1e-9,
      says: (el) => `Lag 50: ${lin(el, 50).toPrecision(10)}; 0.9⁵⁰ = ${(0.9 ** 50).toPrecision(10)}.`,
    },
    below: {
      lab: 'flow',
      config: FLOW('rho', 0.9),
      holds: (el) => lin(el, 50) < 1e-2,
      says: (el) => `Lag 50: ${num(lin(el, 50))} × lag 0.`,
    },
    above: {
      lab: 'flow',
      config: FLOW('rho', 1.1),
      holds: (el) => lin(el, 50) > 100,
      says: (el) => `Lag 50: ${num(lin(el, 50))} × lag 0.`,
    },
    bound: {
      lab: 'flow',
      config: FLOW('sigma', 0.95),
      holds: (el) => tanh(el, 50) <= 0.95 ** 50,
      says: (el) => `tanh RNN at lag 50: ${num(tanh(el, 50))} × lag 0, under the bound ${num(0.95 ** 50)}.`,
    },
    saturates: {
      lab: 'flow',
      config: FLOW('rho', 1.5),
      holds: (el) => tanh(el, 50) < 1e-4 * lin(el, 50) && slope(el) > 0.6 && slope(el) < 0.72,
      says: (el) => `Lag 50: linear ${num(lin(el, 50))} ×, tanh ${num(tanh(el, 50))} ×; tanh′ averages ${digits(slope(el), 2)}.`,
    },
    transient: {
      lab: 'nonnormal',
      config: NONNORMAL,
      holds: (el) => { const p = peak(el); return p.r > 3 && p.k >= 5 && p.k <= 15 && lin(el, 50) < 1; },
      says: (el) => { const p = peak(el); return `Largest at lag ${p.k}: ${num(p.r)} × lag 0; lag 50: ${num(lin(el, 50))} ×.`; },
    },
    clipnorm: {
      lab: 'clip',
      config: 'cells=rnn_linear&T=60&rho=1.1&clip=norm&ct=1',
      holds: (el) => Math.abs(clip(el).norm_after - 1) < 1e-6 && Math.abs(clip(el).cosine - 1) < 1e-9,
      says: (el) => `Norm ${num(clip(el).norm_before)} → ${num(clip(el).norm_after)}, cosine ${clip(el).cosine.toFixed(6)}.`,
    },
    clipvalue: {
      lab: 'clip',
      config: 'cells=rnn_linear&T=60&rho=1.1&clip=value&ct=0.01',
      holds: (el) => clip(el).cosine < 0.9,
      says: (el) => `Norm ${num(clip(el).norm_before)} → ${num(clip(el).norm_after)}, cosine ${clip(el).cosine.toFixed(3)}.`,
    },
  },
  predictions: {
    rho11: {
      lab: 'flow',
      config: FLOW('rho', 1.1),
      choices: { larger: 'Larger', smaller: 'Smaller' },
      answer: (el) => (lin(el, 50) > 1 ? 'larger' : 'smaller'),
      explain: (el) => `At lag 50 it is ${num(lin(el, 50))} × lag 0's, which is 1.1<sup>50</sup>: fifty factors of ρ = 1.1.`,
    },
    saturate: {
      lab: 'flow',
      config: FLOW('rho', 1.5),
      choices: { same: 'About as much', less: 'Far less', shrinks: 'It shrinks' },
      answer: (el) => {
        const t = tanh(el, 50);
        if (t < 1) return 'shrinks';
        return t < 1e-2 * lin(el, 50) ? 'less' : 'same';
      },
      explain: (el) => `Linear: ${num(lin(el, 50))} ×; tanh: ${num(tanh(el, 50))} ×. The tanh units are not pinned at ±1: tanh′&nbsp;=&nbsp;1&nbsp;−&nbsp;h² averages ${digits(slope(el), 2)} over every unit and step (the note under the chart says so too). Factors of that size in diag(tanh′)·W cancel most of ρ's growth: over these 50 steps the tanh RNN's gradient grew by ×${num(perStep(el))} per step on average, not by ×ρ = 1.5.`,
    },
    hump: {
      lab: 'nonnormal',
      config: NONNORMAL,
      choices: { yes: 'Yes, for a while', no: 'No, it only falls' },
      answer: (el) => (peak(el).r > 1 ? 'yes' : 'no'),
      explain: (el) => { const p = peak(el); return `It peaks at lag ${p.k}, ${num(p.r)} × lag 0's, then decays as 0.9<sup>k</sup> wins (the lab below shows it). The largest singular value, not ρ, bounds each step.`; },
    },
  },
});
