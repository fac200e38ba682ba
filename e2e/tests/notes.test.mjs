// Every view says what it shows, above all where it shows the opposite of what a learner expects
// (issue 7, part 6): each note appears with the scene that needs it, and not without it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, assertNoErrors, settle, setup } from './helpers.mjs';

const env = setup();

const notes = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('#flow-notes .note')].map((n) => [n.dataset.note, n.textContent]),
));

test('default scene: the gated cells vanish faster than the RNN, and the note says why', async () => {
  const { page, errors } = await env.open();
  const n = await notes(page);
  assert.ok(n['gated-vanish'], `notes: ${Object.keys(n)}`);
  assert.match(n['gated-vanish'], /faster/);
  assert.match(n['gated-vanish'], /mean f = 0\.\d/);
  // One click opens the forget gate: the note turns into a plain reading of the gate.
  await page.click('#flow-notes button:has-text("+5")');
  await page.evaluate(() => window.__unrolled.settled());
  const after = await notes(page);
  assert.equal(after['gated-vanish'], undefined);
  assert.match(after['gate-value'], /mean f = 0\.99/);
  assertNoErrors(errors);
});

test('an open GRU alone: its note names the hidden state it carries (a GRU has no cell state) and a power that adds up', async () => {
  const { page, errors } = await env.open('cells=gru&T=50&H=16&fb=5');
  const n = await notes(page);
  assert.match(n['gate-value'], /along the hidden state alone \(the carry path\), the gradient is carried far back/);
  assert.doesNotMatch(n['gate-value'], /cell state/);
  const html = await page.innerHTML('#flow-notes .note[data-note=gate-value]');
  const [, base, k, value] = /(0\.\d+)<sup>(\d+)<\/sup> = (0\.\d+)/.exec(html);
  assert.ok(Math.abs(Number(base) ** Number(k) - Number(value)) < 0.02, html);
  assertNoErrors(errors);
});

