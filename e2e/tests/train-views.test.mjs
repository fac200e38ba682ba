// The training view as a new user meets it (issue 8's findings): the criterion line labelled
// from the start, the reference lines named in the legend (not on the curves), the settings
// reachable at 1280×720 and first on a phone, only the current mode's fields, and the sweep's
// chart and words: where each cell fell off, curves that coincide told apart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import path from 'node:path';
import { ROOT, launch, record, startServer } from '../lib.mjs';

let server;
let browser;
const contexts = [];
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  server?.close();
});

async function open(hash = 'T=10&H=8&batch=8', viewport = { width: 1280, height: 720 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  contexts.push(context);
  context.setDefaultTimeout(20000);
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${server.url}train.html#${hash}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 20000 });
  return { page, errors };
}

const svg = (page, chart) => page.evaluate((c) => window.__unrolledTrain.session.charts.svg(c, 640, 360), chart);
/** The text elements of an SVG: [{x, y, text}]. */
const texts = (s) => [...s.matchAll(/<text[^>]*?x="([\d.-]+)"[^>]*?y="([\d.-]+)"[^>]*>([^<]*)<\/text>/g)]
  .map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3] }));

test('the criterion line says the real criterion before any record (never "criterion 0 %")', async () => {
  const { page, errors } = await open();
  for (const chart of ['train-success', 'train-sweep']) {
    const s = await svg(page, chart);
    assert.doesNotMatch(s, /criterion 0/, chart);
    assert.match(s, /criterion 95\u00a0%|criterion 95&#160;%|criterion 95 %/, chart);
  }
  assert.deepEqual(errors, []);
});

test('the constant predictor and the criterion are named in the legend, not on the curves', async () => {
  const { page, errors } = await open();
  await page.click('#train-step');
  await page.waitForFunction(() => window.__unrolledTrain.session.entrants.some((e) => e.parsed.length >= 2));
  const loss = texts(await svg(page, 'train-loss'));
  const label = loss.find((t) => /constant predictor/.test(t.text));
  assert.ok(label, 'the dashed line is named');
  assert.equal(label.text.trim(), 'dashed: constant predictor', 'as a legend entry');
  // The legend sits beside or under the plot: right of the last x tick, or below the x axis title.
  const xTitle = loss.find((t) => /training sequences seen/.test(t.text));
  const ticks = loss.filter((t) => /^10/.test(t.text));
  const right = Math.max(...ticks.map((t) => t.x));
  assert.ok(label.x > right || label.y > xTitle.y, `the label at (${label.x}, ${label.y}) is outside the plot`);
  assert.ok(texts(await svg(page, 'train-success')).some((t) => t.text.trim().startsWith('dashed: criterion 95')));
  assert.deepEqual(errors, []);
});

test('1280×720: the settings scroll with the page, every control reachable, none in a clipped box', async () => {
  const { page, errors } = await open();
  const aside = await page.evaluate(() => {
    const a = document.querySelector('aside.controls');
    const cs = getComputedStyle(a);
    return { sh: a.scrollHeight, ch: a.clientHeight, position: cs.position };
  });
  assert.ok(aside.sh <= aside.ch + 1, `the settings are not a scroll box of their own (${aside.sh} > ${aside.ch})`);
  assert.notEqual(aside.position, 'sticky');
  for (const id of ['train-mode', 'train-task', 'train-T', 'train-fb', 'train-lr', 'train-batch', 'train-H', 'train-seed', 'train-budget', 'train-until']) {
    await page.locator(`#${id}`).scrollIntoViewIfNeeded();
    // (the page may scroll smoothly: wait until it has come to rest on the control)
    const hit = await page.waitForFunction((i) => {
      const el = document.getElementById(i);
      const r = el.getBoundingClientRect();
      return r.top >= -1 && r.bottom <= innerHeight + 1 && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === el;
    }, id, { timeout: 3000 }).then(() => true, () => false);
    assert.ok(hit, `#${id} can be seen and reached`);
  }
  assert.deepEqual(errors, []);
});

test('390×844: the settings come before the charts, folded to a summary, opened with Change', async () => {
  const { page, errors } = await open('T=50', { width: 390, height: 844 });
  const top = (sel) => page.locator(sel).evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(await top('#panel-train-setup') < await top('#panel-train-race'), 'settings before the race');
  assert.ok(await top('#panel-train-setup') < await top('#panel-train-loss'), 'settings before the charts');
  assert.match(await page.textContent('#train-setup-summary'), /Adding \(Hochreiter & Schmidhuber 1997\)\. Race at T = 50, 120 s each: RNN tanh, LSTM, GRU\./);
  assert.equal(await page.isVisible('#train-T'), false, 'folded');
  const toggle = page.locator('#train-setup-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.isVisible('#train-T'), true);
  await page.fill('#train-T', '20');
  await page.dispatchEvent('#train-T', 'change');
  assert.match(await page.textContent('#train-setup-summary'), /Race at T = 20/);
  assert.deepEqual(errors, []);
});

test('only the fields of the current mode show; the link keeps both modes\' keys', async () => {
  const { page, errors } = await open('T=50&budget=30&seeds=2&sbudget=5');
  const shown = async () => Object.fromEntries(await Promise.all(['train-budget', 'train-until', 'train-seeds', 'train-sbudget'].map(async (id) => [id, await page.isVisible(`#${id}`)])));
  assert.deepEqual(await shown(), { 'train-budget': true, 'train-until': true, 'train-seeds': false, 'train-sbudget': false });
  assert.equal(await page.textContent('label[for=train-T] [data-modes]:not([hidden])'), 'Sequence length T');
  await page.selectOption('#train-mode', 'sweep');
  assert.deepEqual(await shown(), { 'train-budget': false, 'train-until': false, 'train-seeds': true, 'train-sbudget': true });
  assert.equal(await page.textContent('label[for=train-T] [data-modes]:not([hidden])'), 'Longest length T');
  assert.match(await page.textContent('#train-sweep-lengths'), /T = 4, 8, 16, 32, 50/);
  assert.match(await page.textContent('#train-status'), /press Play to start the sweep/, 'the transport says sweep, not race');
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /mode=sweep/);
  assert.match(hash, /budget=30/);
  assert.match(hash, /seeds=2/);
  assert.match(hash, /sbudget=5/);
  // A link round-trips: the same state from its own encoding.
  const back = await page.evaluate(() => {
    const s = window.__unrolledTrain.session;
    const before = JSON.stringify(s.state);
    s.load(s.encode());
    return JSON.stringify(s.state) === before ? 'same' : `${before} != ${JSON.stringify(s.state)}`;
  });
  assert.equal(back, 'same');
  await page.selectOption('#train-mode', 'race');
  assert.equal(await page.inputValue('#train-budget'), '30', 'the race\'s budget kept while sweeping');
  assert.deepEqual(errors, []);
});

test('the sweep in words: per cell the longest T solved and where it fell off, also when unexpected', async () => {
  const { page, errors } = await open('mode=sweep&T=50');
  const say = (points, done = true) => page.evaluate(async ({ points, done }) => {
    const { sweepNote } = await import('/pkg/js/widgets/train/charts.js');
    const s = window.__unrolledTrain.session;
    const steps = [4, 8, 16, 32, 50];
    const fake = { ...s, state: s.state, cell: (n) => s.cell(n), core: s.core, sweep: { steps, index: done ? steps.length : 2, points } };
    return sweepNote(fake);
  }, { points, done });
  const P = (cell, T, success, solved, runs = 3) => ({ cell, T, success, solved, runs });
  const falls = await say([
    P('rnn_tanh', 4, 1, 3), P('lstm', 4, 1, 3), P('gru', 4, 1, 3),
    P('rnn_tanh', 8, 0.96, 1), P('lstm', 8, 1, 3), P('gru', 8, 1, 3),
    P('rnn_tanh', 16, 0.2, 0), P('lstm', 16, 1, 3), P('gru', 16, 1, 3),
  ]);
  assert.match(falls, /RNN tanh solved up to T = 4 and fell off at T = 8 \(1 of 3 seeds reached the criterion; 96\u00a0% on average\)/);
  assert.match(falls, /LSTM solved every length up to T = 16 \(all 3 seeds at each\)/);
  assert.match(falls, /LSTM \(dashed, ring\) and GRU \(dotted, square\) overlap at 100\u00a0% everywhere/);
  const near = await say([P('lstm', 4, 0.97, 3), P('gru', 4, 0.96, 3), P('lstm', 8, 0.98, 3), P('gru', 8, 0.975, 3)]);
  assert.match(near, /LSTM \(solid, dot\) and GRU \(dashed, ring\) overlap at every length \(within 3 points, 96–98\u00a0%\)/, 'curves 1 point apart look like one');
  const never = await say([P('rnn_tanh', 4, 0.23, 0), P('lstm', 4, 1, 3), P('rnn_tanh', 8, 0.2, 0), P('lstm', 8, 1, 3)]);
  assert.match(never, /RNN tanh solved no length, not even T = 4 \(best 23\u00a0% on average at T = 4; 0 of 3 seeds reached the criterion at T = 4\)\. That is not the fall-off/);
  const gatedFalls = await say([P('lstm', 4, 1, 3), P('lstm', 8, 1, 3), P('lstm', 50, 0.3, 0)]);
  assert.match(gatedFalls, /LSTM solved up to T = 8 and fell off at T = 50.*A gated cell falling off within 8 s a run is short of training/);
  // Rounded as the race rounds (one helper, format.js `percent`): 94.9 % is not "95 %", the criterion.
  const under = await say([P('rnn_tanh', 4, 1, 3), P('rnn_tanh', 8, 0.949, 1)]);
  assert.match(under, /fell off at T = 8 \(1 of 3 seeds reached the criterion; 94\u00a0% on average\)/, under);
  assert.equal(await page.getAttribute('#train-sweep-note', 'aria-live'), 'polite', 'the sweep\'s words are a live region');
  assert.deepEqual(errors, []);
});

test('the race\'s words: a gradient that underflows to 0 has vanished; 94.9 % solved is not "95 %"', async () => {
  const { page, errors } = await open();
  const said = await page.evaluate(async () => {
    const { CHARTS } = await import('/pkg/js/widgets/train/charts.js');
    const { raceSentence } = await import('/pkg/js/widgets/train/race.js');
    const flowNote = CHARTS.find((c) => c.name === 'train-flow').note;
    const s = window.__unrolledTrain.session;
    const rec = (success, grad) => ({ test_solved: success, test_loss: 0.04, sequences: 3200, grad_by_lag: grad });
    const entrant = (label, r) => ({ label, parsed: [r], info: { criterion: 0.95, success_field: 'test_solved' }, cell: { gated: label !== 'RNN tanh' } });
    const fake = (entrants) => ({ ...s, state: s.state, entrants, started: true });
    return {
      under: flowNote(fake([entrant('RNN tanh', rec(0.16, [1, 1e-200, 0])), entrant('LSTM', rec(0.3, [1, 0.5, 0.1]))])),
      zeroStart: flowNote(fake([entrant('GRU', rec(0.5, [0, 1, 2]))])),
      near: raceSentence(fake([entrant('GRU', rec(0.949, [1, 1])), entrant('LSTM', rec(0.5, [1, 1]))])),
    };
  });
  assert.match(said.under, /RNN tanh to exactly 0/, said.under);
  assert.match(said.under, /RNN tanh's gradient has fallen more than a thousandfold/, 'an underflow to 0 counts as vanished');
  assert.doesNotMatch(said.under, /No entrant's gradient has fallen/);
  assert.equal(said.zeroStart, '', 'no gradient at lag 0: nothing to compare with');
  assert.match(said.near, /Leading: GRU, 94\u00a0% solved after 3,200 sequences; none has reached 95\u00a0% yet/, said.near);
  assert.deepEqual(errors, []);
});

test('the race\'s sentence on screen and its table show the same record in every frame (issue 11: "Not yet: RNN tanh (7 %)" over a table at 14 %)', async () => {
  const { page, errors } = await open();
  const frames = await page.evaluate(async () => {
    const race = await import('/pkg/js/widgets/train/race.js');
    const host = document.createElement('div');
    host.innerHTML = race.template();
    document.body.append(host);
    const rec = (solved, sequences) => ({ test_solved: solved, test_loss: 0.04, sequences, seconds: sequences / 1000 });
    const entrant = (name, label, parsed, reached) => ({ name, label, parsed, reached, final: false, info: { criterion: 0.95, success_field: 'test_solved' }, cell: { color: '#000' } });
    const session = Object.assign(new EventTarget(), { started: true, running: true, entrants: [
      entrant('lstm', 'LSTM', [rec(0.96, 8000)], { sequences: 8000, seconds: 8 }),
      entrant('rnn_tanh', 'RNN tanh', [rec(0.07, 8000)]),
    ] });
    const w = race.mount(host.querySelector('section'), session);
    const frame = () => ({
      seen: host.querySelector('.race-live:not(.sr-only)').textContent,
      live: host.querySelector('[aria-live]').textContent,
      table: [...host.querySelectorAll('#race-table tbody tr')].map((tr) => tr.children[1].textContent),
    });
    const out = [frame()];
    session.entrants[1].parsed.push(rec(0.14, 88200)); // a new record while running: the same shape of sentence
    w.redraw();
    out.push(frame());
    session.running = false; // stopped: the live region catches up too
    w.redraw();
    out.push(frame());
    w.destroy();
    host.remove();
    return out;
  });
  for (const f of frames) {
    const rnn = f.seen.match(/RNN tanh \((\d+)\u00a0%\)/)?.[1];
    assert.equal(`${rnn}\u00a0%`, f.table[1], `the sentence on screen says what the table says: ${f.seen} | ${f.table}`);
  }
  assert.match(frames[1].live, /RNN tanh \(7\u00a0%\)/, 'while running, the live region is not rewritten for a number alone');
  assert.match(frames[2].live, /RNN tanh \(14\u00a0%\)/, 'once stopped, it says the last record');
  assert.deepEqual(errors, []);
});

test('a chart\'s PNG and SVG downloads are one picture, titled, named by the chart, task, T and seed', async () => {
  const { page, errors } = await open('T=10&H=8&batch=8&seed=3');
  await page.keyboard.press('s'); // one evaluation period: a chart with records
  await page.waitForFunction(() => window.__unrolledTrain.session.entrants.every((e) => e.parsed.length > 1));
  const button = (f) => page.getByRole('button', { name: `Download the Loss chart as ${f}` });
  const [png] = await Promise.all([page.waitForEvent('download'), button('PNG').click()]);
  const [svgDl] = await Promise.all([page.waitForEvent('download'), button('SVG').click()]);
  assert.equal(png.suggestedFilename(), 'unrolled-train-loss-adding-T10-seed3.png');
  assert.equal(svgDl.suggestedFilename(), 'unrolled-train-loss-adding-T10-seed3.svg');
  const bytes = fs.readFileSync(await png.path());
  const [w, h] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  const svgText = fs.readFileSync(await svgDl.path(), 'utf8');
  const [sw, sh] = [Number(svgText.match(/width="(\d+)"/)[1]), Number(svgText.match(/height="(\d+)"/)[1])];
  assert.deepEqual([w, h], [2 * sw, 2 * sh], 'the PNG is the SVG at twice its size');
  assert.match(svgText, /font-weight="bold">\s*Loss\s*</, 'titled');
  assert.match(svgText, /training sequences seen \(log scale\)/, 'the race trains on sequences');
  assert.deepEqual(errors, []);
});

test('a link whose settings cannot train says so when the page opens, not only after Play', async () => {
  const { page, errors } = await open('T=2&H=8&batch=8');
  const text = await page.textContent('#notices');
  assert.match(text, /The setting T \(task\.steps\) cannot be used \(RNN tanh\): .*adding.*Change it before pressing Play/, text);
  const fine = await open('T=10&H=8&batch=8');
  assert.equal(await fine.page.isVisible('#notices'), false, 'a good link: no notice');
  assert.deepEqual(errors, []);
  assert.deepEqual(fine.errors, []);
});

test('the key hint shows with a keyboard and mouse, not on a touch screen', async () => {
  const visible = async (extra) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ...extra });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}train.html#T=10&H=8&batch=8`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 20000 });
    return page.isVisible('.transport .hint.keys');
  };
  assert.equal(await visible({ isMobile: true, hasTouch: true }), false, 'a phone: no key hint');
  assert.equal(await visible({}), true, 'a narrow window with a mouse: the hint');
});

test('axe: no serious or critical violations in the race and the sweep, at 1280×720 and folded on a phone', async () => {
  const AXE = path.join(ROOT, 'e2e/node_modules/axe-core/axe.min.js');
  for (const [hash, viewport] of [['T=10', { width: 1280, height: 720 }], ['mode=sweep&T=10', { width: 1280, height: 720 }], ['mode=sweep&T=10', { width: 390, height: 844 }]]) {
    const { page, errors } = await open(hash, viewport);
    await page.addScriptTag({ path: AXE });
    const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(bad, [], `axe on #${hash} ${viewport.width}`);
    assert.deepEqual(errors, []);
  }
});
