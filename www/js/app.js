// Unrolled's page: state → wasm core → charts. Every interaction that changes the model records a
// User Timing measure named `update`, from the input event to the end of drawing.
import init, { Lab, last_panic, cell_color, panic_for_test } from '../pkg/unrolled.js';
import { CELLS, CELL_LABEL, HIDEABLE, decode, defaults, encode, sceneConfig } from './state.js';
import { fmt } from './format.js';
import { Heatmaps } from './heatmaps.js';
import { chainSvg, drawChain, equations } from './chain.js';

const $ = (id) => document.getElementById(id);
// Short names that fit inside a cell of the unrolled chain.
const SHORT_LABEL = { rnn_tanh: 'tanh', rnn_relu: 'ReLU', rnn_linear: 'linear', lstm: 'LSTM', gru: 'GRU' };
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');
let state = decode(location.hash);
let lab = null;
let dead = false;
let data = null; // per-cell results of the last update (big series are read from wasm lazily)
let spectrumRect = null;
let playTimer = null;
const heat = new Heatmaps($('heatmaps'), $('heat-tip'), (t) => setStep(t, performance.now()));

// ---------- errors and panics ----------
function showBanner(msg, reload) {
  const b = $('banner');
  b.replaceChildren(document.createTextNode(msg));
  if (reload) {
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.textContent = 'Reload the page';
    btn.addEventListener('click', () => location.reload());
    b.append(btn);
  }
  b.hidden = false;
}
function clearBanner() { $('banner').hidden = true; }

/** Runs a wasm call; a panic shows its message instead of freezing the page. */
function guard(fn) {
  if (dead) return undefined;
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      dead = true;
      let msg = null;
      try { msg = last_panic(); } catch { /* the module is gone */ }
      showBanner(`The engine stopped unexpectedly: ${msg || e.message}. Your settings are in the link; reload to continue.`, true);
      return undefined;
    }
    showBanner(e.message || String(e));
    return undefined;
  }
}

// ---------- canvases ----------
function fit(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  return dpr;
}

// ---------- the model ----------
function recompute() {
  const cfg = { ...sceneConfig(state), analysis: false };
  const ok = guard(() => {
    if (!lab) lab = new Lab(cfg);
    else lab.update(cfg);
    return true;
  });
  if (!ok) return false;
  clearBanner();
  const cells = [];
  const n = lab.cell_count();
  for (let i = 0; i < n; i += 1) {
    const name = lab.cell_name(i);
    // [T][H] series are copied out of wasm only when something reads them (the equations).
    const series = new Proxy({}, {
      get(cache, key) {
        if (typeof key !== 'string') return undefined;
        if (!(key in cache)) cache[key] = key === 'input' ? lab.per_step(i, 'input') : lab.series(i, key);
        return cache[key];
      },
    });
    cells.push({
      name, index: i, series,
      grad: lab.per_step(i, 'grad_h_norm'),
      jac: new Float64Array(state.T).fill(NaN),
      gradC: name === 'lstm' ? lab.per_step(i, 'grad_c_norm') : null,
      carry: name === 'lstm' || name === 'gru' ? new Float64Array(state.T).fill(NaN) : null,
      gradByLag: lab.grad_by_lag(i),
      summary: lab.summary(i),
    });
  }
  data = {
    cells,
    eig: lab.eigenvalues(),
    sv: lab.singular_values(),
    rho: lab.spectral_radius(),
    sigma: lab.max_singular_value(),
  };
  return true;
}

function cellData(name) {
  return data.cells.find((c) => c.name === name) || data.cells[0];
}

// ---------- drawing ----------
function drawFlow() {
  const c = $('flow');
  fit(c);
  guard(() => lab.draw_gradient_flow(c, { gradient: state.showG, jacobian: state.showJ, theory: state.showTh }));
  // text summary for screen readers
  const k = Math.min(state.T - 1, Math.round(state.T / 2));
  const parts = data.cells.map((d) => {
    const o = d.summary.overflow_backward !== null || d.summary.overflow_forward !== null ? ' (overflow)' : '';
    return `${CELL_LABEL[d.name]} ${fmt(d.gradByLag[k])}${o}`;
  });
  const text = `‖∂L/∂h‖ at lag ${k}: ${parts.join('; ')}. ρ(W) = ${fmt(data.rho)}, σ_max(W) = ${fmt(data.sigma)}.`;
  $('flow-summary').textContent = text;
  c.setAttribute('aria-label', `Gradient flow chart. ${text}`);
}

