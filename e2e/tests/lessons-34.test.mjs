// Lessons 3 (LSTM) and 4 (GRU), what the general lesson walk (lessons.test.mjs) does not see:
// the race's gradient-flow chart draws while training even when it was never scrolled into view;
// a prediction's widget waits until the prediction is answered; the forget-path chart draws the
// gradient reaching the cell state, ‖∂L/∂c_t‖, that the `open` and `cec` claims are about; the
// number the text gives for ∏f at lag 40 is the widget's; no claim about seeds is left without a
// widget. `<unrolled-train>.trainTo(n)` brings every entrant to exactly iteration n, the same
// records every time; the races' predictions (lesson 3: which cell stays on the plateau; lesson 4:
// GRU or LSTM to 95 % first) train the race to 10,000 sequences and are judged on its records, as
// are their claims; lesson 3's race shows the carry-gate bias its exercise asks to set. Once
// answered (so the widgets that wait are shown) both lessons are axe-core clean, and
// their screenshots at 1280×720, 390×844 and 150 % of 1280×720 land in e2e/screenshots/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, launch, record, startServer } from '../lib.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const WIDGETS = 'unrolled-lab, unrolled-train';
const AXE = path.join(ROOT, 'e2e/node_modules/axe-core/axe.min.js');

async function open(href, viewport = { width: 1280, height: 720 }, scale = 1) {
  const c = await browser.newContext({ viewport, deviceScaleFactor: scale });
  c.setDefaultTimeout(60000);
  const page = await c.newPage();
  const seen = record(page);
  await page.addInitScript(() => localStorage.clear());
  await page.goto(`${server.url}lessons/${href}`);
  await page.waitForSelector('body[data-lesson-ready=true]');
  await page.waitForFunction((q) => [...document.querySelectorAll(q)].every((e) => e.dataset.ready === 'true'), WIDGETS);
  return { page, close: () => c.close(), ...seen };
}

/** Pixels of a canvas (in a widget's shadow root) within `tol` of colour `rgb`, or, without
 *  `rgb`, strongly coloured ones (a series, not the grey frame and text). */
const pixels = (page, host, id, rgb = null, tol = 40) => page.evaluate(([h, i, want, t]) => {
  const c = document.getElementById(h).shadowRoot.getElementById(i);
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let k = 0; k < px.length; k += 4) {
    const [r, g, b] = [px[k], px[k + 1], px[k + 2]];
    if (want ? Math.abs(r - want[0]) + Math.abs(g - want[1]) + Math.abs(b - want[2]) < t : Math.max(r, g, b) - Math.min(r, g, b) > 80) n += 1;
  }
  return n;
}, [host, id, rgb, tol]);

/** The colour of the cell-state gradient in the forget-path chart (src/chart/registry.rs). */
const CELL_GRADIENT = [0xCC, 0x79, 0xA7];

test('lesson 3: the race\'s gradient-flow chart draws its curves once training starts, though it was never scrolled into view', async () => {
  const { page, errors, close } = await open('3-lstm.html');
  const race = page.locator('unrolled-train#race');
  const play = race.getByRole('button', { name: /Play/ }).first();
  await play.scrollIntoViewIfNeeded();
  const below = await page.evaluate(() => document.getElementById('race').shadowRoot.getElementById('train-flow-canvas').getBoundingClientRect().top > innerHeight);
  assert.equal(below, true, 'the flow chart starts below the screen');
  assert.equal(await pixels(page, 'race', 'train-flow-canvas'), 0, 'no curve before training');
  await play.click();
  await page.waitForFunction(() => document.getElementById('race').session.entrants.every((e) => e.parsed.length >= 3));
  // Off screen, the chart catches up within its interval (2 s) without being scrolled to.
  await page.waitForFunction(() => document.getElementById('race').shadowRoot.getElementById('train-flow-note').textContent.startsWith('From lag 0'), null, { timeout: 15000 });
  await race.getByRole('button', { name: /Pause/ }).first().click();
  await page.waitForTimeout(2500);
  const drawn = await pixels(page, 'race', 'train-flow-canvas');
  assert.ok(drawn > 600, `the flow chart shows its entrants' curves (${drawn} coloured pixels)`);
  assert.equal(await page.evaluate(() => document.getElementById('race').shadowRoot.getElementById('train-flow-canvas').getBoundingClientRect().top > innerHeight), true, 'still off screen');
  assert.deepEqual(errors, []);
  await close();
});

