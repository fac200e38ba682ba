// A class's devices: a phone (390×844, touch) keeps the gradient-flow chart in view next to the
// control being moved, and drags eigenvalues with a finger; a projector at 1280×720 and 150 %
// zoom keeps the page readable without horizontal scrolling.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, assertNoErrors, changed, settle, setup, snap, state } from './helpers.mjs';

const env = setup();
const PHONE = { viewport: { width: 390, height: 844 }, extra: { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } };

const inView = (page, sel) => page.evaluate((q) => {
  const r = document.querySelector(q).getBoundingClientRect();
  return r.top >= -1 && r.bottom <= window.innerHeight + 1 && r.height > 0;
}, sel);

test('phone: the chart stays in view next to the slider being moved', async () => {
  const { page, errors } = await env.open('', PHONE.viewport, PHONE.extra);
  for (const control of ['#rho', '#hidden', '#steps', '#carry-bias']) {
    await page.locator(control).scrollIntoViewIfNeeded();
    await settle(page);
    assert.ok(await inView(page, control), `${control} in view`);
    assert.ok(await inView(page, '#flow'), `the gradient-flow chart in view beside ${control}`);
    const under = await page.evaluate((q) => document.querySelector(q).getBoundingClientRect().top
      - document.getElementById('panel-flow').getBoundingClientRect().bottom, control);
    assert.ok(under >= -1, `${control} is not hidden under the docked chart (${under})`);
    // …and nor is its label, which names it and shows its value
    const label = await page.evaluate((q) => document.querySelector(`label[for="${q.slice(1)}"]`).getBoundingClientRect().top
      - document.getElementById('panel-flow').getBoundingClientRect().bottom, control);
    assert.ok(label >= -1, `${control}'s label is not under the docked chart (${label})`);
  }
  const before = await snap(page);
  await page.locator('#rho').focus();
  await page.keyboard.press('ArrowRight');
  await settle(page);
  assert.ok(changed(before, await snap(page)).includes('flow'));
  assert.ok(await inView(page, '#flow'));
  const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(m.sw <= m.iw, `no horizontal scrolling (${m.sw} > ${m.iw})`);
  await page.screenshot({ path: path.join(ROOT, 'e2e/screenshots/e2e-phone-rho.png') });
  assertNoErrors(errors);
});

test('phone: moving an eigenvalue slider, the eigenvalue plane is in view and not under the docked chart', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.1:0;0.5:0;0.9:0;0.3:0', PHONE.viewport, PHONE.extra);
  const slider = page.locator('#eig-sliders input[type=range]').first();
  await slider.scrollIntoViewIfNeeded();
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await settle(page);
  assert.ok(await inView(page, '#eig-sliders input[type=range]'), 'the slider in view');
  const r = await page.evaluate(() => {
    const box = (id) => document.getElementById(id).getBoundingClientRect();
    const [plane, flow] = [box('spectrum'), box('panel-flow')];
    const overlap = Math.max(0, Math.min(plane.bottom, flow.bottom) - Math.max(plane.top, flow.top));
    return { top: plane.top, bottom: plane.bottom, overlap, h: innerHeight };
  });
  assert.ok(r.overlap < 1, `the docked chart covers ${r.overlap} px of the plane`);
  assert.ok(r.top >= -1 && r.bottom <= r.h + 1, `the plane in view (${r.top}..${r.bottom} of ${r.h})`);
  assertNoErrors(errors);
});