function drawSpectrum() {
  const c = $('spectrum');
  const dpr = fit(c);
  const shown = selToShown(state.sel);
  const r = guard(() => lab.draw_spectrum(c, shown));
  if (r) spectrumRect = { x: r.x / dpr, y: r.y / dpr, width: r.width / dpr, height: r.height / dpr, lim: r.lim };
  const s = $('singular');
  fit(s);
  guard(() => lab.draw_singular_values(s));
  const n = data.eig.length / 2;
  let inside = 0;
  for (let i = 0; i < n; i += 1) if (Math.hypot(data.eig[2 * i], data.eig[2 * i + 1]) < 1) inside += 1;
  c.setAttribute('aria-label', `Eigenvalues of W_hh in the complex plane: ${inside} of ${n} inside the unit circle; spectral radius ${fmt(data.rho)}.${shown >= 0 ? ` Selected eigenvalue ${state.sel + 1}: ${fmt(data.eig[2 * shown])} ${data.eig[2 * shown + 1] < 0 ? '−' : '+'} ${fmt(Math.abs(data.eig[2 * shown + 1]))}i.` : ''}`);
  s.setAttribute('aria-label', `Singular values of W_hh from ${fmt(data.sv[0])} down to ${fmt(data.sv[data.sv.length - 1])}.`);
}

function chainData() {
  const d = cellData(state.chain);
  return {
    T: state.T, t: state.t, phase: state.phase, color: cell_color(d.name), label: SHORT_LABEL[d.name],
    hnorm: hNorms(d), gnorm: d.grad, input: d.series.input,
  };
}

function drawChainPanel() {
  const d = cellData(state.chain);
  drawChain($('chain'), chainData());
  $('chain').setAttribute('aria-label', `Unrolled ${CELL_LABEL[d.name]} at step ${state.t} of ${state.T}, ${state.phase === 'fwd' ? 'forward' : 'backward'} phase. ‖∂L/∂h_t‖ = ${fmt(d.grad[state.t])}.`);
  $('equations').textContent = equations({
    cell: d.name, t: state.t, j: state.unit, H: state.H, T: state.T, phase: state.phase,
    get: (name) => d.series[name], flow: d,
  });
}

function hNorms(d) {
  if (!d.hNorms) d.hNorms = lab.per_step(d.index, 'h_norm');
  return d.hNorms;
}

function drawPaths() {
  const d = cellData(state.focus);
  const box = $('paths-box');
  const gated = d.name === 'lstm' || d.name === 'gru';
  box.hidden = !gated;
  if (!gated || !lab.has_analysis(d.index)) return;
  const c = $('paths');
  fit(c);
  guard(() => lab.draw_paths(d.index, c));
  const k = Math.min(state.T - 1, Math.round(state.T / 2));
  const carry = d.carry ? d.carry[state.T - 1 - k] : NaN;
  c.setAttribute('aria-label', `${CELL_LABEL[d.name]}: at lag ${k} the ${d.name === 'lstm' ? 'forget path max ∏f' : 'z carry max ∏z'} is ${fmt(carry)} and the hidden path ‖∂h_T/∂h_t‖ is ${fmt(d.jac[state.T - 1 - k])}.`);
}

function drawHeatmaps() {
  const d = cellData(state.focus);
  heat.layout(lab, d.index, d.name, state.T, state.H, downloadHeatmap);
  guard(() => heat.update(lab, d.index, d.name, state.T, state.H, state.t));
}

function drawClipReport() {
  const el = $('clip-report');
  if (state.clip === 'none') {
    el.innerHTML = data.cells.map((d) => `${CELL_LABEL[d.name]}: ‖∇θ‖ = ${fmt(d.summary.clip.norm_before)}`).join('<br>');
    return;
  }
  el.innerHTML = data.cells.map((d) => {
    const c = d.summary.clip;
    const cos = Number.isFinite(c.cosine) ? c.cosine.toFixed(3) : 'n/a';
    const changed = c.norm_after < c.norm_before * (1 - 1e-9);
    return `${CELL_LABEL[d.name]}: ‖∇θ‖ ${fmt(c.norm_before)} → <b${changed ? ' class="bad"' : ''}>${fmt(c.norm_after)}</b>, direction cos = ${cos}`;
  }).join('<br>');
}

