// What the gradient-flow chart shows, in words, for the scene on screen. Each note appears only
// with the scene that needs it, above all where the picture shows the opposite of what a learner
// expects after the course ("eigenvalue > 1: gradients explode", "LSTM solves the vanishing
// gradient"). Every number is read from the core's results of this very scene.
import { fmt } from '../format.js';

const FLOAT32_MAX = 3.4028234663852886e38;

/** The lag the notes compare at: 50 steps back, or the whole sequence when it is shorter. */
export const noteLag = (T) => Math.min(T - 1, 50);

/** "vanishing: 3.4e−3 of lag 0 at lag 50" — direction and factor from lag 0 to lag k. */
export function trend(byLag, k) {
  const r = byLag[k] / byLag[0];
  if (!Number.isFinite(r)) return Number.isFinite(byLag[0]) ? `overflows before lag ${k}` : 'not finite';
  if (r < 0.5) return `vanishing, ×${fmt(r)} at lag ${k}`;
  if (r > 2) return `exploding, ×${fmt(r)} at lag ${k}`;
  return `steady, ×${fmt(r)} at lag ${k}`;
}

const ratio = (d, k) => d.gradByLag[k] / d.gradByLag[0];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Largest ratio to lag 0 over the lags, and where. */
function peak(byLag) {
  let best = 0;
  let at = 0;
  for (let k = 1; k < byLag.length; k += 1) {
    const r = byLag[k] / byLag[0];
    if (r > best) { best = r; at = k; }
  }
  return { ratio: best, lag: at };
}

function saturated(d) {
  const h = d.series.h;
  let n = 0;
  for (const v of h) if (Math.abs(v) > 0.9) n += 1;
  return n / h.length;
}

/** Gated cells vanishing faster than an ungated one: the forget gate starts half shut. */
function gatedVanishFaster(session, k) {
  const { data } = session;
  const plain = data.cells.filter((d) => !d.info.gated);
  const gated = data.cells.filter((d) => d.info.carry);
  if (!gated.length) return null;
  const gate = gated.map((d) => `${d.info.label} mean ${d.info.carry.name} = ${fmt(mean(d.series[d.info.carry.name]), 2)}`).join(', ');
  const slow = plain.length ? gated.filter((g) => ratio(g, k) < Math.min(...plain.map((p) => ratio(p, k)))) : [];
  if (slow.length) {
    const best = plain.reduce((a, b) => (ratio(a, k) > ratio(b, k) ? a : b));
    return {
      id: 'gated-vanish',
      kind: 'surprise',
      carry: true,
      text: `<b>Here the ${slow.map((d) => d.info.label).join(' and ')} gradient vanishes <em>faster</em> than the ${best.info.label}'s</b> (lag ${k}: ${slow.map((d) => `${d.info.label} ×${fmt(ratio(d, k))}`).join(', ')}; ${best.info.label} ×${fmt(ratio(best, k))}). Gates are not magic: untrained, with PyTorch's default biases, the carry gate starts near σ(0) = 0.5 (${gate}), so the cell keeps about half of itself per step. Start it open and the gated curves flatten:`,
    };
  }
  return { id: 'gate-value', carry: true, text: `Carry gates at start: ${gate}.` };
}