// Scrolled down to a chart of its own (the eigenvalue plane, the chain, the gates), the learner
// looks at that chart: the docked gradient-flow chart shrinks to the chart alone and no longer
// covers the middle of the screen (it took 462 of 844 px and a touch on the plane hit its notes).
test('phone: scrolled to another chart, the dock shrinks and a touch in the middle of the screen lands on that chart', async () => {
  const { page, errors } = await env.open('', PHONE.viewport, PHONE.extra);
  const full = await page.evaluate(() => document.getElementById('panel-flow').getBoundingClientRect().height);
  for (const canvas of ['spectrum', 'chain', 'paths']) {
    // the chart's middle at the middle of the screen, as a thumb scroll leaves it
    await page.evaluate((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      window.scrollBy(0, r.top + r.height / 2 - innerHeight / 2);
    }, canvas);
    await page.waitForFunction(() => document.querySelector('#lab .layout').classList.contains('chart-in-view'));
    await settle(page);
    const r = await page.evaluate((id) => {
      const hit = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
      return { hit: hit?.id || `${hit?.tagName}.${hit?.className}<${hit?.parentElement?.id}`, dock: document.getElementById('panel-flow').getBoundingClientRect(), notes: document.getElementById('flow-notes').textContent.length };
    }, canvas);
    assert.equal(r.hit, canvas, `the middle of the screen is ${canvas}, not the dock (${r.hit})`);
    assert.ok(r.dock.top <= 1 && r.dock.height < full * 0.7, `the chart still docked, shorter: ${r.dock.height} of ${full} px`);
    assert.ok(r.notes > 0, 'the notes are still there for a screen reader');
  }
  // Back at the controls the dock is whole again, notes and all.
  await page.locator('#rho').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => !document.querySelector('#lab .layout').classList.contains('chart-in-view'));
  await settle(page);
  assert.ok(await page.isVisible('#flow-notes'));
  // …and the dock growing back does not cover the slider just scrolled to, nor its label.
  const under = await page.evaluate(() => document.querySelector('label[for="rho"]').getBoundingClientRect().top
    - document.getElementById('panel-flow').getBoundingClientRect().bottom);
  assert.ok(under >= -1, `the ρ label is ${-under} px under the dock`);
  assertNoErrors(errors);
});

/** A finger drag through the Chrome DevTools protocol (touch events become pointer events). */
async function touchDrag(page, from, to, steps = 8) {
  const cdp = await page.context().newCDPSession(page);
  const point = (x, y) => [{ x, y, radiusX: 4, radiusY: 4, force: 1, id: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(from.x, from.y) });
  for (let i = 1; i <= steps; i += 1) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(x, y) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await settle(page);
}

test('phone: an eigenvalue drags with a finger (the page does not scroll instead)', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.1:0;0.5:0;0.9:0;0.3:0', PHONE.viewport, PHONE.extra);
  await page.locator('#spectrum').scrollIntoViewIfNeeded();
  await settle(page);
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('spectrum')).touchAction), 'none');
  const at = await page.evaluate(() => {
    const b = document.getElementById('spectrum').getBoundingClientRect();
    const m = window.__unrolled.spectrumRect;
    const px = (re, im) => ({ x: b.left + m.x + ((re + m.lim) / (2 * m.lim)) * m.width, y: b.top + m.y + ((m.lim - im) / (2 * m.lim)) * m.height });
    // 10 px off the point: a finger is less precise than a mouse
    const p = px(0.9, 0);
    return { from: { x: p.x + 10, y: p.y + 6 }, to: { x: px(0.6, 0).x + 10, y: p.y + 6 }, scroll: window.scrollY };
  });
  await touchDrag(page, at.from, at.to);
  const eigs = (await state(page)).eigs;
  assert.ok(eigs[2][0] < 0.75, `the eigenvalue at 0.9 moved left: ${JSON.stringify(eigs)}`);
  assert.equal(eigs[2][1], 0, 'and stayed on the real axis');
  assert.ok(Math.abs(await page.evaluate(() => window.scrollY) - at.scroll) < 2, 'the page did not scroll');
  assertNoErrors(errors);
});

test('projected: 1280×720 at 150 % zoom stays readable, with no horizontal scrolling', async () => {
  // 150 % zoom of a 1280×720 screen is a 853×480 CSS-pixel viewport at 1.5 device pixels per pixel.
  const { page, errors } = await env.open('', { width: 853, height: 480 }, { deviceScaleFactor: 1.5 });
  const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(m.sw <= m.iw, `scrollWidth ${m.sw} > innerWidth ${m.iw}`);
  const flow = await page.locator('#flow').boundingBox();
  assert.ok(flow.width >= 450 && flow.height <= 480 * 0.8, `the flow chart fits the screen: ${flow.width}×${flow.height}`);
  const small = await page.evaluate(() => [...document.querySelectorAll('label, .caption, output, button')]
    .filter((e) => e.checkVisibility() && parseFloat(getComputedStyle(e).fontSize) < 11).length);
  assert.equal(small, 0, 'no visible text under 11 CSS px');
  await page.screenshot({ path: path.join(ROOT, 'e2e/screenshots/e2e-projected-150.png') });
  assertNoErrors(errors);
});
