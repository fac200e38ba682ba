// Padding and packing: the typed sentence and two fixed ones as a small padded batch, its packed
// form as `pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)` builds
// it (`data` rows shown as their words, `batch_sizes`, `sorted_indices`, `unsorted_indices`, from
// the core's `packed_layout`), which cells run at each step in each direction packed and padded,
// and what each sequence's h_n and prediction are when the model runs packed (`model(text,
// lengths)`) and over the padding (`model(text)`), from the worker's `classifier_packing`.
import { esc, listen, timed } from '../common.js';

export const name = 'cls-packing';
export const region = 'content';
export const controls = [];
export const title = 'Padding and packing';

/** The fixed sentences beside the typed one: shorter and longer. */
export const FIXED = ['The film was truly mediocre.', 'Although the staff was poor, the series was so excellent overall.'];
/** At most this many tokens of the typed sentence go into the batch (the tables stay legible). */
export const MAX_TOKENS = 16;

export const template = () => `
<section class="panel wide" id="panel-cls-packing" data-widget="cls-packing">
  <h2>Padding and packing</h2>
  <p class="caption">A batch must be a rectangle, so shorter sentences are padded with <code>&lt;pad&gt;</code> (id 0) to the longest. <code>pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)</code> then sorts the sentences longest first and lays their tokens out step by step, so the LSTM never reads a pad. Below: your sentence (first ${MAX_TOKENS} tokens) and two fixed ones.</p>
  <h3>The padded batch <code>text</code> (B × T)</h3>
  <div class="table-scroll" tabindex="0" role="region" aria-label="The padded batch"><table class="tokens" id="cls-padded"></table></div>
  <h3>Its packed form</h3>
  <pre class="packed-fields" id="cls-packed-fields" tabindex="0" role="region" aria-label="The packed fields"></pre>
  <p class="caption"><code>data</code> has one row per real token (each row the token's E-number embedding; shown here as its word), step by step: at step t the first <code>batch_sizes[t]</code> sentences of <code>sorted_indices</code>.</p>
  <div class="packed-data" id="cls-packed-data"></div>
  <h3>Which LSTM cells run</h3>
  <p class="caption">Each square is one position of one sentence; its number is the step of that direction's run at which the cell there runs (blank: it does not run). Blue: a real word is read; orange: a pad is read; grey: nothing runs. Framed: where the direction's final state h<sub>n</sub> is taken (what fc reads).</p>
  <div class="run-grids" id="cls-runs"></div>
  <h3>h<sub>n</sub> and the prediction, packed and unpacked</h3>
  <div class="table-scroll" tabindex="0" role="region" aria-label="h_n and the prediction, packed and unpacked"><table class="hn" id="cls-hn"></table></div>
  <p class="note" id="cls-packing-note"></p>
  <p class="error" id="cls-packing-error" role="alert" hidden></p>
</section>`;

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  let seq = 0;
  let shown = null; // {batch, view, run}: what the panel draws now

  const batch = () => {
    const typed = session.encodeText(session.state.text);
    const rows = [];
    if (typed.tokens.length) rows.push({ label: 'yours', tokens: typed.tokens.slice(0, MAX_TOKENS), ids: typed.ids.slice(0, MAX_TOKENS) });
    FIXED.forEach((t, k) => { const e = session.encodeText(t); rows.push({ label: `fixed ${k + 1}`, tokens: e.tokens, ids: e.ids }); });
    const steps = Math.max(...rows.map((r) => r.ids.length));
    const ids = rows.flatMap((r) => [...r.ids, ...Array(steps - r.ids.length).fill(0)]);
    return { rows, steps, ids, lengths: rows.map((r) => r.ids.length) };
  };

  const draw = (b, view, run) => {
    const { layout, data_index: index, runs } = view;
    const B = b.rows.length;
    const T = b.steps;
    const tok = (r, t) => (t < b.rows[r].tokens.length ? b.rows[r].tokens[t] : '<pad>');
    // the padded batch
    let h = `<thead><tr><th scope="col">b</th><th scope="col">length</th>${Array.from({ length: T }, (_, t) => `<th scope="col">t=${t}</th>`).join('')}</tr></thead><tbody>`;
    for (let r = 0; r < B; r += 1) {
      h += `<tr><th scope="row">${r} <span class="hint">(${b.rows[r].label})</span></th><td>${layout.lengths[r]}</td>${Array.from({ length: T }, (_, t) => `<td class="${t < layout.lengths[r] ? '' : 'pad'}">${esc(tok(r, t))}</td>`).join('')}</tr>`;
    }
    $('cls-padded').innerHTML = `${h}</tbody>`;
    // the packed fields
    const rowsData = layout.batch_sizes.reduce((a, n) => a + n, 0);
    $('cls-packed-fields').textContent = [
      `lengths          = tensor([${layout.lengths.join(', ')}])`,
      `data.shape       = (${rowsData}, E)       # ${rowsData} real tokens; ${B * T - rowsData} pads left out`,
      `batch_sizes      = tensor([${layout.batch_sizes.join(', ')}])`,
      `sorted_indices   = tensor([${layout.sorted_indices.join(', ')}])`,
      `unsorted_indices = tensor([${layout.unsorted_indices.join(', ')}])`,
    ].join('\n');
    const byRow = [];
    for (let r = 0; r < B; r += 1) for (let t = 0; t < T; t += 1) { const i = index[r * T + t]; if (i !== null) byRow[i] = { r, t }; }
    let k = 0;
    const groups = layout.batch_sizes.map((n, t) => {
      const chips = [];
      for (let j = 0; j < n; j += 1, k += 1) {
        const { r } = byRow[k];
        chips.push(`<li class="chip" data-row="${k}" data-seq="${r}" data-step="${t}"><span class="row-no">${k}</span> ${esc(tok(r, t))} <span class="hint">b${r}</span></li>`);
      }
      return `<div class="step-group"><div class="step-head">t=${t} · batch_sizes[${t}] = ${n}</div><ol>${chips.join('')}</ol></div>`;
    });
    $('cls-packed-data').innerHTML = groups.join('');
    // the run grids
    const D = session.state.bidir === 'on' ? 2 : 1;
    const grid = (g, dir, packed) => {
      const cells = dir === 0 ? g.forward : g.reverse;
      let out = `<table class="run-grid" data-packed="${packed}" data-direction="${dir}"><caption>${packed ? 'packed' : 'padded, no lengths'} · ${dir === 0 ? 'forward →' : 'backward ←'}</caption><tbody>`;
      for (let r = 0; r < B; r += 1) {
        const row = cells.slice(r * T, (r + 1) * T);
        const lastStep = Math.max(...row.filter((v) => v !== null));
        out += `<tr><th scope="row">b${r}</th>${row.map((v, t) => `<td class="${v === null ? 'off' : 'on'}${t >= layout.lengths[r] ? ' pad' : ''}${v !== null && v === lastStep ? ' final' : ''}">${v === null ? '' : v}</td>`).join('')}</tr>`;
      }
      return `${out}</tbody></table>`;
    };
    const grids = [];
    for (const packed of [true, false]) for (let d = 0; d < D; d += 1) grids.push(grid(packed ? runs.packed : runs.padded, d, packed));
    $('cls-runs').innerHTML = grids.join('');
    // h_n packed vs padded
    const cls = session.classes;
    const L = run.num_layers;
    const H = run.hidden_size;
    const C = cls.length;
    const hn = (x, ld, r) => x.h_n.slice((ld * B + r) * H, (ld * B + r + 1) * H);
    const dist = (a, c) => Math.hypot(...a.map((v, i) => v - c[i]));
    const top = (L - 1) * D;
    let t2 = `<thead><tr><th scope="col">b</th><th scope="col">length / T</th>${Array.from({ length: D }, (_, d) => `<th scope="col">‖h<sub>n</sub> packed − padded‖, last layer ${d === 0 ? '→' : '←'}</th>`).join('')}<th scope="col">packed: prediction</th><th scope="col">padded: prediction</th></tr></thead><tbody>`;
    const changed = [];
    for (let r = 0; r < B; r += 1) {
      const lg = (x) => x.logits.slice(r * C, (r + 1) * C).map((v) => v.toFixed(2)).join(', ');
      const p = run.packed.predictions[r];
      const q = run.padded.predictions[r];
      if (p !== q) changed.push(r);
      t2 += `<tr data-seq="${r}"><th scope="row">${r}</th><td>${layout.lengths[r]} / ${T}</td>${Array.from({ length: D }, (_, d) => `<td>${dist(hn(run.packed, top + d, r), hn(run.padded, top + d, r)).toFixed(3)}</td>`).join('')}<td>${esc(cls[p])} <span class="hint">(logits ${lg(run.packed)})</span></td><td class="${p !== q ? 'flipped' : ''}">${esc(cls[q])} <span class="hint">(logits ${lg(run.padded)})</span></td></tr>`;
    }
    $('cls-hn').innerHTML = `${t2}</tbody>`;
    const short = layout.lengths.map((n, r) => [n, r]).filter(([n]) => n < T);
    const parts = [];
    if (short.length) {
      const [n, r] = short[0];
      parts.push(`Sentence ${r} has ${n} tokens and ${T - n} pads. Packed, its forward direction stops after its last word (step ${n - 1}) and its backward direction starts at that word; padded (no lengths), the forward direction reads the ${T - n} pads after it before giving its h_n, and the backward direction starts at the last pad and reaches the real words last.`);
      parts.push('Only the longest sentence gets the same h_n both ways (its distances are 0).');
    }
    parts.push(changed.length
      ? `Running over the padding changed the prediction of sentence${changed.length > 1 ? 's' : ''} ${changed.join(', ')}: pass the lengths.`
      : 'Here the padding shifted the final states (and the logits) but no prediction changed; with other weights or more padding it can.');
    $('cls-packing-note').textContent = parts.join(' ');
  };

  const err = (text) => { const e = $('cls-packing-error'); e.textContent = text; e.hidden = !text; };

  const update = async () => {
    const mine = ++seq;
    const b = batch();
    try {
      const view = session.core.wasm.packed_layout(Uint32Array.from(b.lengths), b.steps);
      const run = await session.packing(b.ids, b.steps, b.lengths);
      if (mine !== seq) return;
      err('');
      timed('cls-packing', () => draw(b, view, run));
      shown = { batch: b, view, run };
      root.dataset.ready = 'true';
    } catch (e) {
      if (mine === seq) err(e.message);
    }
  };
  const off = listen(session, { model: update, state: update });
  update();
  return {
    redraw() {},
    destroy: off,
    /** What the panel shows now: `{batch, view, run}` (the padded batch, `packed_layout`'s
     *  answer, `classifier_packing`'s). */
    get shown() { return shown; },
  };
}