function drawAll() {
  drawFlow();
  drawSpectrum();
  drawChainPanel();
  drawGatesPanel();
  drawClipReport();
}

// The gates panel is the costliest to draw; while it is scrolled out of view it is only marked
// stale and drawn when it comes into view (or when someone waits for `settled()`).
let gatesVisible = true;
let gatesStale = false;
function drawGatesPanel() {
  if (!gatesVisible) { gatesStale = true; return; }
  gatesStale = false;
  drawHeatmaps();
  drawPaths();
}
new IntersectionObserver((entries) => {
  gatesVisible = entries.some((e) => e.isIntersecting);
  if (gatesVisible && gatesStale && data) drawGatesPanel();
}).observe($('panel-gates'));

// ---------- controls ----------
function syncControls() {
  document.querySelectorAll('input[name=cell]').forEach((b) => { b.checked = state.cells.includes(b.value); });
  document.querySelectorAll('.swatch').forEach((s) => { s.style.background = cell_color(s.dataset.cell); });
  setRange('hidden', state.H, `${state.H} units`);
  setRange('steps', state.T, `${state.T} steps`);
  $('input').value = state.input;
  $('custom').hidden = state.input !== 'custom';
  $('custom').value = state.custom;
  $('init').value = state.init;
  $('seed').value = state.seed;
  document.querySelectorAll('input[name=loss]').forEach((b) => { b.checked = b.value === state.loss; });
  document.querySelectorAll('input[name=phase]').forEach((b) => { b.checked = b.value === state.phase; });
  setRange('carry-bias', state.fb ?? 0, state.fb === null ? 'default' : fmt(state.fb),
    state.fb === null ? 'PyTorch default, about 0' : `carry-gate bias ${fmt(state.fb)}`);
  $('clip').value = state.clip;
  setRange('clip-threshold', Math.log10(state.ct), fmt(state.ct), state.clip === 'none' ? 'no clipping' : undefined);
  $('clip-threshold').disabled = state.clip === 'none';
  $('show-gradient').checked = state.showG;
  $('show-jacobian').checked = state.showJ;
  $('show-theory').checked = state.showTh;
  for (const key of HIDEABLE) {
    document.querySelectorAll(`[data-hideable=${key}]`).forEach((el) => el.classList.toggle('hidden-by-teacher', state.hide.includes(key)));
  }
  for (const sel of [$('chain-cell'), $('heat-cell')]) {
    const want = state.cells.map((c) => `<option value="${c}">${CELL_LABEL[c]}</option>`).join('');
    if (sel.dataset.opts !== want) { sel.innerHTML = want; sel.dataset.opts = want; }
  }
  if (!state.cells.includes(state.chain)) state.chain = state.cells[0];
  if (!state.cells.includes(state.focus)) state.focus = state.cells.includes('lstm') ? 'lstm' : state.cells[0];
  $('chain-cell').value = state.chain;
  $('heat-cell').value = state.focus;
  $('scrub').max = state.T - 1;
  $('unit').max = state.H - 1;
  $('unit').value = state.unit;
  syncStep();
}

function syncSpectrumSliders() {
  // The slider that sets the scale shows the target; the other shows what it came to.
  const rho = state.scale === 'rho' ? state.sv : data.rho;
  const sigma = state.scale === 'sigma' ? state.sv : data.sigma;
  setRange('rho', rho, fmt(rho), `spectral radius ${fmt(rho)}${state.scale === 'rho' ? '' : ' (result)'}`);
  setRange('sigma', sigma, fmt(sigma), `largest singular value ${fmt(sigma)}${state.scale === 'sigma' ? '' : ' (result)'}`);
  setRange('nonnormal', state.nn, fmt(state.nn));
  buildEigenSliders();
}

function setRange(id, value, text, valuetext) {
  const el = $(id);
  if (document.activeElement !== el || Number(el.value) !== Number(value)) el.value = value;
  const out = $(`${id}-out`);
  if (out) out.textContent = text;
  el.setAttribute('aria-valuetext', valuetext || text);
}

