// "Type a sentence": the model as it is now reads the sentence (in the worker: explain_sentence,
// crate::train::explain). Shows the prediction and both probabilities; the tokens as the model
// reads them (words not in the vocabulary marked: they are read as <unk>); for a chosen layer and
// direction, one heatmap cell per word and gate or state (LSTM i, f, g, o, c, h: names, titles
// and colours from the core's cell table and colour maps), aligned under the words; the saliency
// of each word (gradient × input of its embedding, summed) as a bar; and ‖∂m/∂h_t‖ per direction.
import { esc, listen, timed } from '../common.js';
import { ENTRANT } from '../../classify-session.js';

export const name = 'cls-sentence';
export const region = 'content';
export const controls = ['text'];
export const title = 'Type a sentence';

export const template = () => `
<section class="panel wide" id="panel-cls-sentence" data-widget="cls-sentence">
  <h2>Type a sentence</h2>
  <div class="field" data-control="text">
    <label for="cls-text">A sentence for the model to read</label>
    <input type="text" id="cls-text" maxlength="300" autocomplete="off" spellcheck="false">
  </div>
  <p class="caption"><span id="cls-model-state">${modelState(null)}</span> Words it never saw in training are <span class="unk-key">marked</span>: it reads every one of them as the same token, <code>&lt;unk&gt;</code>.</p>
  <div id="cls-prediction" class="prediction" aria-live="polite"></div>
  <div class="cls-pick" role="group" aria-label="Which layer and direction the heatmaps show">
    <span>Heatmaps of</span>
    <label>layer <select id="cls-layer"></select></label>
    <label>direction <select id="cls-direction"></select></label>
  </div>
  <p class="scroll-cue" id="cls-scroll-cue" hidden>The sentence is wider than the panel: scroll the words sideways (or drag, or use the arrow keys on it) to see the rest →</p>
  <div class="word-scroll" id="cls-word-scroll" tabindex="0" role="region" aria-label="The words with their gates, saliency and gradient flow"><div id="cls-grid" class="word-grid"></div></div>
  <div class="heat-legend" id="cls-heat-legend" aria-hidden="true"></div>
  <p class="caption">Each column is a word. Heatmaps: one column of ${'H'} units per word (unit 0 at the top), for the gates i (input), f (forget), g (candidate), o (output) and the states c (cell) and h (hidden) of the chosen layer and direction, coloured as the lab's heatmaps (key above): the gates i, f, o from 0 (dark purple) through green to 1 (yellow); g and h from −1 (purple) through 0 (white) to +1 (orange-brown); c on the same purple–white–orange colours, scaled to its largest size in this sentence (its range in the key). <b>Saliency</b>: gradient × input of the word's embedding, summed over its E numbers, of the margin m (the predicted class's logit minus the runner-up's) (up: the word pushes towards the prediction, down: against it; scaled to the largest). <b>Flow</b>: ‖∂m/∂h<sub>t</sub>‖, how strongly the margin m depends on the chosen layer's hidden state at each word, per direction (scaled to the largest of the two).</p>
  <p class="note" id="cls-sentence-note"></p>
  <p class="error" id="cls-sentence-error" role="alert" hidden></p>
</section>`;

/**
 * Which model reads the sentence, from the run's last log record (`null` before any): untrained
 * at iteration 0, else how far it has trained and how it scores on the held-out sentences.
 */
export function modelState(r) {
  if (!r || r.iteration === 0) return 'The model as it is now, untrained (random weights; Play trains it), reads the sentence.';
  const acc = Number.isFinite(r.test_accuracy) ? `, ${(100 * r.test_accuracy).toFixed(1)}\u00a0% right on the held-out sentences` : '';
  return `The model as it is now, after ${r.iteration.toLocaleString('en')} training iterations (${r.sequences.toLocaleString('en')} sentences seen${acc}), reads the sentence.`;
}

/**
 * The margin in words: over which class (`x.runner_up`, the core's), as the logit difference
 * m = z_pred − z_runner-up the saliency and flow are taken of.
 */
export function marginText(classes, x) {
  if (x.runner_up == null) return '';
  const over = classes.length > 2 ? `the runner-up, ${classes[x.runner_up]}` : classes[x.runner_up];
  return `(margin of ${classes[x.prediction]} over ${over}: logit difference m = ${x.margin.toFixed(2)})`;
}

