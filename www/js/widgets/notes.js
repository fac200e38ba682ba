// What the gradient-flow chart shows, in words, for the scene on screen. Each note appears only
// with the scene that needs it, above all where the picture shows the opposite of what a learner
// expects after the course ("eigenvalue > 1: gradients explode", "LSTM solves the vanishing
// gradient"). Every number is read from the core's results of this very scene.
import { fmt, percent } from '../format.js';
import { carriedState } from './common.js';

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The scene that overflows float64 ("exploding gradients give NaNs"): the linear RNN's gradient
 * grows as ρ^k, and 2.2^k passes 1.8e308 at k = 901, within T = 1000. "Make it explode" and the
 * overflow note's button both open it.
 */
export const OVERFLOW = { sv: 2.2, T: 1000 };
export const OVERFLOW_PATCH = { T: OVERFLOW.T, t: OVERFLOW.T - 1, scale: 'rho', sv: OVERFLOW.sv, eigs: null, nn: 0 };
const OVERFLOW_STEPS = Math.ceil(Math.log(Number.MAX_VALUE) / Math.log(OVERFLOW.sv));

/** The lag the notes compare at: 50 steps back, or the whole sequence when it is shorter. */
export const noteLag = (T) => Math.min(T - 1, 50);

/**
 * What the chart divides a cell's ‖∂L/∂h_t‖ by, as the core's chart registry decided it
 * (`Lab.flow_reference`): `null` for lag 0 (or nothing to divide by), else `{lag, value}`, the
 * curve's largest value where lag 0 gets a negligible share of it (a lower layer or a reverse
 * direction of an imported network, which the loss reaches at other steps). A ratio to lag 0
 * then divides by (almost) nothing: it says where the loss enters, not that anything explodes.
 */
export const awayFromLag0 = (d) => (d.reference?.lag > 0 ? d.reference : null);

/** Lag 0's share of the reference value, in words: `nothing` or `×1.2e−13 of it`. */
const lag0Share = (byLag, e) => (byLag[0] === 0 ? 'nothing' : `×${fmt(byLag[0] / e.value)} of it`);

/**
 * "vanishing: 3.4e−3 of lag 0 at lag 50" — direction and factor from lag 0 to lag k. With `e`,
 * a reference away from lag 0 (`awayFromLag0`), the curve is described against it instead, as
 * the chart draws it.
 */
export function trend(byLag, k, e = null) {
  if (e) return `largest at lag ${e.lag}, lag 0 gets ${lag0Share(byLag, e)}, lag ${k} ×${fmt(byLag[k] / e.value)} of it (not growth: the loss enters at other steps)`;
  const r = byLag[k] / byLag[0];
  if (!Number.isFinite(r)) return Number.isFinite(byLag[0]) && byLag[0] > 0 ? `overflows before lag ${k}` : 'not finite';
  return `${trendWord(r)}, ×${fmt(r)} at lag ${k}`;
}

/**
 * The word for a change by `r` from lag 0: "vanishing" and "exploding" only for a hundredfold
 * or more (a note beside the summary may say the same curve "grows only ×2.7", where ρ^k is 10⁸).
 */
export function trendWord(r) {
  if (r < 1e-2) return 'vanishing';
  if (r < 0.5) return 'fading';
  if (r <= 2) return 'steady';
  return r < 1e2 ? 'growing' : 'exploding';
}

const ratio = (d, k) => d.gradByLag[k] / d.gradByLag[0];
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const labels = (ds) => ds.map((d) => d.info.label).join(' and ');
/** The states the rows' carry paths run along: `the cell state`, or each cell's when they differ. */
const statesOf = (rows) => {
  const words = [...new Set(rows.map(({ d }) => carriedState(d.info)))];
  return words.length === 1 ? `the ${words[0]}` : `each cell's carried state (${rows.map(({ d }) => `${d.info.label}: ${carriedState(d.info)}`).join(', ')})`;
};

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