test('lesson 3: the first lab waits for the `untrained` prediction; the forget-path chart draws ‖∂L/∂c_t‖ where the claims say', async () => {
  const { page, errors, close } = await open('3-lstm.html');
  assert.equal(await page.locator('#gates').isVisible(), false, 'the lab that answers the question waits');
  assert.equal(await page.locator('[data-claim=open]').isVisible(), false);
  // Issue 11: the question names the cells as its buttons do (the core's label), and so does the verdict.
  const q = page.locator('.predict[data-predict=untrained]');
  const rnnButton = await q.locator('.choice[data-choice=rnn]').textContent();
  assert.equal(rnnButton, 'The RNN tanh');
  assert.match((await q.locator('p').first().textContent()).replace(/\s+/g, ' '), /the LSTM or the RNN tanh \(the plain RNN\)\?/);
  await q.locator('.choice[data-choice=lstm]').click();
  await page.locator('.predict[data-predict=untrained] .verdict').waitFor();
  assert.equal(await q.locator('.verdict').textContent(), 'Not quite: the answer is the RNN tanh.');
  const why = await q.locator('.why').textContent();
  assert.match(why, /, RNN tanh \d/, 'the explanation names it the same way');
  assert.doesNotMatch(why, /tanh RNN/);
  assert.equal(await page.locator('#gates').isVisible(), true, 'shown once answered');
  const pathsOf = async (id, claim) => {
    const r = await page.evaluate((c) => window.__lesson.check(c), claim);
    assert.equal(r.holds, true, `${claim}: ${r.says}`);
    const paths = page.locator(`#${id} #paths`);
    await paths.scrollIntoViewIfNeeded();
    await page.waitForFunction((h) => /cell-state gradient/.test(document.getElementById(h).shadowRoot.getElementById('paths').getAttribute('aria-label')), id);
    await page.waitForTimeout(300);
    return { label: await paths.getAttribute('aria-label'), dotted: await pixels(page, id, 'paths', CELL_GRADIENT), caption: await page.locator(`#${id} #paths-caption`).textContent() };
  };
  // `open`: forget-gate bias 5. The chart names and draws the cell-state gradient; the claim's
  // number (‖∂L/∂c‖ at lag 40 ≥ lag 0) is the one the dotted line plots.
  const open5 = await pathsOf('gates', 'open');
  assert.match(open5.label, /^LSTM: .*the cell-state gradient ‖∂L\/∂c_t‖ ÷ lag 0 grows from 1\.00 at lag 0 to [\d.]+ at lag 49\.$/);
  assert.ok(open5.dotted > 150, `the dotted ‖∂L/∂c_t‖ line is drawn (${open5.dotted} pixels)`);
  assert.match(open5.caption, /Dotted: the gradient that reaches the cell state/);
  const plotted = await page.evaluate(() => {
    const d = document.getElementById('gates').session.data.cells.find((c) => c.name === 'lstm');
    return d.gradC[d.gradC.length - 41] / d.gradC[d.gradC.length - 1];
  });
  assert.ok(plotted >= 1, `‖∂L/∂c‖ at lag 40 = ${plotted} × lag 0`);
  // The constant error carousel: carry path 1, ‖∂L/∂c_t‖ never below lag 0's, on its own chart.
  const cec = await pathsOf('cec', 'cec');
  assert.match(cec.label, /^LSTM, no forget gate \(1997\): the carry path max ∏f stays at 1\.00 .*cell-state gradient/);
  assert.ok(cec.dotted > 150, `the carousel's dotted line (${cec.dotted} pixels)`);
  // A plain RNN has no cell state: the tanh RNN shows no paths chart at all (its gates are none),
  // and the GRU's (lesson 4) no dotted line: see the Rust test paths_chart_draws_the_cell_state_gradient_for_lstms_only.
  assert.deepEqual(errors, []);
  await close();
});