function syncStep() {
  setRange('scrub', state.t, `${state.t}`, `step ${state.t} of ${state.T - 1}`);
}

// The URL hash holds the whole state. Browsers ignore history.replaceState beyond ~200 calls
// per 10 s, which a long slider drag exceeds, so writes are throttled (at most one per 250 ms,
// always including the last) and flushed before the link is copied or a test reads it.
let hashTimer = null;
let hashWrittenAt = 0;
function flushHash() {
  clearTimeout(hashTimer);
  hashTimer = null;
  hashWrittenAt = performance.now();
  const h = `#${encode(state)}`;
  if (location.hash !== h) history.replaceState(null, '', h);
}
function writeHash() {
  if (hashTimer) return;
  const wait = Math.max(0, 250 - (performance.now() - hashWrittenAt));
  hashTimer = setTimeout(flushHash, wait);
}

/** Recompute, redraw, and record the `update` measure from the triggering event. */
function update(start) {
  if (dead) return;
  state.t = Math.min(state.t, state.T - 1);
  state.unit = Math.min(state.unit, state.H - 1);
  if (state.eigs && state.eigs.length !== state.H) state.eigs = null;
  // Keep exactly what the link can hold (4 decimals), so a copied link restores this very view.
  if (state.eigs) state.eigs = state.eigs.map(([re, im]) => [+re.toFixed(4), +im.toFixed(4)]);
  if (state.sel >= state.H) state.sel = -1;
  syncControls();
  if (!recompute()) return;
  drawAll();
  syncSpectrumSliders();
  writeHash();
  performance.measure('update', { start, end: performance.now() });
  requestAnalysis(start);
}

// ---------- the Jacobian analysis, in a worker ----------
const worker = new Worker(new URL('./analysis-worker.js', import.meta.url), { type: 'module' });
let analysisId = 0;
let analysisStart = 0;
let appliedId = 0;
let settleWaiters = [];

function requestAnalysis(start) {
  analysisId += 1;
  analysisStart = start;
  document.body.dataset.analysis = 'pending';
  worker.postMessage({ id: analysisId, config: sceneConfig(state) });
}

worker.onmessage = (e) => {
  const { id, cells, error } = e.data;
  if (id !== analysisId || dead) return; // a newer request is on its way
  if (error) {
    showBanner(`Jacobian analysis: ${error}`);
  } else {
    const ok = guard(() => {
      cells.forEach((c, i) => {
        lab.attach_analysis(i, c.jacobian, c.carry, c.carryNorm);
        data.cells[i].jac = c.jacobian;
        if (data.cells[i].carry) data.cells[i].carry = c.carryNorm;
        data.cells[i].series.carry_path = c.carry;
      });
      return true;
    });
    if (ok) {
      drawFlow();
      drawGatesPanel();
      drawChainPanel();
    }
  }
  appliedId = id;
  document.body.dataset.analysis = 'ready';
  performance.measure('analysis', { start: analysisStart, end: performance.now() });
  const waiting = settleWaiters;
  settleWaiters = [];
  waiting.forEach((r) => r());
};
worker.onerror = (e) => showBanner(`The analysis worker failed: ${e.message}`);

/** Resolves once the newest state's analysis has been drawn (and every panel is up to date). */
function settled() {
  const flush = () => {
    flushHash();
    if (gatesStale && data) { gatesStale = false; drawHeatmaps(); drawPaths(); }
  };
  if (appliedId === analysisId) { flush(); return Promise.resolve(); }
  return new Promise((r) => settleWaiters.push(() => { flush(); r(); }));
}

function setStep(t, start) {
  state.t = Math.max(0, Math.min(state.T - 1, t));
  syncStep();
  drawChainPanel();
  heat.mark(state.t, state.T);
  writeHash();
  performance.measure('step', { start, end: performance.now() });
}

function on(id, ev, fn) { $(id).addEventListener(ev, fn); }

