// Every control changes what the charts show: real <input type=range> driven by the keyboard,
// checkboxes, selects, the seed and the loss radio; pixels compared before/after.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, changed, keys, setup, settle, snap, state } from './helpers.mjs';

const env = setup();

/** Opens a fresh page, runs `act`, and returns which canvases changed and the state after. */
async function effect(act, hash = '') {
  const r = await env.open(hash);
  const before = await snap(r.page);
  const s0 = await state(r.page);
  await act(r.page);
  await settle(r.page);
  const after = await snap(r.page);
  const s1 = await state(r.page);
  assertNoErrors(r.errors);
  const out = { diff: changed(before, after), s0, s1, page: r.page };
  out.done = () => env.close(r);
  return out;
}

function expectChanged(diff, want) {
  for (const w of want) assert.ok(diff.includes(w), `expected #${w} to change; changed: ${diff.join(', ') || 'nothing'}`);
}

test('spectral radius ρ slider (End key)', async () => {
  const e = await effect((p) => keys(p, '#rho', 'End'));
  assert.equal(e.s1.sv, 3); // the top of the core's scale_value range (ρ reaches overflow: issue 7)
  assert.equal(e.s1.scale, 'rho');
  expectChanged(e.diff, ['flow', 'spectrum', 'singular']);
  assert.ok(Math.abs(await e.page.evaluate(() => window.__unrolled.data.rho) - 3) < 1e-9);
  assert.equal(await e.page.locator('#rho-out').textContent(), '3.00');
  await e.done();
});

test('σ_max slider (ArrowRight)', async () => {
  const e = await effect((p) => keys(p, '#sigma', 'ArrowRight', 'ArrowRight', 'ArrowRight'));
  assert.equal(e.s1.scale, 'sigma');
  const sigma = await e.page.evaluate(() => window.__unrolled.data.sigma);
  assert.ok(Math.abs(sigma - e.s1.sv) < 1e-9, `σ_max ${sigma} vs target ${e.s1.sv}`);
  expectChanged(e.diff, ['flow', 'spectrum', 'singular']);
  await e.done();
});

test('non-normality slider', async () => {
  const e = await effect((p) => keys(p, '#nonnormal', ...Array(30).fill('ArrowRight')));
  assert.ok(Math.abs(e.s1.nn - 0.3) < 1e-9, `nn = ${e.s1.nn}`);
  assert.ok(e.s1.eigs && e.s1.eigs.length === 32);
  // Same eigenvalues, larger singular values.
  expectChanged(e.diff, ['flow', 'singular']);
  const sigma = await e.page.evaluate(() => window.__unrolled.data.sigma);
  assert.ok(sigma > 0.95, `σ_max should grow above ρ = 0.9, got ${sigma}`);
  await e.done();
});

test('hidden size H slider', async () => {
  const e = await effect((p) => keys(p, '#hidden', 'ArrowLeft', 'ArrowLeft'));
  assert.equal(e.s1.H, 30);
  expectChanged(e.diff, ['flow', 'spectrum', 'singular', 'heat0']);
  assert.equal(await e.page.evaluate(() => window.__unrolled.data.eig.length), 60);
  assert.equal(await e.page.getAttribute('#hidden', 'aria-valuetext'), '30 units');
  await e.done();
});

test('sequence length T slider', async () => {
  const e = await effect((p) => keys(p, '#steps', 'Home'));
  assert.equal(e.s1.T, 10);
  assert.equal(e.s1.t, 9, 'the step follows T');
  expectChanged(e.diff, ['flow', 'chain', 'heat0']);
  assert.equal(await e.page.getAttribute('#scrub', 'max'), '9');
  await e.done();
});

