// Bugs and friction found by trying the page as a student, a teacher and a phone user would
// (issue 7, part 7). Each test failed before its fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, keys, settle, setup, state } from './helpers.mjs';

const env = setup();

test('H ≤ 8: an eigenvalue slider, then ρ: the sliders show the eigenvalues on the plane', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.5:0;0.2:0;-0.3:0;0.1:0');
  await keys(page, '#eig-0-re', 'ArrowRight', 'ArrowRight'); // λ1: 0.50 → 0.52
  await keys(page, '#rho', 'ArrowRight'); // ρ becomes a target: every eigenvalue scales
  const shown = await page.evaluate(() => {
    const d = window.__unrolled.data.eig;
    return [...Array(d.length / 2).keys()].map((i) => [d[2 * i], d[2 * i + 1]]);
  });
  const sliders = await page.evaluate(() => [0, 1, 2, 3].map((k) => Number(document.getElementById(`eig-${k}-re`).value)));
  for (const v of sliders) {
    assert.ok(shown.some(([re]) => Math.abs(re - v) < 0.006), `slider ${v} is an eigenvalue on the plane (${JSON.stringify(shown)})`);
  }
  assertNoErrors(errors);
});

test('a hand-written link with eigs= keeps its eigenvalues (no silent rescale to ρ = 0.9)', async () => {
  const { page, errors } = await env.open('H=2&eigs=1.05:0;0.5:0');
  const d = await page.evaluate(() => window.__unrolled.data.rho);
  assert.ok(Math.abs(d - 1.05) < 1e-9, `ρ = ${d}`);
  assert.equal((await state(page)).scale, 'none');
  assertNoErrors(errors);
});

test('rho= and sigma= in a link set the scale; cell names are case-insensitive', async () => {
  let r = await env.open('rho=1.05');
  assert.equal((await state(r.page)).scale, 'rho');
  assert.ok(Math.abs((await r.page.evaluate(() => window.__unrolled.data.rho)) - 1.05) < 1e-9);
  r = await env.open('cells=LSTM,Gru&sigma=1.2');
  const s = await state(r.page);
  assert.deepEqual(s.cells, ['lstm', 'gru']);
  assert.equal(s.scale, 'sigma');
  assert.equal(await r.page.isVisible('.notices'), false, 'nothing to report');
  assertNoErrors(r.errors);
});

test('unknown and out-of-range keys are named in a notice, not dropped silently', async () => {
  const { page, errors } = await env.open('cells=lstm,tree&T=5000&colour=red&H=32');
  assert.equal(await page.isVisible('.notices'), true);
  const text = await page.textContent('#notices');
  assert.match(text, /tree/);
  assert.match(text, /T=5000/);
  assert.match(text, /colour/);
  const s = await state(page);
  assert.deepEqual(s.cells, ['lstm'], 'the usable part still applies');
  assertNoErrors(errors);
});

test('a link with both rho= and sigma=, or an unknown curve in show=, says so', async () => {
  let r = await env.open('rho=1.1&sigma=1.2');
  assert.match(await r.page.textContent('#notices'), /rho and sigma: one scale at a time; using sigma=1\.2/);
  assert.equal((await state(r.page)).scale, 'sigma');
  r = await env.open('show=g,zz');
  assert.match(await r.page.textContent('#notices'), /show: unknown "zz" \(known: g, j, th\)/);
  const s = await state(r.page);
  assert.deepEqual([s.showG, s.showJ, s.showTh], [true, false, false], 'the known curve still applies');
  assertNoErrors(r.errors);
});

test('one slider and one chart: hide everything else, and no empty column is left', async () => {
  const hide = 'model,clip,pytorch,eigen,singular,chain,gates,sigma,nonnormal,presets';
  const { page, errors } = await env.open(`hide=${hide}`);
  assert.equal(await page.isVisible('#rho'), true);
  assert.equal(await page.isVisible('#flow'), true);
  for (const q of ['#sigma', '#nonnormal', '#spectrum', '#singular', '#panel-model']) assert.equal(await page.isVisible(q), false, q);
  // Nothing but the ρ slider in the controls column, and the chart takes the rest of the row.
  const flow = await page.locator('#panel-flow').boundingBox();
  const lab = await page.locator('#lab .layout').boundingBox();
  assert.ok(flow.width > lab.width * 0.7, `flow ${flow.width} of ${lab.width}`);
  // With every control hidden, the charts take the whole width.
  const r = await env.open('hide=spectrum-controls,model,clip,pytorch');
  const w = await r.page.locator('#panel-flow').boundingBox();
  const l = await r.page.locator('#lab .layout').boundingBox();
  assert.ok(w.x - l.x < 5, 'no empty controls column');
  assertNoErrors(errors);
});

test('Reset returns to the scene the link opened (hide= included), and Back undoes it', async () => {
  const { page, errors } = await env.open('cells=lstm&T=40&hide=clip');
  await keys(page, '#rho', 'End');
  const length = await page.evaluate(() => history.length);
  await page.click('#reset');
  await settle(page);
  let s = await state(page);
  assert.deepEqual(s.cells, ['lstm']);
  assert.equal(s.T, 40);
  assert.deepEqual(s.hide, ['clip']);
  assert.equal(s.sv, 0.9);
  assert.equal(await page.isVisible('#panel-clip'), false);
  assert.equal(await page.evaluate(() => history.length), length + 1, 'Reset is a history entry');
  await page.goBack();
  await page.waitForFunction(() => window.__unrolled.state.sv > 1);
  s = await state(page);
  assert.ok(s.sv > 1, 'Back restores the scene before Reset');
  assertNoErrors(errors);
});