function bind() {
  document.querySelectorAll('input[name=cell]').forEach((b) => b.addEventListener('change', (e) => {
    const picked = [...document.querySelectorAll('input[name=cell]:checked')].map((x) => x.value);
    if (!picked.length) { e.target.checked = true; return; }
    state.cells = CELLS.filter((c) => picked.includes(c));
    update(e.timeStamp);
  }));
  on('all-cells', 'click', (e) => { state.cells = [...CELLS]; update(e.timeStamp); });
  on('hidden', 'input', (e) => { state.H = Number(e.target.value); state.eigs = null; state.sel = -1; update(e.timeStamp); });
  on('steps', 'input', (e) => { state.T = Number(e.target.value); update(e.timeStamp); });
  on('input', 'change', (e) => { state.input = e.target.value; update(e.timeStamp); });
  on('custom', 'change', (e) => { state.custom = e.target.value; update(e.timeStamp); });
  on('init', 'change', (e) => { state.init = e.target.value; state.eigs = null; update(e.timeStamp); });
  on('seed', 'change', (e) => { state.seed = Math.min(999999, Math.max(0, Math.round(Number(e.target.value) || 0))); update(e.timeStamp); });
  document.querySelectorAll('input[name=loss]').forEach((b) => b.addEventListener('change', (e) => { state.loss = e.target.value; update(e.timeStamp); }));
  on('rho', 'input', (e) => { state.scale = 'rho'; state.sv = Number(e.target.value); update(e.timeStamp); });
  on('sigma', 'input', (e) => { state.scale = 'sigma'; state.sv = Number(e.target.value); update(e.timeStamp); });
  on('nonnormal', 'input', (e) => {
    state.nn = Number(e.target.value);
    if (!state.eigs) state.eigs = currentEigs();
    update(e.timeStamp);
  });
  on('preset-nonnormal', 'click', (e) => {
    // Every eigenvalue on |λ| = 0.9 (ρ = 0.9 < 1) with a strong non-normal part: σ_max ≫ 1, so the
    // gradient grows for a while before the eigenvalues win and it decays. The eigenvalues are
    // distinct conjugate pairs: one repeated H times is too ill-conditioned to compute back
    // (with H = 32 the computed ρ came out 1.01).
    state.cells = state.cells.includes('rnn_linear') ? state.cells : ['rnn_linear', ...state.cells];
    const m = Math.floor(state.H / 2);
    state.eigs = [];
    for (let k = 0; k < m; k += 1) {
      const a = (Math.PI * (k + 0.5)) / m;
      state.eigs.push([0.9 * Math.cos(a), 0.9 * Math.sin(a)], [0.9 * Math.cos(a), -0.9 * Math.sin(a)]);
    }
    if (state.H % 2) state.eigs.push([0.9, 0]);
    state.nn = 0.5;
    state.scale = 'none';
    update(e.timeStamp);
  });
  on('eig-reset', 'click', (e) => { state.eigs = null; state.nn = 0; state.sel = -1; state.scale = 'rho'; state.sv = 0.9; update(e.timeStamp); });
  on('clip', 'change', (e) => { state.clip = e.target.value; update(e.timeStamp); });
  on('carry-bias', 'input', (e) => { state.fb = Number(e.target.value); update(e.timeStamp); });
  on('carry-bias-default', 'click', (e) => { state.fb = null; update(e.timeStamp); });
  on('clip-threshold', 'input', (e) => { state.ct = 10 ** Number(e.target.value); update(e.timeStamp); });
  on('show-gradient', 'change', (e) => { state.showG = e.target.checked; update(e.timeStamp); });
  on('show-jacobian', 'change', (e) => { state.showJ = e.target.checked; update(e.timeStamp); });
  on('show-theory', 'change', (e) => { state.showTh = e.target.checked; update(e.timeStamp); });
  on('chain-cell', 'change', (e) => { state.chain = e.target.value; setStep(state.t, e.timeStamp); });
  on('heat-cell', 'change', (e) => { state.focus = e.target.value; update(e.timeStamp); });
  document.querySelectorAll('input[name=phase]').forEach((b) => b.addEventListener('change', (e) => { state.phase = e.target.value; setStep(state.t, e.timeStamp); }));
  on('scrub', 'input', (e) => setStep(Number(e.target.value), e.timeStamp));
  on('prev', 'click', (e) => setStep(state.t - 1, e.timeStamp));
  on('next', 'click', (e) => setStep(state.t + 1, e.timeStamp));
  on('play', 'click', togglePlay);
  on('unit', 'change', (e) => { state.unit = Math.max(0, Math.min(state.H - 1, Math.round(Number(e.target.value) || 0))); setStep(state.t, e.timeStamp); });
  on('share', 'click', async () => {
    flushHash();
    try { await navigator.clipboard.writeText(location.href); $('share').textContent = 'Link copied'; } catch { $('share').textContent = 'Link in address bar'; }
    setTimeout(() => { $('share').textContent = 'Copy link'; }, 1800);
  });
  on('reset', 'click', (e) => { state = defaults(); update(e.timeStamp); });
  on('download-json', 'click', () => guard(() => {
    const d = cellData(state.focus);
    download(`unrolled-${d.name}-trace.json`, new Blob([lab.trace_json(d.index)], { type: 'application/json' }));
  }));
  on('download-csv', 'click', () => guard(() => download('unrolled-trace.csv', new Blob([lab.csv()], { type: 'text/csv' }))));
  document.querySelectorAll('.downloads[data-chart]').forEach((box) => {
    for (const f of ['PNG', 'SVG']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.textContent = f;
      b.setAttribute('aria-label', `Download the ${box.dataset.chart.replace('-', ' ')} chart as ${f}`);
      b.addEventListener('click', () => downloadChart(box.dataset.chart, f.toLowerCase()));
      box.append(b);
    }
  });
  document.addEventListener('keydown', (e) => {
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || tag === 'BUTTON' || e.target === $('spectrum')) return;
    if (e.key === 'ArrowLeft') { setStep(state.t - 1, e.timeStamp); e.preventDefault(); }
    if (e.key === 'ArrowRight') { setStep(state.t + 1, e.timeStamp); e.preventDefault(); }
    if (e.key === ' ') { togglePlay(); e.preventDefault(); }
  });
  bindSpectrumEditor();
  window.addEventListener('pagehide', flushHash);
  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) !== encode(state)) { state = decode(location.hash); update(performance.now()); }
  });
  new ResizeObserver(() => { if (data) { heat.key = ''; drawAll(); } }).observe($('charts'));
}