/** The carry gate's starting value for the bias setting `fb` (null: PyTorch's default). */
const gateAt = (fb) => (fb === null ? 'σ(0) = 0.5' : `σ(${fmt(fb)}) = ${fmt(sigmoid(fb), 2)}`);

/** Where the carry gate starts, in words: `near σ(0) = 0.5 (PyTorch's default biases)`. */
export function carryStart(fb) {
  return `near ${gateAt(fb)} (${fb === null ? "PyTorch's default biases" : `the carry-gate bias ${fmt(fb)}`})`;
}

/** What the carry-gate bias setting does, in words. */
function biasText(fb) {
  return fb === null
    ? `PyTorch's default biases (b_ih, b_hh ~ U(±1/√H)) put it near ${gateAt(fb)}`
    : `the carry-gate bias ${fmt(fb)} puts it near ${gateAt(fb)}`;
}

/**
 * Gated cells whose gradient vanishes because their carry gate starts half shut — the opposite of
 * "LSTM solves the vanishing gradient" — and, once the gate is open, what it carries.
 */
function carryGates(session, k) {
  const { data, state } = session;
  // A gate fixed by the cell (the 1997 LSTM's f ≡ 1) has its constant instead of a series.
  const gateMean = ({ carry }, d) => carry.constant ?? session.lab.series_mean(d.index, carry.name);
  const rows = data.cells.filter((d) => d.info.carry).map((d) => ({ d, m: gateMean(d.info, d), r: ratio(d, k) }));
  if (!rows.length) return null;
  const gatesOf = (rs) => rs.map(({ d, m }) => (d.info.carry.constant === null
    ? `${d.info.label} mean ${d.info.carry.name} = ${fmt(m, 2)}`
    : `${d.info.label} ${d.info.carry.name} ≡ ${m}`)).join(', ');
  const gates = gatesOf(rows);
  // Only gates that are blocks have a bias the buttons can set.
  const set = rows.filter(({ d }) => d.info.carry.block !== null);
  const fixed = rows.filter(({ d }) => d.info.carry.constant !== null);
  const keepsAll = fixed.map(({ d }) => ` The ${d.info.label} has ${d.info.carry.gate}, so its ${carriedState(d.info)} keeps all of itself: its carry path ${d.info.carry.path} stays ${d.info.carry.constant} at every lag.`).join('');
  const shut = rows.filter(({ m, r }) => r < 0.5 && m < 0.9);
  if (!shut.length) {
    const powers = rows.map(({ d, m }) => (d.info.carry.constant === null ? `${fmt(m, 3)}<sup>${k}</sup> = ${fmt(m ** k)}` : `${m}<sup>${k}</sup> = ${m ** k}`)).join(', ');
    // The carry path keeps m^k of the gradient by lag k: carried while that is half or more (the
    // summary's "steady"), else it fades (0.95^50 = 0.08 is not "far back").
    const paths = rows.map(({ d, m, r }) => ({ d, r, carried: m ** k >= 0.5 }));
    const say = (carried) => (carried ? 'is carried far back' : 'fades');
    const along = paths.every((p) => p.carried === paths[0].carried)
      ? say(paths[0].carried)
      : paths.map((p) => `${say(p.carried)} in the ${p.d.info.label}`).join(' and ');
    // The carry path is one way back; the whole gradient also runs through W at every step, and
    // may not do what the carry path does (at ρ = 3 it holds steady while the path fades).
    const unlike = paths.filter((p) => (p.carried ? p.r < 0.5 : p.r >= 0.5));
    const whole = unlike.length ? ` The whole gradient also runs back through W at every step, so it need not follow: ${unlike.map(({ d, r }) => `${d.info.label} ×${fmt(r)}`).join(', ')} at lag ${k} (the summary).` : '';
    return { id: 'gate-value', carry: set.length > 0, text: `Carry gates at start: ${gates}. ${powers}: along ${statesOf(rows)} alone (the carry path), the gradient ${along}.${whole}` };
  }
  // Compared only with plain cells that do not explode: a vanishing curve below an exploding one says nothing.
  const calm = data.cells.filter((d) => !d.info.gated && ratio(d, k) <= 2);
  const best = calm.length ? calm.reduce((a, b) => (ratio(a, k) > ratio(b, k) ? a : b)) : null;
  const faster = best ? shut.filter(({ r }) => r < ratio(best, k)).map(({ d }) => d) : [];
  // "vanishes" for a hundredfold or more, as the summary words it; "fades" short of that.
  const falls = (rs) => (rs.every((r) => trendWord(r) === 'vanishing') ? 'vanishes' : 'fades');
  const head = faster.length
    ? `<b>Here the ${labels(faster)} gradient ${falls(faster.map((d) => ratio(d, k)))} <em>faster</em> than the ${best.info.label}'s</b> (lag ${k}: ${faster.map((d) => `${d.info.label} ×${fmt(ratio(d, k))}`).join(', ')}; ${best.info.label} ×${fmt(ratio(best, k))}).`
    : `<b>The ${labels(shut.map(({ d }) => d))} gradient ${falls(shut.map(({ r }) => r))}</b> (lag ${k}: ${shut.map(({ d, r }) => `${d.info.label} ×${fmt(r)}`).join(', ')}).`;
  return {
    id: 'gated-vanish',
    kind: faster.length ? 'surprise' : '',
    carry: true,
    text: `${head} Gates are not magic: untrained, the carry gate is what it starts as, and ${biasText(state.fb)} (${gatesOf(set)}), so ${statesOf(set)} keeps about that share of itself per step.${keepsAll} Start it open and the gated curves flatten:`,
  };
}

