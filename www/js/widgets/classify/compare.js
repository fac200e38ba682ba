// Compare models: the course's bidirectional 2-layer LSTM against a forward-only 1-layer LSTM,
// and a GRU and a vanilla tanh RNN in the course's shape (COMPARE_MODELS), on the same data, seed
// and settings, each for the same training seconds. They train as the race's entrants do, in
// slices, in training workers of their own (CompareSession is a TrainSession: its pool spreads them
// over the cores); the classifier above is paused meanwhile. Then: each model's held-out accuracy, overall and on the long-range sentences, the
// result in words (a live region), and the held-out sentences one model gets right and the other
// wrong, with the words and both predictions, for any two of the four.
import { esc, listen } from '../common.js';
import { queueDraw, success } from '../train/charts.js';
import { COMPARE_MODELS, CompareSession } from '../../classify-session.js';

export const name = 'cls-compare';
export const region = 'content';
export const controls = ['cbudget'];
export const title = 'Compare models';

/** Sentences listed each way. */
export const LIST = 8;

const NUM = new Intl.NumberFormat('en');
const int = (x) => NUM.format(Math.round(x));
const pct = (x) => (x == null ? '—' : `${(100 * x).toFixed(1)}\u00a0%`);
const options = (sel) => COMPARE_MODELS.map((m) => `<option value="${m.id}"${m.id === sel ? ' selected' : ''}>${esc(m.label)}</option>`).join('');

export const template = () => `
<section class="panel wide" id="panel-cls-compare" data-widget="cls-compare">
  <h2>Compare models</h2>
  <p class="caption">Four models on the same data, with the same seed, E, H, dropout, learning rate and batch, each trained for the same number of seconds: the course's bidirectional 2-layer LSTM, a forward-only 1-layer LSTM, and a GRU and a vanilla tanh RNN in the course's shape (only the cell differs). They train as the race's entrants do, in workers of their own spread over this machine's cores; the classifier above pauses meanwhile.</p>
  <div class="buttons compare-controls">
    <button type="button" id="cmp-run">Train the four models</button>
    <button type="button" id="cmp-pause" disabled>Pause</button>
    <span class="field inline" data-control="cbudget"><label for="cmp-budget">Seconds each</label> <input type="number" id="cmp-budget" min="1" max="600" step="1"></span>
  </div>
  <p id="cmp-live" class="compare-live" aria-live="polite" aria-atomic="true">Not trained yet: press “Train the four models”.</p>
  <div class="table-scroll" tabindex="0" role="region" aria-label="The four models' held-out accuracy">
  <table class="compare-table" id="cmp-table"><caption class="sr-only">Each model's latest evaluation</caption>
    <thead><tr><th scope="col">Model</th><th scope="col">Held-out accuracy</th><th scope="col">Long-range</th><th scope="col">Sentences seen</th><th scope="col">Training time</th><th scope="col">Reached 95&nbsp;%</th></tr></thead>
    <tbody></tbody></table></div>
  <h3>Where two models disagree</h3>
  <div class="cls-pick" role="group" aria-label="Which two models to compare sentence by sentence">
    <label>Model A <select id="cmp-a">${options('bi2')}</select></label>
    <label>Model B <select id="cmp-b">${options('uni1')}</select></label>
  </div>
  <p class="note" id="cmp-pair-note">The held-out sentences one model gets right and the other wrong appear here once the models are trained (or paused).</p>
  <div id="cmp-diff" class="compare-diff"></div>
  <p class="error" id="cmp-error" role="alert" hidden></p>
</section>`;

/** The held-out sentences `a` gets right and `b` wrong: indices, long-range ones first. */
export function disagreements(test, a, b) {
  const out = [];
  test.labels.forEach((y, i) => { if (a[i] === y && b[i] !== y) out.push(i); });
  const long = (i) => (test.long_range[i] ? 0 : 1);
  return out.sort((i, j) => long(i) - long(j) || i - j);
}