const DIR = ['forward (left to right)', 'backward (right to left)'];
const FLIPS = new Set(['not', "n't", 'never', 'no', 'but', 'although', 'though', 'yet', 'however']);
const pct = (p) => `${(100 * p).toFixed(1)}\u00a0%`;

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const info = session.cell(ENTRANT);
  const titles = new Map([...info.blocks, ...info.states].map((b) => [b.name, b.title]));
  let seq = 0;
  let last = null; // {enc, x}

  const pickers = () => {
    const L = session.state.layers;
    const D = session.state.bidir === 'on' ? 2 : 1;
    const fill = (sel, n, label, first = 0) => {
      const keep = sel.value === '' ? first : Math.min(Number(sel.value), n - 1);
      const want = Array.from({ length: n }, (_, k) => label(k)).join('|');
      if (sel.dataset.opts !== want) {
        sel.innerHTML = Array.from({ length: n }, (_, k) => `<option value="${k}">${esc(label(k))}</option>`).join('');
        sel.dataset.opts = want;
      }
      sel.value = String(keep);
    };
    // The last layer first: the one fc reads, where each direction's flow peaks at its own end.
    fill($('cls-layer'), L, (k) => `${k + 1}${k === L - 1 ? ' (read by fc)' : ''}`, L - 1);
    fill($('cls-direction'), D, (k) => DIR[k]);
  };

  // The grid's elements are built once per sentence, layer/direction and shape (`built.key`) and
  // then only repainted: a record arrives every few hundred ms while training, and rebuilding
  // some hundred canvases and bars each time made a long main-thread task.
  let built = null; // {key, heat: Map series → [{canvas, ctx}], sal: [bar], flows: [[bar]]}

  const heatCell = (series, H) => {
    const c = document.createElement('canvas');
    c.width = 1;
    c.height = H;
    c.className = 'heat-cell';
    c.dataset.series = series;
    c.setAttribute('aria-hidden', 'true');
    return { canvas: c, ctx: c.getContext('2d') };
  };

  const bar = (cls) => {
    const box = document.createElement('div');
    box.className = `bar-cell ${cls}`;
    box.append(document.createElement('span'));
    return box;
  };

  const setBar = (box, value, max, label) => {
    const b = box.firstChild;
    const cls = value >= 0 ? 'up' : 'down';
    if (b.className !== cls) b.className = cls;
    b.style.height = `${max > 0 ? (50 * Math.abs(value)) / max : 0}%`;
    if (box.title !== label) box.title = label;
  };

  const build = (enc, x, layer, H, key) => {
    const grid = $('cls-grid');
    const n = enc.tokens.length;
    grid.style.setProperty('--words', n);
    const items = [];
    const head = (text, extra = '') => {
      const h = document.createElement('div');
      h.className = `row-head ${extra}`;
      h.innerHTML = text;
      items.push(h);
    };
    head('word', 'words-head');
    enc.tokens.forEach((t, k) => {
      const w = document.createElement('div');
      w.className = `word${enc.unknown[k] ? ' unknown' : ''}`;
      w.dataset.word = String(k);
      w.textContent = t;
      if (enc.unknown[k]) w.title = `“${t}” is not in the vocabulary: the model reads <unk>`;
      items.push(w);
    });
    const b = { key, heat: new Map(), sal: [], flows: [] };
    if (x) {
      for (const s of x.series) {
        head(`<abbr title="${esc(titles.get(s) ?? s)}">${esc(s)}</abbr>`);
        const cells = Array.from({ length: n }, () => heatCell(s, H));
        b.heat.set(s, cells);
        items.push(...cells.map((c) => c.canvas));
      }
      head('saliency');
      b.sal = Array.from({ length: n }, () => bar('saliency'));
      items.push(...b.sal);
      for (const r of x.runs.filter((q) => q.layer === layer)) {
        head(`flow ${r.direction === 0 ? '→' : '←'}`, 'flow-head');
        const bars = Array.from({ length: n }, () => bar(`flow dir${r.direction}`));
        b.flows.push(bars);
        items.push(...bars);
      }
    }
    grid.replaceChildren(...items);
    return b;
  };

  // The colour key: one ramp per scale in use, coloured by the core (`heat_rgba`, the same call
  // as the cells), labelled with the series it colours and its ends.
  let legendKey = '';
  const drawLegend = (scales) => {
    const groups = new Map();
    for (const [s, sc] of scales) {
      const k = `${sc.kind}|${sc.limit}`;
      if (!groups.has(k)) groups.set(k, { ...sc, names: [] });
      groups.get(k).names.push(s);
    }
    const key = JSON.stringify([...groups.keys(), [...groups.values()].map((g) => g.names)]);
    if (key === legendKey) return;
    legendKey = key;
    const N = 64;
    const items = [...groups.values()].map((g) => {
      const seq = g.kind === 'sequential';
      const lo = seq ? 0 : -g.limit;
      const ramp = Float64Array.from({ length: N }, (_, k) => lo + ((g.limit - lo) * k) / (N - 1));
      const { rgba } = session.core.wasm.heat_rgba(ramp, N, 1, ENTRANT, g.names[0]);
      const c = document.createElement('canvas');
      c.width = N;
      c.height = 1;
      c.getContext('2d').putImageData(new ImageData(rgba, N, 1), 0, 0);
      const num = (v) => (Number.isInteger(v) ? String(v) : v.toPrecision(2)).replace('-', '−');
      const item = document.createElement('span');
      item.className = 'legend-item';
      item.dataset.scale = g.kind;
      const name = document.createElement('b');
      name.textContent = g.names.join(' ');
      const ends = [num(lo), num(g.limit)].map((t) => Object.assign(document.createElement('span'), { textContent: t }));
      item.append(name, ends[0], c, ends[1]);
      return item;
    });
    $('cls-heat-legend').replaceChildren(...items);
  };

  // The cue shows whenever the words overflow their box (a long sentence, a phone).
  const cue = () => {
    const box = $('cls-word-scroll');
    const hide = box.scrollWidth <= box.clientWidth + 1;
    if ($('cls-scroll-cue').hidden !== hide) $('cls-scroll-cue').hidden = hide;
  };
  const resize = new ResizeObserver(cue);
  resize.observe($('cls-word-scroll'));

  const draw = () => {
    if (!last) return;
    const { enc, x } = last;
    const n = enc.tokens.length;
    const layer = Number($('cls-layer').value) || 0;
    const dir = Number($('cls-direction').value) || 0;
    const H = session.state.H;
    const key = JSON.stringify([enc.tokens, enc.unknown, x ? [x.series, x.runs.length, layer, H] : null]);
    if (built?.key !== key) { built = build(enc, x, layer, H, key); cue(); }
    if (!x) return;
    const run = x.runs.find((r) => r.layer === layer && r.direction === dir) ?? x.runs[0];
    const scales = [];
    for (const s of x.series) {
      const flat = new Float64Array(n * H);
      run.states[s].forEach((row, t) => flat.set(row, t * H));
      const rgba = session.core.wasm.heat_rgba(flat, n, H, ENTRANT, s);
      const img = new ImageData(rgba.rgba, n, H);
      built.heat.get(s).forEach(({ ctx }, k) => ctx.putImageData(img, -k, 0, k, 0, 1, H));
      scales.push([s, { kind: rgba.kind, limit: rgba.limit }]);
    }
    drawLegend(scales);
    const sal = x.saliency;
    const smax = Math.max(...sal.map(Math.abs));
    sal.forEach((v, k) => setBar(built.sal[k], v, smax, `${enc.tokens[k]}: gradient × input ${v.toPrecision(3)}`));
    const flows = x.runs.filter((r) => r.layer === layer);
    const fmax = Math.max(...flows.flatMap((r) => r.grad_h_norm));
    flows.forEach((r, i) => r.grad_h_norm.forEach((v, k) => setBar(built.flows[i][k], v, fmax, `${enc.tokens[k]}: ‖∂m/∂h‖ ${v.toPrecision(3)} (${r.direction === 0 ? 'forward' : 'backward'})`)));
    const note = noteOf(enc, x, layer);
    if ($('cls-sentence-note').textContent !== note) $('cls-sentence-note').textContent = note;
  };

  const noteOf = (enc, x, layer) => {
    const parts = [];
    const iteration = session.entrants[0]?.parsed.at(-1)?.iteration ?? 0;
    if (iteration === 0) parts.push(`The model is untrained: its weights are random, so its answer is near ${Math.round(100 / session.classes.length)}\u00a0% for each class and the pictures show no learnt pattern yet. Press Play.`);
    const unk = enc.tokens.filter((_, k) => enc.unknown[k]);
    if (unk.length) parts.push(`${unk.length === 1 ? `“${unk[0]}” is` : `${unk.length} words (${unk.map((t) => `“${t}”`).join(', ')}) are`} not in the ${session.vocabulary.length}-token vocabulary: the model sees only <unk> there, whatever the word means.`);
    const sal = x.saliency;
    const order = sal.map((v, k) => [Math.abs(v), k]).sort((a, b) => b[0] - a[0]);
    const top = order[0];
    if (top && top[0] > 0) parts.push(`The largest saliency is “${enc.tokens[top[1]]}” (${sal[top[1]] >= 0 ? 'towards' : 'against'} the prediction).`);
    const flip = enc.tokens.map((t, k) => [t, k]).filter(([t]) => FLIPS.has(t));
    for (const [t, k] of flip.slice(0, 2)) {
      if (top && Math.abs(sal[k]) < 0.25 * top[0]) parts.push(`“${t}” can flip the label, yet draws little saliency here: gradient × input measures how a small nudge of its embedding moves the margin, not what removing the word would do; a word that works by opening or shutting gates for the words after it can have a small local gradient.`);
    }
    const flows = x.runs.filter((r) => r.layer === layer);
    if (flows.length === 2 && enc.tokens.length > 2) {
      const peak = (r) => r.grad_h_norm.indexOf(Math.max(...r.grad_h_norm));
      parts.push(`Flow: the forward direction's is largest at “${enc.tokens[peak(flows[0])]}”, the backward's at “${enc.tokens[peak(flows[1])]}”. fc reads the forward state after the last word and the backward state after the first word, so each direction's flow usually peaks at its own end and fades away from it.`);
    }
    return parts.join(' ');
  };

  const showPrediction = (x) => {
    const box = $('cls-prediction');
    if (!x) { box.textContent = ''; return; }
    const cls = session.classes;
    const rows = cls.map((c, k) => `<div class="prob-row${k === x.prediction ? ' chosen' : ''}" data-class="${esc(c)}"><span class="prob-label">${esc(c)}</span><span class="prob-bar"><span style="width:${(100 * x.probabilities[k]).toFixed(1)}%"></span></span><span class="prob-value">${pct(x.probabilities[k])}</span></div>`).join('');
    box.innerHTML = `<p class="verdict">Prediction: <strong id="cls-verdict">${esc(cls[x.prediction])}</strong> <span class="hint" id="cls-margin">${esc(marginText(cls, x))}</span></p>${rows}`;
  };

  const err = (text) => { const e = $('cls-sentence-error'); e.textContent = text; e.hidden = !text; };

  const sayState = () => {
    const said = modelState(session.entrants[0]?.parsed.at(-1) ?? null);
    if ($('cls-model-state').textContent !== said) $('cls-model-state').textContent = said;
  };

  const update = async () => {
    const mine = ++seq;
    sayState();
    const enc = session.encodeText(session.state.text);
    if (!enc.tokens.length) {
      last = { enc, x: null };
      showPrediction(null);
      err('');
      draw();
      $('cls-sentence-note').textContent = 'Type a sentence to see what the model makes of it.';
      return;
    }
    try {
      const x = await session.explain(enc.ids);
      if (mine !== seq) return;
      err('');
      sayState();
      last = { enc, x };
      timed('cls-sentence', () => {
        showPrediction(x);
        pickers();
        draw();
      });
      root.dataset.iteration = String(session.entrants[0]?.parsed.at(-1)?.iteration ?? 0);
      root.dataset.ready = 'true';
    } catch (e) {
      if (mine === seq) err(e.message);
    }
  };

  $('cls-text').value = session.state.text;
  $('cls-text').addEventListener('input', (e) => session.set({ text: e.target.value }));
  $('cls-layer').addEventListener('change', draw);
  $('cls-direction').addEventListener('change', draw);
  pickers();
  const off = listen(session, {
    model: update,
    state: () => {
      if (root.getRootNode().activeElement !== $('cls-text')) $('cls-text').value = session.state.text;
      pickers();
      update();
    },
  });
  update();
  return {
    redraw: draw,
    destroy() { off(); resize.disconnect(); },
    /** What the panel shows now: `{enc, x}` (the sentence as read, and `explain`'s answer). */
    get shown() { return last; },
  };
}