/** Below this mean tanh′ the units are called saturated; above it, mostly unsaturated. */
const SATURATED = 0.5;

/** What the mean tanh′ says, in words that follow the number (0.87 is not "saturated"). */
function slopeWords(slope) {
  const mean = `tanh′ = 1 − h² averages ${fmt(slope, 2)} here`;
  return slope < SATURATED
    ? `its units saturate. ${mean}, so each step's Jacobian diag(1 − h²)·W is much smaller than W:`
    : `its units are mostly unsaturated (${mean}), yet a factor below 1 at every step compounds, so each step's Jacobian diag(1 − h²)·W is smaller than W:`;
}

/** ρ > 1 but a tanh RNN grows far less than ρ^k: tanh′ < 1 at every step (saturated or not). */
function saturation(session, k) {
  const { data } = session;
  if (data.rho <= 1) return null;
  const theory = data.rho ** k;
  const slow = data.cells.filter((d) => !d.info.gated && d.info.saturates && ratio(d, k) < 1e-2 * theory);
  if (!slow.length) return null;
  const d = slow[0];
  const slope = session.lab.mean_tanh_slope(d.index);
  const r = ratio(d, k);
  const perStep = r ** (1 / k);
  const linear = session.cells.find((c) => c.theory === 'exact');
  const shown = data.cells.some((c) => c.info.theory === 'exact');
  return {
    id: 'saturation',
    kind: 'surprise',
    text: `<b>ρ = ${fmt(data.rho)} &gt; 1, yet the ${d.info.label} gradient ${r >= 1 ? `grows only ×${fmt(r)}` : `even shrinks (×${fmt(r)})`} by lag ${k}</b>, where ρ<sup>${k}</sup> = ${fmt(theory)}: ${slopeWords(slope)} over these ${k} steps the gradient changed by ×${fmt(perStep, 3)} per step on average, not by ×ρ = ${fmt(data.rho)}. Pascanu et al.'s condition (σ<sub>max</sub> &gt; 1) is necessary for exploding gradients, not sufficient; tanh keeps |h| ≤ 1, so a larger W pushes it further into saturation.${shown ? ` The ${linear.label} has no tanh to saturate: its curve grows as ρ<sup>k</sup>.` : ''}`,
    action: shown || !linear ? null : { text: `Show the ${linear.label}`, patch: (s) => ({ cells: session.cells.map((c) => c.name).filter((n) => n === linear.name || s.cells.includes(n)) }) },
  };
}