test('keyboard editor: a real eigenvalue leaves the axis with plain arrows; far partners stay put', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.1:0;0.5:0;0.9:0;-0.8:0');
  await page.focus('#spectrum');
  // select λ3 = 0.9 by position: n/p go around the circle
  await page.evaluate(() => { window.__unrolled.state.sel = 2; });
  await keys(page, '#spectrum', 'ArrowUp');
  let s = await state(page);
  assert.ok(s.eigs[2][1] > 0, `λ3 left the axis: ${JSON.stringify(s.eigs[2])}`);
  assert.equal(s.eigs[1][0], s.eigs[2][0], 'its near real neighbour (0.5) became its conjugate');
  // λ4 = −0.8 has no real neighbour within reach now: Shift+Up leaves everything else alone.
  await page.evaluate(() => { window.__unrolled.state.sel = 3; });
  const before = (await state(page)).eigs.map((e) => [...e]);
  await keys(page, '#spectrum', 'Shift+ArrowUp');
  s = await state(page);
  assert.deepEqual(s.eigs.slice(0, 3), before.slice(0, 3), 'no eigenvalue jumps across the circle');
  assert.match(await page.textContent('#eig-status'), /stays real/);
  assertNoErrors(errors);
});

test('keyboard editor: n/p go around the circle, and the selection is announced', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.9:0;-0.5:0;0.2:0.6;0.2:-0.6');
  await page.focus('#spectrum');
  await settle(page);
  const order = [];
  for (let i = 0; i < 4; i += 1) {
    await keys(page, '#spectrum', 'n');
    order.push((await state(page)).sel);
  }
  // angles: 0.9 → 0, 0.2+0.6i → 72°, −0.5 → 180°, 0.2−0.6i → 288°
  assert.deepEqual(order, [2, 1, 3, 0]);
  assert.equal(await page.getAttribute('#eig-status', 'aria-live'), 'polite');
  assert.match(await page.textContent('#eig-status'), /λ1 = 0\.9/);
  assertNoErrors(errors);
});

test('the eigenvalue plane takes touch drags and has finger-sized targets', async () => {
  const { page } = await env.open();
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('spectrum')).touchAction), 'none');
});

test('inside a cross-origin frame, Copy link offers the lab\'s own link', async () => {
  await env.open();
  const lab = `${env.server.url}#cells=gru&T=33`;
  // The same server under another host name is another origin.
  const parent = env.server.url.replace('127.0.0.1', 'localhost');
  const context = await env.browser.newContext();
  env.contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${parent}embed-example.html`);
  await page.setContent(`<iframe id="f" src="${lab}" width="1200" height="700"></iframe>`);
  const frame = page.frameLocator('#f');
  await frame.locator('body[data-ready=true]').waitFor({ timeout: 20000 });
  await frame.locator('#share').click();
  const field = frame.locator('#share-link');
  await field.waitFor({ state: 'visible' });
  const value = await field.inputValue();
  assert.ok(value.startsWith(env.server.url), `the lab's URL, not the lesson's: ${value}`);
  assert.match(value, /cells=gru/);
  assert.match(value, /T=33/);
});


test('a link whose complex eigenvalues are not in conjugate pairs: a notice, and the rest applies', async () => {
  const { page, errors } = await env.open('H=4&T=40&eigs=1.05:0.2;0.5:0;0.1:0;0.2:0');
  assert.match(await page.textContent('#notices'), /eigs: .*conjugate/);
  const s = await state(page);
  assert.equal(s.T, 40);
  assert.equal(s.eigs, null);
  assert.equal(await page.isVisible('#banner'), false);
  assertNoErrors(errors);
});

test('dragging an eigenvalue outwards: it follows the pointer though the axes rescale', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=2&scale=none&eigs=1.3:0;0.2:0');
  const at = await page.evaluate(() => {
    const b = document.getElementById('spectrum').getBoundingClientRect();
    const m = window.__unrolled.spectrumRect;
    const px = (re) => b.left + m.x + ((re + m.lim) / (2 * m.lim)) * m.width;
    return { x: px(1.3), x2: px(1.6), y: b.top + m.y + m.height / 2 };
  });
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  for (let i = 1; i <= 6; i += 1) await page.mouse.move(at.x + ((at.x2 - at.x) * i) / 6, at.y);
  await page.mouse.up();
  await settle(page);
  const re = (await state(page)).eigs[0][0];
  assert.ok(Math.abs(re - 1.6) < 0.05, `λ ends where the pointer was let go (1.6 in the press-time plot): ${re}`);
  assertNoErrors(errors);
});

test('keyboard: Shift+Down brings a close pair onto the axis instead of bouncing', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=2&scale=none&eigs=0.5:0.03;0.5:-0.03');
  await page.focus('#spectrum');
  await page.evaluate(() => { window.__unrolled.state.sel = 0; });
  await keys(page, '#spectrum', 'Shift+ArrowDown');
  const s = await state(page);
  assert.deepEqual(s.eigs.map(([, im]) => im), [0, 0]);
  assertNoErrors(errors);
});
