// Stepping through the unrolled network: the chain of cells around the current step, a timeline,
// previous/next/play, a forward phase (‖h_t‖ fills in) and a backward phase (‖∂L/∂h_t‖ travels
// back), and the step's equations with the live numbers of one unit. Keys: ← → step, Home/End go
// to the first/last step, space plays. They always work on the chain picture (focusable) and ←
// → Home End on the step buttons (space there presses the button); `keys()` takes ← → and space
// from wherever else the host listens (the lab: the page; an element: inside it).
// Drawn only while on screen (a slider elsewhere on the page does not pay for it).
import { fmt } from '../format.js';
import { chainSvg, drawChain, equations } from '../chain.js';
import { attr, cssSize, download, downloadButtons, downloadCanvas, listen, put, setRange, timed, watchSize, whenVisible } from './common.js';

export const name = 'chain';
export const region = 'content';
export const wide = true;
export const controls = [];
export const title = 'Step through the unrolled network';

export const template = () => `
<section class="panel wide" id="panel-chain" data-widget="chain">
  <div class="panel-head">
    <h2>Step through the unrolled network</h2>
    <div class="downloads" data-chart="chain"></div>
  </div>
  <p class="caption">The same cell applied at every step. Forward: the state fills in step by step (bars: ‖h<sub>t</sub>‖). Backward: the gradient of the loss travels back and shrinks or grows (bars: ‖∂L/∂h<sub>t</sub>‖). Keys (on the picture or the step buttons): ← → step, Home/End first/last step, space plays.</p>
  <div class="chain-controls">
    <div role="radiogroup" aria-label="Phase" class="phase">
      <label><input type="radio" name="phase" value="fwd"> Forward</label>
      <label><input type="radio" name="phase" value="bwd"> Backward</label>
    </div>
    <label for="chain-cell">Cell</label>
    <select id="chain-cell"></select>
    <button type="button" id="prev" aria-label="Previous step">◀</button>
    <button type="button" id="play" aria-label="Play">▶ Play</button>
    <button type="button" id="next" aria-label="Next step">▶</button>
    <label for="scrub" class="scrub-label">Step t <output id="scrub-out" for="scrub"></output></label>
    <input type="range" id="scrub" min="0" max="99" step="1" class="scrub">
  </div>
  <div class="canvas-box chain"><canvas id="chain" role="img" tabindex="0" aria-keyshortcuts="ArrowLeft ArrowRight Home End Space" aria-label="The unrolled network"></canvas></div>
  <div class="equations-row">
    <div class="field row">
      <label for="unit">Unit j</label>
      <input type="number" id="unit" min="0" max="31" step="1">
    </div>
    <div id="equations" class="equations" aria-live="polite"></div>
  </div>
</section>`;

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const canvas = $('chain');
  let playTimer = null;
  const s = () => session.state;

  const chainData = () => {
    const d = session.cellData(s().chain);
    return {
      T: s().T, t: s().t, phase: s().phase, color: d.info.color, label: d.info.short,
      hnorm: session.hNorms(d), gnorm: d.grad, input: d.series.input, marked: new Set(session.markedSteps()),
    };
  };

  const describe = () => {
    const st = s();
    const d = session.cellData(st.chain);
    setRange(root, 'scrub', st.t, `${st.t}`, `step ${st.t} of ${st.T - 1}`);
    const shown = st.phase === 'fwd' ? `‖h_t‖ = ${fmt(session.hNorms(d)[st.t])}` : `‖∂L/∂h_t‖ = ${fmt(d.grad[st.t])}`;
    attr(canvas, 'aria-label', `Unrolled ${d.info.label} at step ${st.t} of ${st.T}, ${st.phase === 'fwd' ? 'forward' : 'backward'} phase. ${shown}.`);
    const width = session.data.task?.input_size ?? session.data.imported?.input_size ?? 1;
    const inputs = width > 1 ? Array.from({ length: width }, (_, k) => (k === 0 ? d.series.input : session.lab.per_step(d.index, `input_${k}`))) : null;
    put($('equations'), 'textContent', equations({
      info: d.info, t: st.t, j: st.unit, H: st.H, T: st.T, phase: st.phase,
      get: (n) => d.series[n], flow: d, inputs,
    }));
  };
  const drawPanel = () => {
    timed('chain', () => drawChain(canvas, chainData(), cssSize(canvas)));
    session.afterDraw(describe);
  };

  const draw = whenVisible(root, session, drawPanel);

  const fields = () => {
    const st = s();
    root.querySelectorAll('input[name=phase]').forEach((b) => put(b, 'checked', b.value === st.phase));
    const sel = $('chain-cell');
    const want = st.cells.map((c) => `<option value="${c}">${session.cell(c).label}</option>`).join('');
    if (sel.dataset.opts !== want) { sel.innerHTML = want; sel.dataset.opts = want; }
    put(sel, 'value', st.chain);
    put($('scrub'), 'max', String(st.T - 1));
    put($('unit'), 'max', String(st.H - 1));
    put($('unit'), 'value', String(st.unit));
  };
  const sync = () => {
    session.afterDraw(fields); // queued first: the scrubber's max before its value
    draw();
  };

  const step = (t, e) => session.setStep(t, e?.timeStamp ?? performance.now());
  const togglePlay = () => {
    const play = $('play');
    if (playTimer) {
      clearInterval(playTimer);
      playTimer = null;
      play.textContent = '▶ Play';
      play.setAttribute('aria-label', 'Play');
      return;
    }
    const dir = s().phase === 'fwd' ? 1 : -1;
    if ((dir > 0 && s().t >= s().T - 1) || (dir < 0 && s().t <= 0)) s().t = dir > 0 ? 0 : s().T - 1;
    play.textContent = '❚❚ Pause';
    play.setAttribute('aria-label', 'Pause');
    playTimer = setInterval(() => {
      const next = s().t + dir;
      if (next < 0 || next > s().T - 1) { togglePlay(); return; }
      step(next);
    }, reducedMotion.matches ? 400 : 90);
  };

  $('chain-cell').addEventListener('change', (e) => { s().chain = e.target.value; step(s().t, e); });
  root.querySelectorAll('input[name=phase]').forEach((b) => b.addEventListener('change', (e) => { s().phase = e.target.value; step(s().t, e); }));
  $('scrub').addEventListener('input', (e) => step(Number(e.target.value), e));
  $('prev').addEventListener('click', (e) => step(s().t - 1, e));
  $('next').addEventListener('click', (e) => step(s().t + 1, e));
  $('play').addEventListener('click', togglePlay);
  $('unit').addEventListener('change', (e) => {
    s().unit = Math.max(0, Math.min(s().H - 1, Math.round(Number(e.target.value) || 0)));
    step(s().t, e);
  });
  downloadButtons(root.querySelector('.downloads'), 'chain', (format) => {
    if (format === 'png') { downloadCanvas(canvas, 'unrolled-chain.png'); return; }
    const svg = chainSvg(Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), chainData());
    download('unrolled-chain.svg', new Blob([svg], { type: 'image/svg+xml' }));
  });

  /** ← → step, `ends`: Home/End go to the first/last step, `space`: space plays. */
  const stepKey = (e, { ends = true, space = true } = {}) => {
    const moves = { ArrowLeft: s().t - 1, ArrowRight: s().t + 1, ...(ends ? { Home: 0, End: s().T - 1 } : {}) };
    if (e.key in moves) step(moves[e.key], e);
    else if (space && e.key === ' ') togglePlay();
    else return;
    e.preventDefault();
  };
  /** For keydown events the host routes here (the page's Home/End keep scrolling it). */
  const keys = (e) => stepKey(e, { ends: false });
  canvas.addEventListener('keydown', (e) => stepKey(e));
  for (const id of ['prev', 'play', 'next']) $(id).addEventListener('keydown', (e) => stepKey(e, { space: false }));

  watchSize(canvas, () => { if (session.data) draw(); });
  const off = listen(session, {
    change: (e) => (e.detail.kind === 'scene' ? sync() : draw()),
    analysis: draw,
  });
  return {
    destroy: () => { off(); draw.destroy(); if (playTimer) clearInterval(playTimer); },
    redraw: draw,
    keys,
  };
}