/** ρ > 1 but a ReLU RNN vanishes: only active units pass the gradient. */
function deadUnits(session, k) {
  const { data } = session;
  if (data.rho <= 1) return null;
  const relu = data.cells.filter((d) => !d.info.gated && !d.info.saturates && d.info.theory === 'bound' && ratio(d, k) < 0.5);
  if (!relu.length) return null;
  const d = relu[0];
  const active = session.lab.active_share(d.index);
  return {
    id: 'relu',
    kind: 'surprise',
    text: `<b>ρ = ${fmt(data.rho)} &gt; 1, yet the ${d.info.label} gradient vanishes</b> (×${fmt(ratio(d, k))} at lag ${k}): ReLU passes the gradient only through active units (h &gt; 0: ${percent(active)} of them here), so each step's Jacobian diag(1[a &gt; 0])·W keeps only part of W's growth.`,
  };
}

/** Overflow, in float64 here, or how far there is still to go. */
function overflow(session, k) {
  const { data, state } = session;
  const over = data.cells.filter((d) => d.summary.overflow_backward !== null || d.summary.overflow_forward !== null);
  if (over.length) {
    return {
      id: 'overflow',
      kind: 'surprise',
      text: `<b>Overflow:</b> the ${labels(over)} went beyond the largest float64 (1.8e308); from there on the values are ∞ or NaN (marked on the chart). This is what "exploding gradients give NaNs" means.`,
    };
  }
  const growing = data.cells.filter((d) => d.info.theory === 'exact' && ratio(d, k) > 2);
  if (!growing.length) return null;
  const big = data.cells.some((d) => d.gradByLag.some((v) => v > FLOAT32_MAX));
  return {
    id: 'explode',
    text: `The ${labels(growing)} gradient grows as ρ<sup>k</sup> (×${fmt(ratio(growing[0], k))} at lag ${k}).${big ? ' It has passed 3.4e38, the largest float32: PyTorch\'s default dtype would already show ∞ and NaN.' : ''} In float64, as here, it becomes ∞ and then NaN once it passes 1.8e308: at ρ = ${OVERFLOW.sv} that takes about ${OVERFLOW_STEPS} steps.`,
    action: state.T >= OVERFLOW_STEPS && state.sv >= OVERFLOW.sv ? null : { text: `Run it to overflow (ρ = ${OVERFLOW.sv}, T = ${OVERFLOW.T})`, patch: () => OVERFLOW_PATCH },
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

/** Trained models: what the task's loss sends back to the steps the answer depends on. */
function trainedFlow(session) {
  const { data, state } = session;
  const last = state.T - 1;
  const marks = session.markedSteps();
  const k = marks.length ? last - marks[0] : noteLag(state.T);
  const rows = data.cells.map((d) => ({ d, r: ratio(d, k) }));
  const faint = rows.filter(({ r }) => r < 1e-3).map(({ d }) => d);
  const carried = rows.filter(({ r }) => r >= 1e-3).map(({ d }) => d);
  const at = rows.map(({ d, r }) => `${d.info.label} ×${fmt(r)}`).join(', ');
  const where = marks.length
    ? `The target depends on the values at steps ${marks.join(' and ')} (lags ${marks.map((m) => last - m).join(' and ')}); what a model learns about them arrives as this gradient. At the first marked pair (lag ${k}): ${at}.`
    : `At lag ${k}: ${at}.`;
  const list = (ds) => ds.map((d) => d.info.label).join(', ').replace(/, ([^,]*)$/, ' and $1');
  const many = (ds, one, more) => (ds.length > 1 ? more : one);
  const parts = [];
  if (faint.length) parts.push(`The ${list(faint)} ${many(faint, 'gradient is', 'gradients are')} below 10<sup>−3</sup> of lag 0's there: this loss tells ${many(faint, 'its', 'their')} weights almost nothing about ${marks.length ? 'the first pair' : 'that step'}.`);
  if (carried.length) parts.push(`The ${list(carried)} ${many(carried, 'gradient still reaches', 'gradients still reach')} it.`);
  return {
    id: 'trained',
    text: `<b>Trained weights, the task's loss.</b> ${where} ${parts.join(' ')}`,
  };
}

/** An imported network: how far the lab's loss reaches back in the layer and direction shown. */
function importedFlow(session) {
  const { data, state } = session;
  const v = data.imported;
  const k = noteLag(state.T);
  const d = data.cells[0];
  const r = ratio(d, k);
  const run = v.runs[v.run].label;
  const head = `<b>A PyTorch model's weights, the lab's loss.</b> In ${d.info.label} ${run},`;
  const e = awayFromLag0(d);
  if (e) {
    const zero = d.gradByLag[0] === 0;
    const at0 = zero ? '‖∂L/∂h<sub>t</sub>‖ is 0 at lag 0' : `‖∂L/∂h<sub>t</sub>‖ at lag 0 is only ${fmt(d.gradByLag[0])}, ×${fmt(d.gradByLag[0] / e.value)} of its largest value`;
    return {
      id: 'imported',
      text: `${head} ${at0}: the loss reaches this direction ${zero ? 'only' : 'mostly'} at other steps. Its gradient is largest, ${fmt(e.value)}, at lag ${e.lag}; a ratio to lag 0 ${zero ? 'would divide by zero' : 'divides by almost nothing'}: it means nothing here and shows no growth, so the chart draws it against its largest value. Against that, lag ${k} gets ×${fmt(d.gradByLag[k] / e.value)}. Other layers and directions: the PyTorch panel's picker.`,
    };
  }
  // In the summary's words (trendWord), so the note and the summary agree.
  const what = {
    vanishing: 'vanishes: this loss tells these weights almost nothing about steps that far back',
    fading: 'fades',
    steady: 'still arrives',
    growing: 'grows',
    exploding: 'explodes',
  }[trendWord(r)];
  // With a loss at every step each h_t also collects its own step's loss: a level curve then says
  // nothing about how far one loss reaches back.
  const every = state.loss === 'every' && trendWord(r) !== 'vanishing'
    ? ' With the loss at every step, each h<sub>t</sub> also gets its own step\'s loss, so this is not memory: set the loss to the last step to see how far one loss reaches back.'
    : '';
  return {
    id: 'imported',
    text: `${head} ‖∂L/∂h<sub>t</sub>‖ at lag ${k} is ×${fmt(r)} of lag 0's: the gradient ${what}.${every} Other layers and directions: the PyTorch panel's picker.`,
  };
}

/** The notes for the scene on screen, most surprising first. */
export function flowNotes(session) {
  // A redraw that comes after the session let go of its wasm handle (an element taken out of
  // the page): its notes need the core's numbers, so there are none to write.
  if (!session.lab) return [];
  if (session.data.imported) {
    const over = overflow(session, noteLag(session.state.T));
    return [over?.id === 'overflow' ? over : null, importedFlow(session)].filter(Boolean);
  }
  if (session.data.task) {
    const over = overflow(session, noteLag(session.state.T));
    return [over?.id === 'overflow' ? over : null, trainedFlow(session)].filter(Boolean);
  }
  const k = noteLag(session.state.T);
  return [overflow(session, k), saturation(session, k), deadUnits(session, k), transient(session), carryGates(session, k)].filter(Boolean);
}