/** The comparison in words (exported for tests). */
export function compareSentence(cmp, pair) {
  if (!cmp.started) return 'Not trained yet: press “Train the four models”.';
  const done = cmp.allDone();
  const secs = cmp.parent.state.cbudget;
  if (!done && cmp.running) return `Training the four models, ${secs} s of training each; the table shows each one's latest evaluation.`;
  const es = cmp.entrants.filter((e) => e.parsed.length);
  if (!es.length) return 'Paused before the first evaluation: press Resume.';
  const rows = es.map((e) => {
    const r = e.parsed.at(-1);
    const lr = r.test_accuracy_long_range;
    return `${e.label}: ${pct(success(r))}${lr == null ? '' : ` (long-range ${pct(lr)})`}`;
  });
  const head = done ? `After ${secs} s of training each` : `Paused (up to ${secs} s each)`;
  const parts = [`${head}, on the held-out sentences: ${rows.join('; ')}.`];
  const [bi, uni] = ['bi2', 'uni1'].map((id) => es.find((e) => cmp.modelOf(e.name).id === id)?.parsed.at(-1));
  if (done && bi && uni && bi.test_accuracy_long_range != null) {
    const d = 100 * (bi.test_accuracy_long_range - uni.test_accuracy_long_range);
    parts.push(Math.abs(d) < 0.05
      ? 'On the long-range sentences the 2-layer bidirectional LSTM and the 1-layer forward one score the same.'
      : `On the long-range sentences the 2-layer bidirectional LSTM scores ${Math.abs(d).toFixed(1)} points ${d > 0 ? 'above' : 'below'} the 1-layer forward one (one seed: over ten seeds in the README this difference ran from −3.9 to +10.8 points, mean +3.2, so one run says little on its own).`);
  }
  if (pair) parts.push(pair);
  return parts.join(' ');
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  let cmp = null;
  let trained = null; // the specs the comparison was trained with (JSON), to notice a change
  let result = null; // {test, predictions: Map id → Uint32Array}
  let pairText = '';
  let seq = 0;
  const err = (t) => { $('cmp-error').textContent = t; $('cmp-error').hidden = !t; };
  const label = (id) => COMPARE_MODELS.find((m) => m.id === id).label;

  const table = () => {
    const body = $('cmp-table').tBodies[0];
    const es = cmp?.entrants ?? [];
    if (body.children.length !== es.length) {
      body.replaceChildren(...es.map((e) => {
        const tr = document.createElement('tr');
        tr.dataset.model = cmp.modelOf(e.name).id;
        tr.innerHTML = `<th scope="row"><span class="swatch ${cmp.modelOf(e.name).swatch}" style="background-color:${e.cell.color}"></span>${esc(e.label)}</th>${'<td></td>'.repeat(5)}`;
        return tr;
      }));
    }
    es.forEach((e, i) => {
      const r = e.parsed.at(-1);
      const cells = [r ? pct(success(r)) : '—', r ? pct(r.test_accuracy_long_range) : '—', r ? int(r.sequences) : '—', r ? `${r.seconds.toFixed(1)} s` : '—',
        e.reached ? `after ${int(e.reached.sequences)} sentences (${e.reached.seconds.toFixed(1)} s)` : (e.final ? 'no' : 'not yet')];
      [...body.children[i].children].slice(1).forEach((td, k) => { if (td.textContent !== cells[k]) td.textContent = cells[k]; });
    });
  };

  const speak = () => { $('cmp-live').textContent = cmp ? compareSentence(cmp, pairText) : 'Not trained yet: press “Train the four models”.'; };

  const buttons = () => {
    const running = cmp?.running ?? false;
    $('cmp-run').textContent = cmp?.started && !cmp.allDone() ? 'Start again' : 'Train the four models';
    const idle = !cmp?.started || cmp.allDone();
    $('cmp-pause').disabled = idle;
    $('cmp-pause').textContent = running || idle ? 'Pause' : 'Resume';
    root.dataset.state = !cmp?.started ? 'idle' : cmp.allDone() ? 'done' : running ? 'running' : 'paused';
  };

  const row = (test, i, a, b) => {
    const cls = test.classes;
    const tag = test.long_range[i] ? ' <span class="tag">long-range</span>' : '';
    return `<li data-index="${i}"><q>${esc(test.texts[i])}</q>${tag} <span class="hint">— label <b>${esc(cls[test.labels[i]])}</b>; A says ${esc(cls[a[i]])}, B says ${esc(cls[b[i]])}</span></li>`;
  };

  const showPair = () => {
    if (!result) return;
    const [ia, ib] = [$('cmp-a').value, $('cmp-b').value];
    const [a, b] = [result.predictions.get(ia), result.predictions.get(ib)];
    if (ia === ib) {
      $('cmp-diff').replaceChildren();
      $('cmp-pair-note').textContent = 'Choose two different models to see where they disagree.';
      return;
    }
    const ab = disagreements(result.test, a, b);
    const ba = disagreements(result.test, b, a);
    const list = (ids, who) => `<h4>${esc(who)}: ${int(ids.length)}</h4>${ids.length ? `<ol class="diff-list">${ids.slice(0, LIST).map((i) => row(result.test, i, a, b)).join('')}</ol>` : ''}`;
    $('cmp-diff').innerHTML = `<div class="diff-col" data-side="a">${list(ab, `A (${label(ia)}) right, B wrong`)}</div><div class="diff-col" data-side="b">${list(ba, `B (${label(ib)}) right, A wrong`)}</div>`;
    const n = result.test.texts.length;
    pairText = `Of the ${int(n)} held-out sentences, the ${label(ia)} gets ${int(ab.length)} right that the ${label(ib)} gets wrong, and ${int(ba.length)} the other way round.`;
    $('cmp-pair-note').textContent = `${pairText} Up to ${LIST} of each are listed (long-range ones first), with the label and both models' answers.`;
  };

  /** Reads every model's predictions now (after the end, or when paused). */
  const collect = async () => {
    const mine = ++seq;
    try {
      const test = await cmp.testSet();
      const predictions = new Map();
      for (const e of cmp.entrants) predictions.set(cmp.modelOf(e.name).id, await cmp.predictions(e.name));
      if (mine !== seq) return;
      result = { test, predictions };
      err('');
      showPair();
      root.dataset.ready = 'true';
    } catch (e) { if (mine === seq) err(e.message); }
    speak();
  };

  const clear = (why) => {
    result = null;
    pairText = '';
    seq += 1;
    $('cmp-diff').replaceChildren();
    $('cmp-pair-note').textContent = why;
    delete root.dataset.ready;
  };

  const ensure = () => {
    if (cmp) return cmp;
    cmp = new CompareSession(session);
    listen(cmp, {
      records: () => queueDraw(table),
      started: () => { table(); buttons(); speak(); },
      transport: ({ detail }) => {
        buttons();
        if (detail.running) speak();
        else if (cmp.started && !cmp.allDone() && cmp.entrants.some((e) => e.parsed.length)) collect(); // paused
      },
      done: () => { buttons(); if (cmp.allDone()) { table(); collect(); } },
      error: ({ detail }) => { err(detail.message); buttons(); },
    });
    return cmp;
  };

  $('cmp-run').addEventListener('click', () => {
    const c = ensure();
    session.pause();
    err('');
    clear('The models are training: the sentences they disagree on appear when they finish (or when you pause).');
    trained = c.key();
    c.start(false);
    buttons();
  });
  $('cmp-pause').addEventListener('click', () => {
    if (!cmp) return;
    if (cmp.running) cmp.pause();
    else { session.pause(); clear('The models are training again.'); cmp.post({ type: 'resume' }); }
  });
  $('cmp-a').addEventListener('change', () => { showPair(); speak(); });
  $('cmp-b').addEventListener('change', () => { showPair(); speak(); });
  const budget = $('cmp-budget');
  budget.addEventListener('change', () => {
    const v = Math.round(Number(budget.value));
    if (!(v >= 1 && v <= 600)) { err(`Seconds each: expected 1 to 600, got ${budget.value}; kept ${session.state.cbudget}.`); budget.value = session.state.cbudget; return; }
    err('');
    session.set({ cbudget: v });
  });
  const onState = () => {
    if (root.getRootNode().activeElement !== budget) budget.value = session.state.cbudget;
    // Other data or settings: the comparison no longer describes them.
    if (cmp?.started && trained !== cmp.key()) {
      cmp.reset();
      clear('The data or the settings changed: train the four models again to compare them on these.');
      table();
      buttons();
      speak();
    }
  };
  budget.value = session.state.cbudget;
  buttons();
  const off = listen(session, { state: onState, data: onState });
  /** `comparison()`: the CompareSession, once the models were first trained (for tests). */
  return { redraw() {}, comparison: () => cmp, destroy() { off(); cmp?.destroy(); } };
}