/** ρ > 1 but the tanh RNN does not explode: saturation. */
function saturation(session, k) {
  const { data } = session;
  if (data.rho <= 1) return null;
  const tanh = data.cells.filter((d) => !d.info.gated && d.info.saturates);
  const flat = tanh.filter((d) => !(ratio(d, k) > 2));
  if (!flat.length) return null;
  const d = flat[0];
  const linear = session.cells.find((c) => c.theory === 'exact');
  const shown = data.cells.some((c) => c.info.theory === 'exact');
  return {
    id: 'saturation',
    kind: 'surprise',
    text: `<b>ρ = ${fmt(data.rho)} &gt; 1, yet the ${d.info.label} gradient does not explode</b> (×${fmt(ratio(d, k))} at lag ${k}): ${Math.round(100 * saturated(d))} % of its |h<sub>t</sub>| are above 0.9, where tanh′ is near 0 and cancels the growth. Pascanu et al.'s condition (σ<sub>max</sub> &gt; 1) is necessary for exploding gradients, not sufficient.${shown ? ` The ${linear.label} has no tanh to saturate: its curve grows as ρ<sup>k</sup>.` : ''}`,
    action: shown || !linear ? null : { text: `Show the ${linear.label}`, patch: (s) => ({ cells: session.cells.map((c) => c.name).filter((n) => n === linear.name || s.cells.includes(n)) }) },
  };
}

/** Overflow, in float64 here and where PyTorch's float32 would already have overflowed. */
function overflow(session) {
  const { data } = session;
  const over = data.cells.filter((d) => d.summary.overflow_backward !== null || d.summary.overflow_forward !== null);
  if (over.length) {
    return {
      id: 'overflow',
      kind: 'surprise',
      text: `<b>Overflow:</b> the ${over.map((d) => d.info.label).join(' and ')} went beyond the largest float64 (1.8e308); from there on the values are ∞ or NaN (marked on the chart). This is what "exploding gradients give NaNs" means.`,
    };
  }
  const big = data.cells.filter((d) => d.gradByLag.some((v) => v > FLOAT32_MAX));
  if (!big.length) return null;
  return {
    id: 'float32',
    text: `The ${big.map((d) => d.info.label).join(' and ')} gradient passes 3.4e38, the largest float32: PyTorch's default dtype would already show ∞ and NaN here. This lab computes in float64.`,
  };
}

/** Non-normal W: growth before decay although ρ < 1 — and, in a squashing cell, growth that does not stop. */
function transient(session) {
  const { data, state } = session;
  if (!(state.nn > 0) || data.rho >= 1) return null;
  const last = state.T - 1;
  const grown = data.cells.map((d) => ({ d, p: peak(d.gradByLag) })).filter(({ p }) => p.ratio > 2);
  if (!grown.length) {
    return { id: 'transient', text: `ρ = ${fmt(data.rho)} &lt; 1 and σ<sub>max</sub> = ${fmt(data.sigma)}: with this much non-normality no gradient grows before it decays.` };
  }
  const rising = grown.filter(({ p }) => p.lag >= last - 2);
  const humps = grown.filter(({ p }) => p.lag < last - 2);
  const parts = [];
  if (humps.length) {
    parts.push(`${humps.map(({ d, p }) => `${d.info.label} ×${fmt(p.ratio)} at lag ${p.lag}`).join(', ')}, then decay: W is non-normal (σ<sub>max</sub> = ${fmt(data.sigma)} &gt; 1), so ‖W<sup>k</sup>‖ grows for a while before ρ<sup>k</sup> wins. The eigenvalues alone do not tell the short-term story.`);
  }
  if (rising.length) {
    parts.push(`The ${rising.map(({ d, p }) => `${d.info.label} (×${fmt(p.ratio)} at lag ${p.lag})`).join(' and ')} keeps growing to the start of the sequence: its Jacobians diag(φ′)·W change from step to step, so their product is not W<sup>k</sup> and ρ(W) does not govern it; only the bound σ<sub>max</sub><sup>k</sup> does. Eigenvalues predict the gradient exactly only for the linear RNN.`);
  }
  return {
    id: 'transient',
    kind: 'surprise',
    text: `<b>ρ = ${fmt(data.rho)} &lt; 1, yet gradients grow:</b> ${parts.join(' ')}`,
  };
}

/** The notes for the scene on screen, most surprising first. */
export function flowNotes(session) {
  const k = noteLag(session.state.T);
  return [overflow(session), saturation(session, k), transient(session), gatedVanishFaster(session, k)].filter(Boolean);
}