test('the gated-vanish note names each cell\'s carried state (the GRU has none called cell state)', async () => {
  let r = await env.open('cells=rnn_tanh,gru');
  let n = await notes(r.page);
  assert.match(n['gated-vanish'] ?? '', /so the hidden state keeps about that share of itself per step/, `notes: ${Object.keys(n)}`);
  r = await env.open();
  n = await notes(r.page);
  assert.match(n['gated-vanish'], /so each cell's carried state \(LSTM: cell state, GRU: hidden state\) keeps about/);
  assertNoErrors(r.errors);
});

// The notes' words agree with the summary's (found by a new user): ×0.012 is "fading" in the
// summary and was "vanishes" in the note; 0.95^50 = 0.08 was "carried far back".
test('the gate notes use the summary\'s words: fades short of a hundredfold, carried only while the path keeps half', async () => {
  let r = await env.open('fb=2');
  let n = await notes(r.page);
  const summary = await r.page.textContent('#flow-summary');
  if (n['gated-vanish']) {
    const fading = /LSTM fading/.test(summary) || /GRU fading/.test(summary);
    assert.equal(/gradient fades/.test(n['gated-vanish']), fading, `${n['gated-vanish']} | ${summary}`);
  }
  r = await env.open('cells=lstm,gru&fb=3');
  n = await notes(r.page);
  assert.match(n['gate-value'] ?? '', /0\.95\d?<sup>50<\/sup>|0\.95\d?50 = 0\.0\d+/, JSON.stringify(n));
  assert.match(n['gate-value'], /alone \(the carry path\), the gradient fades/);
  assertNoErrors(r.errors);
});

test('at ρ = 3 the gate note speaks of the carry path alone, and says the whole gradient does otherwise', async () => {
  const { page, errors } = await env.open('rho=3');
  const n = await notes(page);
  assert.match(n['gate-value'] ?? '', /alone \(the carry path\), the gradient fades\. The whole gradient also runs back through W at every step, so it need not follow: LSTM ×/, `notes: ${JSON.stringify(n)}`);
  // …and the figure it quotes is the summary's.
  const r = /LSTM ×([^ ,]+)/.exec(n['gate-value'].split('need not follow:')[1])[1];
  assert.ok((await page.textContent('#flow-summary')).includes(`LSTM steady, ×${r}`) || (await page.textContent('#flow-summary')).includes(`LSTM growing, ×${r}`), r);
  assertNoErrors(errors);
});

test('the 1997 LSTM beside PyTorch\'s: its fixed f ≡ 1 is read from the table, not averaged, and has no bias to set', async () => {
  const { page, errors } = await env.open('cells=lstm,lstm_no_forget&T=60&focus=lstm_no_forget');
  const n = await notes(page);
  assert.match(n['gated-vanish'], /LSTM mean f = 0\.\d/);
  assert.match(n['gated-vanish'], /LSTM, no forget gate \(1997\) has no forget gate: f ≡ 1, so its cell state keeps all of itself: its carry path ∏f stays 1 at every lag/);
  assert.doesNotMatch(n['gated-vanish'], /LSTM, no forget gate \(1997\) vanish/);
  const page2 = await page.evaluate(() => ({
    caption: document.querySelector('#paths-caption').textContent,
    aria: document.querySelector('#paths').getAttribute('aria-label'),
    bias: document.querySelector('label[for=carry-bias]').textContent,
  }));
  assert.match(page2.caption, /^The constant error carousel \(no forget gate: f ≡ 1\)/);
  assert.match(page2.caption, /compare the LSTM, whose forget gate f starts near σ\(0\) = 0\.5 \(PyTorch's default biases\)/);
  const biased = await env.open('cells=lstm,lstm_no_forget&T=60&focus=lstm_no_forget&fb=2');
  assert.match(await biased.page.textContent('#paths-caption'), /compare the LSTM, whose forget gate f starts near σ\(2\.00\) = 0\.88 \(the carry-gate bias 2\.00\)/);
  assert.match(page2.aria, /carry path max ∏f stays at 1\.00 from lag 0 to lag 50/);
  assert.equal(page2.bias, 'Carry-gate bias (LSTM f, GRU z)');
  // Alone, with nothing to bias: a plain reading and no bias buttons.
  const alone = await env.open('cells=lstm_no_forget&T=60');
  const m = await notes(alone.page);
  assert.match(m['gate-value'], /f ≡ 1\. 150 = 1: along the cell state alone \(the carry path\), the gradient is carried far back/);
  assert.equal(await alone.page.locator('#flow-notes button').count(), 0);
  assertNoErrors(errors);
  assertNoErrors(alone.errors);
});

test('ρ > 1 with tanh: saturation is explained where the curve stays flat', async () => {
  const { page, errors } = await env.open('cells=rnn_tanh&rho=1.3');
  const n = await notes(page);
  assert.ok(n.saturation, `notes: ${Object.keys(n)}`);
  assert.match(n.saturation, /necessary/);
  // …and the linear RNN is one click away.
  await page.click('#flow-notes button:has-text("Show the RNN linear")');
  await page.evaluate(() => window.__unrolled.settled());
  assert.deepEqual((await page.evaluate(() => window.__unrolled.state.cells)), ['rnn_tanh', 'rnn_linear']);
  assertNoErrors(errors);
});

test('no saturation note below ρ = 1', async () => {
  const { page } = await env.open('cells=rnn_tanh&rho=0.9');
  assert.equal((await notes(page)).saturation, undefined);
});

test('overflow is reached from the ρ slider and named', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&T=1000');
  await page.focus('#rho');
  await page.keyboard.press('End');
  await page.evaluate(() => window.__unrolled.settled());
  const n = await notes(page);
  assert.ok(n.overflow, `notes at ρ = max, T = 1000: ${Object.keys(n)}`);
  assert.match(n.overflow, /float64/);
  assertNoErrors(errors);
});

test('the non-normal preset: the note says what the curves actually do', async () => {
  const { page, errors } = await env.open();
  await page.click('#preset-nonnormal');
  await page.evaluate(() => window.__unrolled.settled());
  const n = await notes(page);
  assert.ok(n.transient, `notes: ${Object.keys(n)}`);
  assert.match(n.transient, /RNN linear ×/);
  assertNoErrors(errors);
});

test('the summary says vanishing or exploding and by how much from lag 0', async () => {
  const { page } = await env.open('cells=rnn_linear,lstm&rho=0.9');
  const text = await page.textContent('#flow-summary');
  assert.match(text, /RNN linear vanishing, ×[\d.e−-]+ at lag 50/);
  const up = await env.open('cells=rnn_linear&rho=1.2');
  assert.match(await up.page.textContent('#flow-summary'), /exploding/);
  // Words follow the size of the change: "exploding" only for a hundredfold or more (the tanh
  // RNN at ρ = 1.5 grows a little, beside a note that says it "grows only").
  const tanh = await env.open('cells=rnn_tanh&rho=1.5');
  const [, word, x] = /RNN tanh (\w+), ×([\d.]+(?:e[−-]?\d+)?) at lag 50/.exec(await tanh.page.textContent('#flow-summary'));
  const r = Number(x.replace('−', '-'));
  const want = r < 1e-2 ? 'vanishing' : r < 0.5 ? 'fading' : r <= 2 ? 'steady' : r < 100 ? 'growing' : 'exploding';
  assert.equal(word, want, `×${r}`);
});

test('the step-through describes what it draws: ‖h_t‖ forward, ‖∂L/∂h_t‖ backward', async () => {
  const { page } = await env.open('phase=fwd');
  assert.match(await page.getAttribute('#chain', 'aria-label'), /‖h_t‖/);
  const b = await env.open('phase=bwd');
  assert.match(await b.page.getAttribute('#chain', 'aria-label'), /‖∂L\/∂h_t‖/);
});

test('no "vanishes faster" claim where the gated cells do not vanish, or next to an exploding cell', async () => {
  let r = await env.open('rho=3');
  let n = await notes(r.page);
  assert.equal(n['gated-vanish'], undefined, `at ρ = 3: ${JSON.stringify(n)}`);
  r = await env.open('fb=5');
  n = await notes(r.page);
  assert.equal(n['gated-vanish'], undefined);
  assert.doesNotMatch(n['gate-value'], /σ\(0\)/, 'no word of the default gate when the bias is set');
  r = await env.open('cells=rnn_linear,lstm&rho=1.5');
  n = await notes(r.page);
  assert.doesNotMatch(n['gated-vanish'] ?? '', /faster/, 'not compared with an exploding cell');
});

test('"Make it explode": one click to ∞ and NaN in the linear RNN, and the tanh RNN barely grows (the saturation note says why)', async () => {
  const { page, errors } = await env.open();
  await page.click('#preset-explode');
  await page.evaluate(() => window.__unrolled.settled());
  const s = await page.evaluate(() => window.__unrolled.state);
  assert.deepEqual([s.T, s.t, s.scale, s.sv], [1000, 999, 'rho', 2.2], 'the chain at the new last step too');
  assert.ok(s.cells.includes('rnn_linear') && s.cells.includes('rnn_tanh'), s.cells.join());
  const n = await notes(page);
  assert.match(n.overflow ?? '', /RNN linear went beyond the largest float64/, `notes: ${Object.keys(n)}`);
  assert.match(n.saturation ?? '', /tanh′ = 1 − h² averages 0\.\d+/);
  // The per-step rate it quotes agrees with its own "grows"/"shrinks" (it once said "× 0.97 per
  // step, below 1" beside "grows ×2.7").
  const rate = Number(n.saturation.match(/changed by ×([\d.]+) per step/)[1]);
  assert.equal(/grows only/.test(n.saturation), rate >= 1, n.saturation);
  assert.match(await page.textContent('#flow-summary'), /RNN linear overflows before lag 50|RNN linear .*\(overflow\)/);
  assertNoErrors(errors);
});

test('from the ρ slider, the overflow note says how far float64 has to go and runs it there in one click', async () => {
  const { page, errors } = await env.open('cells=rnn_linear,rnn_tanh&rho=1.5');
  const n = await notes(page);
  // ln(1.8e308) / ln(2.2) = 900.2 (it once read "about Infinity steps": 1.8e308 is beyond float64).
  assert.match(n.explode ?? '', /at ρ = 2\.2 that takes about 901 steps/, `notes: ${Object.keys(n)}`);
  await page.click('#flow-notes button:has-text("Run it to overflow")');
  await page.evaluate(() => window.__unrolled.settled());
  assert.ok((await notes(page)).overflow, 'one click: ∞ and NaN');
  assertNoErrors(errors);
});

test('ReLU at ρ > 1 that vanishes is explained', async () => {
  const { page } = await env.open('cells=rnn_relu&rho=1.5');
  const n = await notes(page);
  assert.ok(n.relu, `notes: ${Object.keys(n)}`);
  assert.match(n.relu, /active units/);
  // The share of active units as every share in words is written: rounded down, a no-break space.
  assert.match(n.relu, /h &gt; 0: \d+\u00a0% of them here|h > 0: \d+\u00a0% of them here/);
});

test('loss at every step: the caption says the dotted worst case bounds only the last step', async () => {
  const caption = (page) => page.textContent('#panel-flow .caption');
  const { page, errors } = await env.open();
  assert.match(await caption(page), /relative to lag 0/);
  assert.doesNotMatch(await caption(page), /every step/);
  await page.check('input[name=loss][value=every]');
  await page.evaluate(() => window.__unrolled.settled());
  assert.match(await caption(page), /loss is taken at every step.*only the last step/);
  await page.check('input[name=loss][value=last]');
  await page.evaluate(() => window.__unrolled.settled());
  assert.doesNotMatch(await caption(page), /every step/);
  assertNoErrors(errors);
});

// A 2-layer bidirectional GRU PyTorch saved (tests/fixtures/safetensors/notes/generate.py): with the
// lab's loss at the last step, layer 1 reverse gets exactly 0 at its lag 0 and layer 0 reverse
// 1.8e−13 (PyTorch's numbers, expected.json), so a ratio to lag 0 divides by (almost) nothing. The
// note once said "×3.20e+10 of lag 0's: the gradient explodes" and the summary "overflows before lag 50".
test('an imported bidirectional GRU: directions the loss barely reaches at lag 0 are not called exploding', async () => {
  const DIR = path.join(ROOT, 'tests/fixtures/safetensors/notes');
  const fx = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
  const { page, errors } = await env.open(`T=${fx.T}&input=pulse&loss=last`);
  await page.setInputFiles('#st-file', path.join(DIR, 'gru_bidir2.safetensors'));
  await page.waitForFunction(() => !/^Reading/.test(document.querySelector('#st-status').textContent));
  await settle(page);
  const read = async (run) => {
    await page.selectOption('#trained-run', String(run));
    await settle(page);
    const lag0 = await page.evaluate(() => window.__unrolled.data.cells[0].gradByLag[0]);
    return { lag0, note: (await notes(page)).imported, summary: await page.textContent('#flow-summary'), step: await page.textContent('#flow-step') };
  };
  // Layer 0 reverse: tiny, and the page's lag 0 is PyTorch's.
  const tiny = await read(1);
  assert.ok(fx.runs[1].lag0 > 0 && fx.runs[1].lag0 < 1e-9, JSON.stringify(fx.runs[1]));
  assert.ok(Math.abs(tiny.lag0 - fx.runs[1].lag0) < 1e-9 * fx.runs[1].lag0, `${tiny.lag0} vs PyTorch ${fx.runs[1].lag0}`);
  assert.match(tiny.note, /at lag 0 is only 1\.82e−13, ×9\.\d+e−14 of its largest value: the loss reaches this direction mostly at other steps/);
  assert.match(tiny.note, new RegExp(`largest, [\\d.]+, at lag ${fx.runs[1].argmax}`));
  for (const t of [tiny.note, tiny.summary]) assert.doesNotMatch(t, /explodes\b|exploding|overflow/, t);
  assert.match(tiny.summary, /GRU largest at lag 59, lag 0 gets ×9\.\d+e−14 of it, lag 50 ×[\d.e−]+ of it \(not growth/);
  // A reverse run's lag counts from its own last step, t = 0: the caption says which step it is.
  assert.match(tiny.step, /^step k \(this reverse run ends at t = 0/);
  // Layer 1 reverse: exactly 0.
  const zero = await read(3);
  assert.equal(zero.lag0, 0);
  assert.equal(fx.runs[3].lag0, 0);
  assert.match(zero.note, /is 0 at lag 0: the loss reaches this direction only at other steps/);
  for (const t of [zero.note, zero.summary]) assert.doesNotMatch(t, /explodes\b|exploding|overflow/, t);
  assert.match(zero.summary, /GRU largest at lag 59, lag 0 gets nothing/);
  // Layer 1 forward, fed at lag 0 by the loss: still a ratio to lag 0.
  const top = await read(2);
  assert.match(top.note, /at lag 50 is ×[\d.]+e−\d+ of lag 0's: the gradient vanishes/);
  assert.match(top.summary, /GRU vanishing, ×/);
  assert.equal(top.step, 'step T−1−k');
  // With the loss at every step a level curve is each step's own loss, and the note says so.
  await page.check('input[name=loss][value=every]');
  await settle(page);
  const every = (await notes(page)).imported;
  const [, x, word] = /×([\d.]+) of lag 0's: the gradient (still arrives|grows|fades)\. With the loss at every step, each ht also gets its own step's loss, so this is not memory/.exec(every) ?? [];
  assert.ok(word, every);
  // …in the summary's words for that factor
  assert.equal(word, Number(x) > 2 ? 'grows' : Number(x) >= 0.5 ? 'still arrives' : 'fades', every);
  assertNoErrors(errors);
});

// The same file: the note said "a ratio to lag 0 means nothing here" while the chart beside it
// still divided by lag 0 (a curve climbing to 1e13, or, at exactly 0, undivided norms up to 2.6).
// The chart registry decides each curve's reference once; the chart, its axis and legend, the SVG
// download, the caption and the note all say the same.
test('an imported direction the loss barely reaches at lag 0: the chart is drawn against its largest value, and says so like the note', async () => {
  const DIR = path.join(ROOT, 'tests/fixtures/safetensors/notes');
  const fx = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
  const { page, errors } = await env.open(`T=${fx.T}&input=pulse&loss=last`);
  await page.setInputFiles('#st-file', path.join(DIR, 'gru_bidir2.safetensors'));
  await page.waitForFunction(() => !/^Reading/.test(document.querySelector('#st-status').textContent));
  await settle(page);
  const read = async (run) => {
    await page.selectOption('#trained-run', String(run));
    await settle(page);
    const chart = await page.evaluate(() => window.__unrolled.lab.flow_chart_data({}));
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#panel-flow .downloads button:has-text("SVG")')]);
    const svg = fs.readFileSync(await dl.path(), 'utf8');
    return { chart, svg, note: (await notes(page)).imported, caption: await page.textContent('#panel-flow .caption') };
  };
  for (const run of [1, 3]) {
    const { argmax } = fx.runs[run];
    const { chart, svg, note, caption } = await read(run);
    const solid = chart.series.find((s) => s.style === 'solid');
    const drawn = solid.values.filter((v) => v !== null && v > 0);
    assert.ok(Math.max(...drawn) <= 1 + 1e-12, `run ${run}: plotted up to ${Math.max(...drawn)}`);
    assert.equal(solid.values[argmax], 1, `run ${run}: 1 at its largest value, lag ${argmax}`);
    const words = `its largest value (lag ${argmax})`;
    assert.ok(chart.legend.some((l) => l.includes(`‖∂L/∂h_t‖ ÷ ${words}`)), JSON.stringify(chart.legend));
    assert.doesNotMatch(chart.y_label, /relative to lag 0/, chart.y_label);
    assert.ok(svg.includes(words), `run ${run}: the SVG download says ${words}`);
    assert.doesNotMatch(svg, /relative to lag 0/);
    assert.match(caption, new RegExp(`solid curve relative to its largest value, at lag ${argmax}`));
    assert.match(note, new RegExp(`largest, [\\d.]+, at lag ${argmax}`));
  }
  // Fed by the loss at lag 0: relative to lag 0, as before.
  const top = await read(2);
  assert.equal(top.chart.y_label, 'relative to lag 0 (log scale)');
  assert.equal(top.chart.series.find((s) => s.style === 'solid').values[0], 1);
  assert.match(top.caption, /relative to lag 0 \(every curve starts at 1\)/);
  assertNoErrors(errors);
});

// Lesson 2's scene at ρ = 1.1: tanh′ averages about 0.87, and the note once said "its units
// saturate" beside it (the lesson's own answer: "the tanh units are not pinned at ±1").
test('the saturation note\'s word follows the mean tanh′: "mostly unsaturated" near 1, "saturate" below 0.5', async () => {
  const slopeOf = (text) => Number(text.match(/tanh′ = 1 − h² averages ([\d.]+)/)[1]);
  const { page, errors } = await env.open('cells=rnn_linear,rnn_tanh&T=60&rho=1.1');
  const mild = (await notes(page)).saturation;
  assert.ok(mild, 'a saturation note at ρ = 1.1');
  assert.ok(slopeOf(mild) >= 0.5, mild);
  assert.match(mild, /its units are mostly unsaturated \(tanh′/);
  assert.doesNotMatch(mild, /units saturate/);
  const hard = (await notes((await env.open('cells=rnn_tanh&T=60&rho=4')).page)).saturation;
  assert.ok(slopeOf(hard) < 0.5, hard);
  assert.match(hard, /its units saturate\. tanh′/);
  assertNoErrors(errors);
});

// On a phone the lab page docks the chart and keeps its notes in a short scroll box; inside a
// lesson's <unrolled-lab> that box cut lesson 2's second note off at the panel's edge after the
// ρ = 1.1 answer, with no sign it scrolled.
test('phone, lesson 2 after the ρ = 1.1 answer: every note of the flow widget is whole inside its panel', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  env.contexts.push(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${env.server.url}lessons/2-vanishing-exploding.html`);
  await page.waitForSelector('body[data-lesson-ready=true]', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('unrolled-lab#flow').dataset.ready === 'true');
  const box = page.locator('.predict[data-predict="rho11"]');
  await box.locator('.choice').first().click();
  await box.locator('.verdict').waitFor();
  const flow = page.locator('unrolled-lab#flow');
  await page.waitForFunction(() => document.querySelector('unrolled-lab#flow').shadowRoot.querySelectorAll('#flow-notes .note').length >= 2);
  const r = await flow.evaluate((el) => {
    const root = el.shadowRoot;
    const panel = root.querySelector('#panel-flow').getBoundingClientRect();
    const notes = root.querySelector('#flow-notes');
    return {
      panel: [panel.top, panel.bottom],
      notes: [...notes.querySelectorAll('.note')].map((n) => [n.dataset.note, n.getBoundingClientRect().bottom]),
      clipped: notes.scrollHeight - notes.clientHeight,
    };
  });
  assert.ok(r.notes.length >= 2, JSON.stringify(r));
  for (const [id, bottom] of r.notes) assert.ok(bottom <= r.panel[1] + 0.5, `${id} ends at ${bottom}, the panel at ${r.panel[1]}`);
  assert.ok(r.clipped <= 1, `the notes box hides ${r.clipped} px`);
  assert.deepEqual(errors, []);
});