test('lesson 3: the text\'s ∏f at lag 40 is the widget\'s number, and 0.5⁴⁰ is written right', async () => {
  const { page, errors, close } = await open('3-lstm.html');
  const text = (await page.locator('[data-claim=product]').textContent()).replace(/\s+/g, ' ');
  assert.match(text, /is 5\.5 × 10−10 for the best-kept unit/);
  const r = await page.evaluate(() => window.__lesson.check('product'));
  assert.equal(r.holds, true, r.says);
  assert.match(r.says, /at lag 40: 5\.5 × 10⁻¹⁰ \(0\.5⁴⁰ = 9\.1 × 10⁻¹³\)/, 'the widget says the same number');
  assert.match(await page.locator('[data-after=untrained]').textContent(), /0\.540 ≈ 9\.1 × 10−13/);
  assert.equal(Number((0.5 ** 40).toPrecision(2)), 9.1e-13);
  assert.deepEqual(errors, []);
  await close();
});

test('lesson 4: the GRU lab waits for the `keep` prediction; no claim about seeds without a widget', async () => {
  const { page, errors, close } = await open('4-gru.html');
  assert.equal(await page.locator('#gru').isVisible(), false);
  assert.equal(await page.locator('[data-claim=default]').isVisible(), false);
  await page.locator('.predict[data-predict=keep] .choice[data-choice=one]').click();
  await page.locator('.predict[data-predict=keep] .verdict').waitFor();
  assert.equal(await page.locator('#gru').isVisible(), true);
  assert.doesNotMatch(await page.locator('main').textContent(), /depends on the seed/);
  for (const c of ['direct', 'climb']) {
    const r = await page.evaluate((x) => window.__lesson.check(x), c);
    assert.equal(r.holds, true, `${c}: ${r.says}`);
  }
  assert.deepEqual(errors, []);
  await close();
});

/** What race element `id` holds: per entrant its records' iterations, test losses and `reached`. */
const raceRecords = (page, id = 'race') => page.evaluate((x) => document.getElementById(x).session.entrants.map((e) => ({
  name: e.name, iterations: e.parsed.map((r) => r.iteration), losses: e.parsed.map((r) => r.test_loss), reached: e.reached?.sequences ?? null,
})), id);

test('<unrolled-train>.trainTo(n): every entrant at exactly iteration n, the same records again after Play, a bad n refused', async () => {
  const { page, errors, close } = await open('4-gru.html');
  const small = 'T=10&H=8&cells=lstm,gru&budget=60&until=budget';
  await page.evaluate((c) => document.getElementById('race').applyConfig(c), small);
  await page.evaluate(() => document.getElementById('race').trainTo(100));
  const first = await raceRecords(page);
  assert.deepEqual(first.map((e) => [e.name, e.iterations]), [['lstm', [0, 25, 50, 75, 100]], ['gru', [0, 25, 50, 75, 100]]]);
  // Stepping on from there adds records; played, the entrants are between records, so trainTo
  // starts again from 0 and makes the same records.
  await page.evaluate(() => document.getElementById('race').trainTo(150));
  assert.deepEqual((await raceRecords(page)).map((e) => e.iterations.at(-1)), [150, 150]);
  await page.evaluate(async () => {
    const s = document.getElementById('race').session;
    s.play();
    await new Promise((r) => { setTimeout(r, 300); });
  });
  await page.evaluate(() => document.getElementById('race').trainTo(100));
  assert.deepEqual(await raceRecords(page), first, 'the same records at the same iteration');
  const bad = await page.evaluate(() => document.getElementById('race').trainTo(30).then(() => 'ok', (e) => e.message));
  assert.match(bad, /trainTo: expected a multiple of 25, got 30/);
  assert.deepEqual(errors, []);
  await close();
});