function togglePlay() {
  if (playTimer) {
    clearInterval(playTimer);
    playTimer = null;
    $('play').textContent = '▶ Play';
    $('play').setAttribute('aria-label', 'Play');
    return;
  }
  const dir = state.phase === 'fwd' ? 1 : -1;
  if ((dir > 0 && state.t >= state.T - 1) || (dir < 0 && state.t <= 0)) state.t = dir > 0 ? 0 : state.T - 1;
  $('play').textContent = '❚❚ Pause';
  $('play').setAttribute('aria-label', 'Pause');
  playTimer = setInterval(() => {
    const next = state.t + dir;
    if (next < 0 || next > state.T - 1) { togglePlay(); return; }
    setStep(next, performance.now());
  }, reducedMotion.matches ? 400 : 90);
}

// ---------- eigenvalue editor ----------
function currentEigs() {
  const out = [];
  for (let i = 0; i < data.eig.length; i += 2) out.push([data.eig[i], Math.abs(data.eig[i + 1]) < 1e-12 ? 0 : data.eig[i + 1]]);
  return out;
}

/** Index of the conjugate partner of eigenvalue k in `eigs` (or -1 for a real one). */
function partner(eigs, k) {
  const [re, im] = eigs[k];
  if (im === 0) return -1;
  let best = -1;
  let bestD = Infinity;
  eigs.forEach(([r, i], m) => {
    if (m === k) return;
    const d = Math.abs(r - re) + Math.abs(i + im);
    if (d < bestD) { bestD = d; best = m; }
  });
  return best;
}

/**
 * Moves eigenvalue k of the learner's list `state.eigs` (a complex one drags its conjugate).
 * A complex pair dropped on the real axis becomes two equal real eigenvalues; a real one pulled
 * off the axis takes its nearest real neighbour along as its conjugate.
 */
