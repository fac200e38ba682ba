// Stepping through the unrolled network: the scrubber, ◀/▶ buttons, ←/→ and space on the
// document. The chain canvas, the equations and `t=` in the hash follow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, focusBody, hashParams, settle, setup, state } from './helpers.mjs';

const env = setup();

const look = (page) => page.evaluate(() => ({
  chain: document.getElementById('chain').toDataURL(),
  eq: document.getElementById('equations').textContent,
  label: document.getElementById('chain').getAttribute('aria-label'),
  t: window.__unrolled.state.t,
  out: document.getElementById('scrub-out').textContent,
  hashT: new URLSearchParams(location.hash.slice(1)).get('t'),
}));

function expectStep(a, b, t) {
  assert.equal(b.t, t);
  assert.equal(b.hashT, String(t), 't= in the hash');
  assert.equal(b.out, String(t));
  assert.notEqual(b.chain, a.chain, 'chain canvas redrawn');
  assert.notEqual(b.eq, a.eq, 'equations follow the step');
  assert.match(b.label, new RegExp(`at step ${t} of`));
}

test('scrubber, buttons and document keys move the step', async () => {
  const { page, errors } = await env.open();
  let a = await look(page);
  assert.equal(a.t, 99);
  assert.ok(a.eq.length > 20, 'equations shown');

  await page.focus('#scrub');
  await page.keyboard.press('Home');
  await settle(page);
  let b = await look(page);
  expectStep(a, b, 0);
  assert.equal(await page.getAttribute('#scrub', 'aria-valuetext'), 'step 0 of 99');

  a = b;
  await page.keyboard.press('PageUp');
  await page.keyboard.press('ArrowRight');
  await settle(page);
  b = await look(page);
  assert.ok(b.t > 1, `PageUp/ArrowRight on the scrubber: t = ${b.t}`);
  expectStep(a, b, b.t);

  // the scrubber with the mouse: a click near its middle
  a = b;
  const box = await page.locator('#scrub').boundingBox();
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
  await settle(page);
  b = await look(page);
  assert.ok(Math.abs(b.t - 49.5) <= 5, `click in the middle: t = ${b.t}`);
  expectStep(a, b, b.t);

  a = b;
  await page.click('#next');
  await settle(page);
  b = await look(page);
  expectStep(a, b, a.t + 1);
  a = b;
  await page.click('#prev');
  await page.click('#prev');
  await settle(page);
  b = await look(page);
  expectStep(a, b, a.t - 2);

  a = b;
  await focusBody(page);
  const scrollY = await page.evaluate(() => window.scrollY);
  await page.keyboard.press('ArrowRight');
  await settle(page);
  b = await look(page);
  expectStep(a, b, a.t + 1);
  a = b;
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await settle(page);
  b = await look(page);
  expectStep(a, b, a.t - 3);
  assert.equal(await page.evaluate(() => window.scrollY), scrollY, 'the arrow keys do not scroll the page');

  // the ends clamp
  await page.focus('#scrub');
  await page.keyboard.press('End');
  await page.click('#next');
  await settle(page);
  assert.equal((await state(page)).t, 99);
  assertNoErrors(errors);
});

test('the phase radio and the chain cell select redraw the chain', async () => {
  const { page, errors } = await env.open('t=40');
  let a = await look(page);
  assert.equal(a.t, 40);
  await page.check('input[name=phase][value=bwd]');
  await settle(page);
  let b = await look(page);
  assert.notEqual(b.chain, a.chain);
  assert.notEqual(b.eq, a.eq);
  assert.match(b.label, /backward phase/);
  assert.equal((await hashParams(page)).phase, 'bwd');
  a = b;
  await page.selectOption('#chain-cell', 'lstm');
  await settle(page);
  b = await look(page);
  assert.notEqual(b.chain, a.chain);
  assert.match(b.label, /LSTM/);
  assert.match(b.eq, /f_t|forget|c_t/i);
  a = b;
  await page.fill('#unit', '3');
  await page.press('#unit', 'Enter');
  await page.locator('#unit').blur();
  await settle(page);
  b = await look(page);
  assert.equal((await state(page)).unit, 3);
  assert.notEqual(b.eq, a.eq, 'equations show unit j = 3');
  assertNoErrors(errors);
});

test('space plays and pauses; play runs forward from the start', async () => {
  const { page, errors } = await env.open('t=10');
  await focusBody(page);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.getElementById('play').getAttribute('aria-label') === 'Pause');
  await page.waitForFunction(() => window.__unrolled.state.t >= 14, null, { timeout: 10000 });
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.getElementById('play').getAttribute('aria-label') === 'Play');
  const t1 = (await state(page)).t;
  // paused: no further steps after a few frames and well over one play interval (90 ms)
  await page.evaluate(() => new Promise((r) => { setTimeout(r, 400); }));
  assert.equal((await state(page)).t, t1, 'paused');
  assert.equal((await hashParams(page)).t, String(t1));
  assert.equal(await page.textContent('#play'), '▶ Play');

  // the Play button, at the last step, restarts from 0 and stops by itself at the end
  await page.evaluate(() => { location.hash = location.hash.replace(/t=\d+/, 't=99').replace(/T=\d+/, 'T=12'); });
  await page.waitForFunction(() => window.__unrolled.state.T === 12);
  await settle(page);
  assert.equal((await state(page)).t, 11);
  await page.click('#play');
  await page.waitForFunction(() => window.__unrolled.state.t < 11);
  await page.waitForFunction(() => document.getElementById('play').getAttribute('aria-label') === 'Play', null, { timeout: 10000 });
  assert.equal((await state(page)).t, 11);
  assertNoErrors(errors);
});
