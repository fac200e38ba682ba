// Accessibility: axe-core finds no serious or critical violations; ranges are labelled and
// speak their value; canvases are images with labels that follow the model; Tab reaches all.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, assertNoErrors, keys, setup } from './helpers.mjs';

const env = setup();
const AXE = path.join(ROOT, 'e2e/node_modules/axe-core/axe.min.js');

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

test('axe: no serious or critical violations (default view, small H with eigenvalue sliders, tablet)', async () => {
  for (const [hash, viewport] of [['', undefined], ['H=4&clip=norm&input=custom', undefined], ['', { width: 820, height: 1180 }]]) {
    const { page, errors } = await env.open(hash, viewport);
    assert.deepEqual(await axe(page), [], `axe on #${hash} ${JSON.stringify(viewport)}`);
    assertNoErrors(errors);
  }
});

test('every range input has a label and aria-valuetext', async () => {
  const { page } = await env.open('H=6');
  const ranges = await page.$$eval('input[type=range]', (els) => els.map((e) => ({
    id: e.id,
    label: [...e.labels].map((l) => l.textContent.trim()).join(' ') || e.getAttribute('aria-label') || '',
    valuetext: e.getAttribute('aria-valuetext') || '',
  })));
  assert.ok(ranges.length >= 10, `${ranges.length} ranges`);
  assert.ok(ranges.some((r) => r.id.startsWith('eig-')), 'eigenvalue sliders present with H = 6');
  for (const r of ranges) {
    assert.ok(r.label.length > 2, `#${r.id} has a label`);
    assert.ok(r.valuetext.length > 0, `#${r.id} has aria-valuetext`);
  }
  // the value text follows the value
  await keys(page, '#steps', 'ArrowRight');
  assert.equal(await page.getAttribute('#steps', 'aria-valuetext'), '101 steps');
  await keys(page, '#rho', 'ArrowRight');
  assert.match(await page.getAttribute('#rho', 'aria-valuetext'), /spectral radius 0\.91/);
});

test('canvases are images with labels that follow the model', async () => {
  const { page, errors } = await env.open();
  const labels = () => page.$$eval('canvas', (els) => els.filter((c) => c.getAttribute('aria-hidden') !== 'true')
    .map((c) => ({ id: c.id || c.className, role: c.getAttribute('role'), label: c.getAttribute('aria-label') || '' })));
  const before = await labels();
  assert.ok(before.length >= 10, `${before.length} canvases`);
  for (const c of before) {
    assert.equal(c.role, 'img', `${c.id} role`);
    assert.ok(c.label.length > 10, `${c.id} label: ${c.label}`);
  }
  await keys(page, '#rho', 'End');
  const after = await labels();
  const changedIds = after.filter((c, i) => c.label !== before[i].label).map((c) => c.id);
  for (const id of ['flow', 'spectrum', 'singular']) assert.ok(changedIds.includes(id), `${id} label follows ρ (changed: ${changedIds})`);
  assert.match(after.find((c) => c.id === 'spectrum').label, /spectral radius 3\.00/);
  await keys(page, '#scrub', 'Home');
  assert.match(await page.getAttribute('#chain', 'aria-label'), /step 0 of 100/);
  assertNoErrors(errors);
});

test('every control is reachable with Tab', async () => {
  const { page } = await env.open('H=6&clip=norm');
  const want = await page.$$eval('a[href], button, input, select, [tabindex]', (els) => els
    .filter((e) => !e.disabled && e.tabIndex >= 0 && e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden')
    .map((e) => (e.type === 'radio' ? `radio:${e.name}` : e.id || `${e.tagName}:${e.getAttribute('aria-label') || e.textContent.trim()}:${e.value || ''}`)));
  assert.ok(want.length > 40, `${want.length} controls`);
  // the skip link comes first
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  const seen = new Set(['A:Skip to the charts:']);
  for (let i = 0; i < want.length + 20; i += 1) {
    await page.keyboard.press('Tab');
    const k = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      return e.type === 'radio' ? `radio:${e.name}` : e.id || `${e.tagName}:${e.getAttribute('aria-label') || e.textContent.trim()}:${e.value || ''}`;
    });
    if (k) seen.add(k);
  }
  const missing = [...new Set(want)].filter((k) => !seen.has(k));
  assert.deepEqual(missing, [], 'controls Tab never reached');
});

// The lab page on a phone docks the gradient-flow chart and keeps its notes in a box capped at
// 18 % of the height; notes that ran past its edge were cut off with no sign that they scrolled.
test('phone 390×844: notes past the docked box\'s edge fade there, a button scrolls on, and the box is a focusable region', async () => {
  const { page, errors } = await env.open('cells=rnn_linear,rnn_tanh,lstm&T=60&rho=1.1', { width: 390, height: 844 });
  const box = () => page.evaluate(() => {
    const n = document.querySelector('#flow-notes');
    const more = document.querySelector('#flow-notes-more');
    const r = more.getBoundingClientRect();
    return {
      notes: n.querySelectorAll('.note').length,
      hidden: n.scrollHeight - n.clientHeight,
      atEnd: n.scrollTop + n.clientHeight >= n.scrollHeight - 1,
      scrollTop: n.scrollTop,
      fade: getComputedStyle(n).maskImage,
      more: !more.hidden && r.height > 0 && r.bottom <= innerHeight,
      tabindex: n.getAttribute('tabindex'),
      role: n.getAttribute('role'),
      label: n.getAttribute('aria-label'),
    };
  });
  const first = await box();
  assert.ok(first.notes >= 2 && first.hidden > 20, `a scene whose notes overflow the box: ${JSON.stringify(first)}`);
  assert.match(first.fade, /linear-gradient/, 'the cut edge fades');
  assert.ok(first.more, 'the "More below" button shows, on screen');
  assert.deepEqual([first.tabindex, first.role], ['0', 'region']);
  assert.ok(first.label, 'the region is named');
  assert.deepEqual(await axe(page), [], 'axe at 390×844 (scrollable-region-focusable among them)');
  await page.click('#flow-notes-more');
  await page.waitForFunction((top) => document.querySelector('#flow-notes').scrollTop > top, first.scrollTop);
  // From the keyboard: the box takes focus and scrolls to its end; the cue then goes.
  await page.focus('#flow-notes');
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.querySelector('#flow-notes-more').hidden);
  const end = await box();
  assert.ok(end.atEnd, JSON.stringify(end));
  assert.equal(end.fade, 'none', 'no fade once the last note is in view');
  // Whole notes on a desktop: no cue, no tab stop.
  const wide = await env.open('cells=rnn_linear,rnn_tanh,lstm&T=60&rho=1.1', { width: 1280, height: 720 });
  const w = await wide.page.evaluate(() => ({ more: document.querySelector('#flow-notes-more').hidden, tab: document.querySelector('#flow-notes').getAttribute('tabindex') }));
  assert.deepEqual(w, { more: true, tab: null });
  assertNoErrors(errors);
  assertNoErrors(wide.errors);
});