function moveEig(k, re, im, start) {
  if (!state.eigs) state.eigs = currentEigs();
  const eigs = state.eigs.map((e) => [...e]);
  const p = partner(eigs, k);
  re = Math.max(-3, Math.min(3, re));
  im = Math.max(-3, Math.min(3, im));
  const axis = 0.02 * Math.max(1, spectrumRect ? spectrumRect.lim : 1); // snap distance
  if (p >= 0) {
    if (Math.abs(im) < axis) {
      eigs[k] = [re, 0];
      eigs[p] = [re, 0];
    } else {
      const sign = eigs[k][1] >= 0 ? 1 : -1;
      eigs[k] = [re, sign * Math.abs(im)];
      eigs[p] = [re, -sign * Math.abs(im)];
    }
  } else if (Math.abs(im) >= 2 * axis) {
    // nearest other real eigenvalue becomes the conjugate
    let m = -1;
    let best = Infinity;
    eigs.forEach(([r, i], j) => {
      if (j !== k && i === 0 && Math.abs(r - eigs[k][0]) < best) { best = Math.abs(r - eigs[k][0]); m = j; }
    });
    if (m >= 0) {
      eigs[k] = [re, im];
      eigs[m] = [re, -im];
    } else {
      eigs[k] = [re, 0];
    }
  } else {
    eigs[k] = [re, 0];
  }
  state.eigs = eigs;
  state.scale = 'none';
  state.sel = k;
  update(start);
}

/** Index in the drawn (computed, sorted) eigenvalues nearest to `state.eigs[k]` (or k itself). */
function selToShown(k) {
  if (k < 0 || !data) return -1;
  if (!state.eigs) return k;
  const [re, im] = state.eigs[k];
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < data.eig.length / 2; i += 1) {
    const d = Math.hypot(data.eig[2 * i] - re, data.eig[2 * i + 1] - im);
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

/** Index in `state.eigs` of the drawn eigenvalue i (the lists agree until the first edit). */
function shownToSel(i) {
  if (!state.eigs) return i;
  const re = data.eig[2 * i];
  const im = data.eig[2 * i + 1];
  let best = -1;
  let bestD = Infinity;
  state.eigs.forEach(([r, m], j) => {
    const d = Math.hypot(r - re, m - im);
    if (d < bestD) { bestD = d; best = j; }
  });
  return best;
}

function toComplex(e) {
  const r = spectrumRect;
  const c = $('spectrum').getBoundingClientRect();
  const px = e.clientX - c.left - r.x;
  const py = e.clientY - c.top - r.y;
  return [(px / r.width) * 2 * r.lim - r.lim, r.lim - (py / r.height) * 2 * r.lim];
}

function nearestEig(re, im) {
  const r = spectrumRect;
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < data.eig.length / 2; i += 1) {
    const d = Math.hypot(data.eig[2 * i] - re, data.eig[2 * i + 1] - im);
    if (d < bestD) { bestD = d; best = i; }
  }
  const pxPerUnit = r.width / (2 * r.lim);
  return bestD * pxPerUnit <= 14 ? best : -1;
}

function bindSpectrumEditor() {
  const c = $('spectrum');
  let drag = -1;
  c.addEventListener('pointerdown', (e) => {
    if (!spectrumRect || !spectrumRect.lim) return;
    const [re, im] = toComplex(e);
    const shown = nearestEig(re, im);
    if (shown < 0) return;
    if (!state.eigs) state.eigs = currentEigs();
    const k = shownToSel(shown);
    drag = k;
    state.sel = k;
    c.setPointerCapture(e.pointerId);
    c.classList.add('dragging');
    drawSpectrum();
  });
  c.addEventListener('pointermove', (e) => {
    if (drag < 0) return;
    const [re, im] = toComplex(e);
    moveEig(drag, re, im, e.timeStamp);
  });
  const end = () => { drag = -1; c.classList.remove('dragging'); };
  c.addEventListener('pointerup', end);
  c.addEventListener('pointercancel', end);
  c.addEventListener('keydown', (e) => {
    const n = state.H;
    if (e.key === 'n' || e.key === 'N') {
      state.sel = (state.sel + 1) % n;
      drawSpectrum();
      writeHash();
      e.preventDefault();
      return;
    }
    if (e.key === 'p' || e.key === 'P') {
      state.sel = (state.sel - 1 + n) % n;
      drawSpectrum();
      writeHash();
      e.preventDefault();
      return;
    }
    const step = e.shiftKey ? 0.1 : 0.01;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (!d) return;
    e.preventDefault();
    if (state.sel < 0) state.sel = 0;
    const eigs = state.eigs || currentEigs();
    const [re, im] = eigs[state.sel];
    moveEig(state.sel, re + d[0], im + (im < 0 ? -d[1] : d[1]), e.timeStamp);
  });
  c.addEventListener('focus', () => { if (state.sel < 0 && data) { state.sel = 0; drawSpectrum(); } });
}