test('lesson 3: predict which cell stays on the plateau; the race trains to 10,000 sequences and says; the claim is on its records', async () => {
  const { page, errors, close } = await open('3-lstm.html');
  const after = page.locator('[data-after=plateau]');
  assert.equal(await after.isVisible(), false, 'the answer waits');
  const box = page.locator('.predict[data-predict=plateau]');
  assert.match(await box.textContent(), /After 10,000 sequences, which cell will still sit\s+on the plateau/);
  // Issue 11: "95 %" is defined before it is used, with the core's numbers (criterion, tolerance).
  const limits = await page.evaluate(async () => (await (await import('/pkg/js/core.js')).loadCore()).trainLimits);
  assert.equal(typeof limits.tolerance, 'number', 'the core says the adding problem\'s tolerance');
  const defined = (await page.locator('main h2:has-text("The race: the adding problem") + p').textContent()).replace(/[ \t\n]+/g, ' ');
  assert.ok(defined.includes(`answers ${Math.floor(100 * limits.criterion)}\u00a0% of the held-out sequences (drawn like the training ones, never trained on) within ${limits.tolerance} of the target`), defined);
  await box.locator('.choice[data-choice=rnn_tanh]').click();
  // While it trains: said in sequences with separators, and a progress bar next to the question.
  const status = (await box.locator('.status').textContent());
  assert.equal(status, 'Training to 10,000 sequences (8 per step)…');
  await page.waitForFunction(() => Number(document.querySelector('[data-predict=plateau] .training-progress progress')?.value) > 0);
  assert.match(await box.locator('.training-progress').textContent(), /^ ?[\d,]+ of 10,000 sequences$/);
  await page.addScriptTag({ path: AXE });
  const axe = await page.evaluate(() => window.axe.run(document.querySelector('[data-predict=plateau]'), { resultTypes: ['violations'] }));
  assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), [], 'the progress bar is labelled');
  await box.locator('.verdict').waitFor({ timeout: 120000 });
  assert.equal(await box.locator('.training-progress').count(), 0, 'the progress bar goes once trained');
  assert.equal(await box.locator('.verdict').textContent(), 'Right: the RNN tanh.');
  const recs = await raceRecords(page);
  // The GRU and the LSTM stop at their first record at 95 % (until=solved); the RNN trains on to 1,250.
  assert.deepEqual(recs.map((e) => [e.name, e.iterations.at(-1), e.reached]), [['rnn_tanh', 1250, null], ['lstm', 1250, 10000], ['gru', 425, 3400]]);
  const baseline = await page.evaluate(() => document.getElementById('race').session.entrants[0].info.baseline);
  const best = Math.min(...recs[0].losses.slice(1));
  assert.ok(best > 0.9 * baseline, `the tanh RNN's best loss ${best} is within 10 % of the constant guess's ${baseline}`);
  const why = await box.locator('.why').textContent();
  assert.match(why, new RegExp(`RNN tanh: best held-out loss ${String(Number((best / baseline).toPrecision(3)))} × the constant guess's, not at 95\u00a0%; LSTM: .*95\u00a0% after 10,000 sequences, only just: at the last evaluation before the cut-off, after sitting on the plateau until [\\d,]+ sequences; GRU: .*95\u00a0% after 3,400 sequences\\. `));
  // "Only just": the LSTM's record at 95 % is its last one, at the cut-off; the GRU's is not.
  const plateauUntil = Number(why.match(/on the plateau until ([\d,]+) sequences/)[1].replace(/,/g, ''));
  const lstm = recs.find((e) => e.name === 'lstm');
  assert.ok(plateauUntil >= 0.5 * 10000 && plateauUntil < 10000, `the LSTM sat on the plateau most of the race: until ${plateauUntil}`);
  assert.equal(lstm.iterations.at(-1), 1250);
  assert.equal(await after.isVisible(), true, 'the claim shows once answered');
  assert.match((await after.textContent()).replace(/[ \t\n]+/g, ' '), /GRU scored 95\u00a0% after 3,400 sequences and the LSTM after 10,000, only just: at the last evaluation before the cut-off/);
  const r = await page.evaluate(() => window.__lesson.check('plateau'));
  assert.equal(r.holds, true, r.says);
  assert.deepEqual(errors, []);
  await close();
});