test('clipping threshold slider, after choosing a clipping mode', async () => {
  const r = await env.open('sv=1.3&scale=rho&cells=rnn_linear,lstm');
  const { page } = r;
  assert.equal(await page.isDisabled('#clip-threshold'), true, 'disabled without clipping');
  const report0 = await page.textContent('#clip-report');
  await page.selectOption('#clip', 'norm');
  await settle(page);
  assert.equal(await page.isDisabled('#clip-threshold'), false);
  const report1 = await page.textContent('#clip-report');
  assert.notEqual(report1, report0);
  assert.match(report1, /→/);
  const before = await snap(page);
  await keys(page, '#clip-threshold', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft');
  const s = await state(page);
  assert.ok(Math.abs(s.ct - 10 ** -0.2) < 1e-9, `ct = ${s.ct}`);
  const report2 = await page.textContent('#clip-report');
  assert.notEqual(report2, report1, 'the clipping report follows the threshold');
  // The norm after clipping is the threshold itself.
  assert.match(report2, new RegExp(`→ ${(10 ** -0.2).toPrecision(3)}`));
  // Clipping changes the parameter update only, not the forward/backward pass: charts stay.
  assert.deepEqual(changed(before, await snap(page)), []);
  assertNoErrors(r.errors);
  await env.close(r);
});

test('cell checkboxes', async () => {
  const e = await effect(async (p) => {
    await p.check('input[name=cell][value=rnn_linear]');
    await settle(p);
    await p.uncheck('input[name=cell][value=lstm]');
  });
  assert.deepEqual(e.s1.cells, ['rnn_tanh', 'rnn_linear', 'gru']);
  expectChanged(e.diff, ['flow', 'heat0']);
  assert.equal(await e.page.$eval('#heat-cell', (s) => s.options.length), 3);
  // The last checked cell cannot be unchecked.
  await e.page.uncheck('input[name=cell][value=rnn_tanh]');
  await e.page.uncheck('input[name=cell][value=rnn_linear]');
  await e.page.click('input[name=cell][value=gru]');
  await settle(e.page);
  assert.deepEqual((await state(e.page)).cells, ['gru']);
  assert.equal(await e.page.isChecked('input[name=cell][value=gru]'), true);
  await e.done();
});

test('input pattern select', async () => {
  const e = await effect((p) => p.selectOption('#input', 'noise'));
  assert.equal(e.s1.input, 'noise');
  expectChanged(e.diff, ['flow', 'chain', 'heat0']);
  await e.done();
});

test('init select', async () => {
  const e = await effect((p) => p.selectOption('#init', 'gaussian'));
  assert.equal(e.s1.init, 'gaussian');
  expectChanged(e.diff, ['flow', 'spectrum', 'singular']);
  await e.done();
});

test('seed', async () => {
  const e = await effect(async (p) => { await p.fill('#seed', '7'); await p.press('#seed', 'Enter'); await p.locator('#seed').blur(); });
  assert.equal(e.s1.seed, 7);
  expectChanged(e.diff, ['flow', 'spectrum', 'heat0']);
  await e.done();
});

test('loss radio', async () => {
  const e = await effect((p) => p.check('input[name=loss][value=every]'));
  assert.equal(e.s1.loss, 'every');
  expectChanged(e.diff, ['flow']);
  await e.done();
});

test('curve toggles and the non-normal preset', async () => {
  const e = await effect(async (p) => { await p.uncheck('#show-theory'); });
  assert.equal(e.s1.showTh, false);
  expectChanged(e.diff, ['flow']);
  const before = await snap(e.page);
  await e.page.click('#preset-nonnormal');
  await settle(e.page);
  const s = await state(e.page);
  assert.ok(s.cells.includes('rnn_linear'));
  assert.equal(s.nn, 0.5);
  const d = await e.page.evaluate(() => window.__unrolled.data);
  assert.ok(d.rho < 1 && d.sigma > 1, `preset: ρ ${d.rho} < 1 < σ ${d.sigma}`);
  expectChanged(changed(before, await snap(e.page)), ['flow', 'spectrum', 'singular']);
  await e.done();
});