/** Per-eigenvalue sliders, for small H (each real eigenvalue, and each conjugate pair once). */
function buildEigenSliders() {
  const box = $('eig-sliders');
  if (state.H > 8) { box.replaceChildren(); box.dataset.key = ''; return; }
  const eigs = state.eigs || currentEigs();
  const items = [];
  eigs.forEach(([re, im], k) => { if (im >= 0) items.push(k); });
  const key = `${state.H}|${items.join(',')}|${eigs.map((e) => (e[1] === 0 ? 'r' : 'c')).join('')}`;
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.replaceChildren();
    for (const k of items) {
      const complex = eigs[k][1] > 0;
      for (const part of complex ? ['re', 'im'] : ['re']) {
        const f = document.createElement('div');
        f.className = 'field';
        const id = `eig-${k}-${part}`;
        f.innerHTML = `<label for="${id}">λ${k + 1} ${part === 're' ? 'real' : 'imaginary'} part <output id="${id}-out"></output></label><input type="range" id="${id}" min="${part === 're' ? -1.6 : 0.01}" max="1.6" step="0.01">`;
        box.append(f);
        f.querySelector('input').addEventListener('input', (e) => {
          const cur = (state.eigs || currentEigs())[k];
          const v = Number(e.target.value);
          moveEig(k, part === 're' ? v : cur[0], part === 'im' ? v : cur[1], e.timeStamp);
        });
      }
    }
  }
  for (const k of items) {
    const [re, im] = eigs[k];
    setRange(`eig-${k}-re`, re, fmt(re), `eigenvalue ${k + 1} real part ${fmt(re)}`);
    if (im > 0) setRange(`eig-${k}-im`, im, fmt(im), `eigenvalue ${k + 1} imaginary part ±${fmt(im)}`);
  }
}

// ---------- export ----------
function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function downloadCanvas(canvas, name) {
  canvas.toBlob((b) => download(name, b), 'image/png');
}

function downloadChart(chart, format) {
  const canvas = { 'gradient-flow': $('flow'), spectrum: $('spectrum'), 'singular-values': $('singular'), chain: $('chain') }[chart];
  if (format === 'png') { downloadCanvas(canvas, `unrolled-${chart}.png`); return; }
  if (chart === 'chain') {
    const svg = chainSvg(Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), chainData());
    download('unrolled-chain.svg', new Blob([svg], { type: 'image/svg+xml' }));
    return;
  }
  guard(() => {
    const svg = lab.svg(chart, Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), { gradient: state.showG, jacobian: state.showJ, theory: state.showTh });
    download(`unrolled-${chart}.svg`, new Blob([svg], { type: 'image/svg+xml' }));
  });
}

function downloadHeatmap(name, format) {
  const d = cellData(state.focus);
  if (format === 'png') { downloadCanvas(heat.composite(name), `unrolled-${d.name}-${name}.png`); return; }
  guard(() => {
    const item = heat.items.get(name);
    const svg = lab.heatmap_svg(d.index, name, item.title, item.scale.kind, item.scale.limit, 720, 300);
    download(`unrolled-${d.name}-${name}.svg`, new Blob([svg], { type: 'image/svg+xml' }));
  });
}

// ---------- start ----------
async function main() {
  try {
    await init();
  } catch (e) {
    showBanner(`Could not start the engine (WebAssembly): ${e.message}`, true);
    return;
  }
  bind();
  update(performance.now());
  window.__unrolled = {
    get lab() { return lab; }, get state() { return state; }, get data() { return data; },
    get spectrumRect() { return spectrumRect; }, update, settled,
    panic: () => guard(() => panic_for_test()), // test hook: the banner shows a panic
  };
  document.body.dataset.ready = 'true';
}
main();