test('lesson 3: the race shows the carry-gate bias, so the exercise\'s −3 can be set in it (or in the linked training view)', async () => {
  const { page, errors, close } = await open('3-lstm.html');
  const race = page.locator('#race');
  const field = race.getByLabel('Carry-gate bias');
  // In the lesson's column the settings are folded to one line; Change opens them.
  await race.getByRole('button', { name: 'Change' }).click();
  assert.equal(await field.isVisible(), true, 'the field is in the embedded race');
  assert.equal(await field.inputValue(), '5');
  await field.focus();
  await field.fill('-3');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('race').session.state.fb === -3);
  const specs = await page.evaluate(() => document.getElementById('race').session.specs().map(({ entrant, spec }) => [entrant, spec.model.init.carry_bias ?? null]));
  assert.deepEqual(specs, [['rnn_tanh', null], ['lstm', -3], ['gru', -3]]);
  const exercise = page.locator('.exercises li').first();
  assert.match((await exercise.textContent()).replace(/\s+/g, ' '), /carry-gate bias to −3 \(press Change under “Task and models”/);
  assert.equal(await exercise.locator('a').getAttribute('href'), '../train.html#T=50&fb=-3');
  assert.deepEqual(errors, []);
  await close();
});

test('lesson 4: predict which gated cell reaches 95 % in fewer sequences; the claim is the race\'s own numbers', async () => {
  const { page, errors, close } = await open('4-gru.html');
  const box = page.locator('.predict[data-predict=faster]');
  assert.equal(await page.locator('[data-after=faster]').isVisible(), false);
  // Issue 11: the question defines its "95 %" (the core's criterion and tolerance), kept together by a no-break space.
  assert.match((await box.locator('p').first().textContent()).replace(/[ \n]+/g, ' '), /scores 95\u00a0% on the held-out sequences after fewer training sequences \(answers 95\u00a0% of the sequences it never trained on within 0\.04 of the target, the race's criterion\)/);
  await box.locator('.choice[data-choice=lstm]').click();
  await box.locator('.verdict').waitFor({ timeout: 120000 });
  assert.equal(await box.locator('.verdict').textContent(), 'Not quite: the answer is the GRU.');
  const recs = await raceRecords(page);
  assert.deepEqual(recs.map((e) => [e.name, e.reached]), [['lstm', 10000], ['gru', 3400]]);
  assert.match(await box.locator('.why').textContent(), /GRU scored 95\u00a0% after 3,400 sequences, the LSTM after 10,000 sequences \(only just: at the last evaluation before the cut-off\)/);
  const r = await page.evaluate(() => window.__lesson.check('race'));
  assert.equal(r.holds, true, r.says);
  assert.match((await page.locator('[data-claim=race]').textContent()).replace(/[ \t\n]+/g, ' '), /GRU scores 95\u00a0% after 3,400 sequences and the LSTM after 10,000, only just/);
  assert.deepEqual(errors, []);
  await close();
});

test('lessons 3 and 4 answered: axe-core clean and screenshots at 1280×720, 390×844 and 150 % of 1280×720', async () => {
  const out = path.join(ROOT, 'e2e/screenshots');
  fs.mkdirSync(out, { recursive: true });
  const views = [['1280x720', { width: 1280, height: 720 }, 1], ['390x844', { width: 390, height: 844 }, 1], ['projected-150', { width: 853, height: 480 }, 1.5]];
  for (const [n, answer] of [['3', 'untrained'], ['4', 'keep']]) {
    for (const [name, viewport, scale] of views) {
      const { page, errors, close } = await open(n === '3' ? '3-lstm.html' : '4-gru.html', viewport, scale);
      await page.locator(`.predict[data-predict=${answer}] .choice`).first().click();
      await page.locator(`.predict[data-predict=${answer}] .verdict`).waitFor();
      await page.evaluate(async (q) => { await Promise.all([...document.querySelectorAll(q)].map((e) => e.settled?.())); }, WIDGETS);
      // Charts off screen draw when they scroll in: scroll each in before the full page.
      for (const c of await page.locator('unrolled-lab canvas:visible').all()) { await c.scrollIntoViewIfNeeded(); }
      await page.waitForTimeout(500);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, `lesson ${n} ${name}: no sideways scroll`);
      // axe-core on the answered lesson: the widgets that waited for the answer are checked too.
      await page.addScriptTag({ path: AXE });
      const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`);
      assert.deepEqual(bad, [], `lesson ${n} answered, ${name}`);
      await page.screenshot({ path: path.join(out, `lesson-${n}-${name}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await close();
    }
  }
});
