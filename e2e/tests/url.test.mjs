// A link restores the view: the URL hash holds the whole state. Also teacher mode (hide=…).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, hashParams, keys, settle, setup, snap, state } from './helpers.mjs';

const env = setup();

/** Every control's value, keyed by id or name=value. */
const controls = (page) => page.evaluate(() => {
  const out = {};
  document.querySelectorAll('input, select').forEach((el) => {
    const key = el.id || `${el.name}=${el.value}`;
    out[key] = el.type === 'checkbox' || el.type === 'radio' ? el.checked : el.value;
    if (el.hasAttribute('aria-valuetext')) out[`${key}@valuetext`] = el.getAttribute('aria-valuetext');
  });
  out.outputs = [...document.querySelectorAll('output')].map((o) => `${o.id}=${o.textContent}`);
  return out;
});

test('a copied link restores the state, the controls and the pixels', async () => {
  const a = await env.open();
  const { page } = a;
  await page.check('input[name=cell][value=rnn_linear]');
  await page.uncheck('input[name=cell][value=gru]');
  await settle(page);
  await keys(page, '#hidden', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft'); // 28
  await keys(page, '#steps', ...Array(20).fill('ArrowLeft')); // 80
  await keys(page, '#rho', ...Array(12).fill('ArrowRight')); // 1.02
  await page.selectOption('#input', 'sine');
  await page.selectOption('#clip', 'value');
  await settle(page);
  await keys(page, '#clip-threshold', 'ArrowLeft', 'ArrowLeft'); // 10^-0.1
  await page.check('input[name=loss][value=every]');
  await page.uncheck('#show-jacobian');
  await settle(page);
  await page.focus('#spectrum');
  await keys(page, '#spectrum', 'n', 'n', 'n', 'Shift+ArrowUp', 'ArrowLeft');
  await page.focus('#scrub');
  await keys(page, '#scrub', 'Home', ...Array(5).fill('ArrowRight')); // t = 5
  await page.check('input[name=phase][value=bwd]');
  await page.selectOption('#chain-cell', 'rnn_linear');
  await page.selectOption('#heat-cell', 'rnn_tanh');
  await settle(page);

  const s1 = await state(page);
  assert.deepEqual(s1.cells, ['rnn_tanh', 'rnn_linear', 'lstm']);
  assert.equal(s1.H, 28);
  assert.equal(s1.T, 80);
  assert.equal(s1.t, 5);
  assert.equal(s1.phase, 'bwd');
  assert.equal(s1.clip, 'value');
  assert.ok(s1.sel >= 0, 'an eigenvalue is selected'); // which one: n/p go around the circle (friction.test.mjs)
  assert.equal(s1.scale, 'none');
  assert.ok(s1.eigs);
  const h = await hashParams(page);
  for (const k of ['cells', 'H', 'T', 'clip', 'ct', 't', 'phase', 'eigs', 'sel', 'input', 'loss', 'show']) assert.ok(k in h, `${k} in the hash`);

  const href = await page.evaluate(() => location.href);
  const px1 = await snap(page);
  const c1 = await controls(page);
  assertNoErrors(a.errors);

  // A fresh page (new context: nothing shared but the URL).
  const b = await env.open(href.split('#')[1]);
  const s2 = await state(b.page);
  // Eigenvalues travel with 4 decimals.
  for (let k = 0; k < s1.H; k += 1) {
    for (let j = 0; j < 2; j += 1) assert.ok(Math.abs(s2.eigs[k][j] - s1.eigs[k][j]) <= 5e-5, `eig ${k}: ${s2.eigs[k]} vs ${s1.eigs[k]}`);
  }
  // The clipping threshold travels with 4 significant digits.
  assert.ok(Math.abs(s2.ct / s1.ct - 1) < 1e-3, `ct ${s2.ct} vs ${s1.ct}`);
  assert.deepEqual({ ...s2, eigs: null, ct: null }, { ...s1, eigs: null, ct: null });
  assert.deepEqual(await controls(b.page), c1);
  const px2 = await snap(b.page);
  assert.ok(px2.flow === px1.flow, 'flow chart pixels identical');
  assert.deepEqual(Object.keys(px1).filter((k) => px2[k] !== px1[k]), [], 'canvases whose pixels differ');
  assert.equal(await b.page.evaluate(() => location.href), href, 'the restored page writes back the same link');
  assertNoErrors(b.errors);
  await env.close(a);
  await env.close(b);
});

test('a link with only some parameters keeps the defaults for the rest', async () => {
  const { page, errors } = await env.open('sv=1.2');
  const s = await state(page);
  assert.equal(s.sv, 1.2);
  assert.equal(s.H, 32);
  assert.equal(s.T, 100);
  assert.equal(s.t, 99);
  assert.equal(s.ct, 1);
  assert.equal(s.sel, -1);
  assertNoErrors(errors);
});

test('editing the hash by hand updates the page', async () => {
  const { page, errors } = await env.open();
  await page.evaluate(() => { location.hash = location.hash.replace(/H=\d+/, 'H=6'); });
  await page.waitForFunction(() => window.__unrolled.state.H === 6);
  await settle(page);
  assert.equal(await page.inputValue('#hidden'), '6');
  assert.equal(await page.locator('#eig-sliders input').count() > 0, true);
  assertNoErrors(errors);
});

test('teacher mode: hide=clip,gates hides those panels only', async () => {
  const { page, errors } = await env.open('hide=clip,gates');
  assert.equal(await page.isVisible('#panel-clip'), false);
  assert.equal(await page.isVisible('#panel-gates'), false);
  for (const id of ['panel-model', 'panel-spectrum-controls', 'panel-flow', 'panel-spectrum', 'panel-chain']) {
    assert.equal(await page.isVisible(`#${id}`), true, `#${id} visible`);
  }
  assert.equal((await hashParams(page)).hide, 'clip,gates', 'kept in the link');
  // still works
  await keys(page, '#rho', 'End');
  assert.equal((await state(page)).sv, 3); // the ρ slider's top (was 1.6 before it could reach overflow)
  assertNoErrors(errors);
});

test('teacher mode: hide=pytorch hides the PyTorch panel (import and export) only, kept in the link', async () => {
  const { page, errors } = await env.open('hide=pytorch');
  assert.equal(await page.isVisible('#panel-pytorch'), false);
  for (const id of ['panel-model', 'panel-clip', 'panel-flow', 'panel-gates']) {
    assert.equal(await page.isVisible(`#${id}`), true, `#${id} visible`);
  }
  assert.equal((await hashParams(page)).hide, 'pytorch', 'kept in the link');
  assert.equal(await page.isVisible('.notices'), false, 'the name is accepted: no notice');
  assertNoErrors(errors);
});
