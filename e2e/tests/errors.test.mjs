// Bad input and engine panics are shown in the banner instead of breaking the page; overflow is
// drawn and reported, not a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, changed, keys, setup, settle, snap, state } from './helpers.mjs';

const env = setup();

test('garbage in the custom input shows an error in the banner; the page keeps working', async () => {
  const { page, errors } = await env.open();
  await page.selectOption('#input', 'custom');
  await settle(page);
  assert.equal(await page.isVisible('#custom'), true, 'the text field appears');
  await page.fill('#custom', '1, abc');
  await page.press('#custom', 'Enter');
  await page.locator('#custom').blur();
  await page.waitForSelector('#banner:not([hidden])');
  const msg = await page.textContent('#banner');
  assert.match(msg, /custom|input|number|abc|NaN|finite/i, msg);
  assert.doesNotMatch(msg, /stopped unexpectedly/, 'a refusal, not a panic');
  // still alive: fix the input, the banner goes and the charts follow
  const before = await snap(page);
  await page.fill('#custom', '1, 0.5, -1');
  await page.locator('#custom').blur();
  await settle(page);
  assert.equal(await page.isVisible('#banner'), false);
  assert.equal((await state(page)).custom, '1, 0.5, -1');
  assert.ok(changed(before, await snap(page)).includes('flow'));
  await keys(page, '#rho', 'End');
  assert.equal((await state(page)).sv, 3); // the ρ slider's top (was 1.6 before it could reach overflow)
  assertNoErrors(errors);
});

test('a panic in the engine shows the banner and the page does not freeze', async () => {
  const { page, errors } = await env.open();
  assert.equal(typeof await page.evaluate(() => typeof window.__unrolled.panic), 'string');
  await page.evaluate(() => window.__unrolled.panic());
  await page.waitForSelector('#banner:not([hidden])');
  assert.match(await page.textContent('#banner'), /deliberate panic/);
  assert.equal(await page.locator('#banner button', { hasText: 'Reload' }).count(), 1);
  assert.ok(errors.some((e) => /panicked/.test(e)), 'the panic hook logs the panic');
  // other controls still respond
  const t0 = (await state(page)).t;
  await page.click('#prev');
  assert.equal((await state(page)).t, t0 - 1);
  await page.click('#share');
  await page.waitForFunction(() => document.getElementById('share').textContent !== 'Copy link');
  await keys(page, '#rho', 'ArrowLeft'); // ignored by the stopped engine, but no exception
  assert.equal(await page.evaluate(() => 1 + 1), 2);
  const pageErrors = errors.filter((e) => !/panicked/.test(e));
  assert.deepEqual(pageErrors, []);
  // Reload brings it back
  await Promise.all([page.waitForEvent('load'), page.click('#banner button')]);
  await page.waitForSelector('body[data-ready=true]');
  assert.equal(await page.isVisible('#banner'), false);
});

test('overflow: σ_max = 3, linear RNN, T = 1000 overflows and is drawn and reported', async () => {
  // 3^t passes the largest double near t = 646: a result to show, not a crash.
  const { page, errors } = await env.open('cells=rnn_linear,rnn_tanh,lstm&scale=sigma&sv=3&T=1000&focus=rnn_linear');
  const s = await state(page);
  assert.equal(s.T, 1000);
  assert.equal(s.sv, 3);
  const summary0 = await page.evaluate(() => window.__unrolled.data.cells[0].summary);
  assert.notEqual(summary0.overflow_forward, null, 'the linear RNN overflowed');
  const flags = await page.evaluate(() => [...document.querySelectorAll('.heatmap .flags')].filter((f) => !f.hidden).length);
  assert.ok(flags >= 1, 'the heatmap shows the NaN/∞ key');
  const summary = await page.textContent('#flow-summary');
  const blank = await page.evaluate(() => {
    const c = document.getElementById('flow');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 16) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return seen.size < 8;
  });
  assert.equal(blank, false, 'the flow chart still draws');
  assert.match(summary, /RNN linear [^;]*\(overflow\)/, summary);
  assert.equal(await page.isVisible('#banner'), false);
  assertNoErrors(errors);
});
