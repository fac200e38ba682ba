// <unrolled-lab> in running text (www/embed-example.html): three elements, each drawn, each with
// its own state; a slider in one leaves the others' pixels alone; `config` changes re-render;
// `panels` shows what it names and nothing else; `change` events carry the state.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { isBlank, record } from '../lib.mjs';
import { ROOT, assertNoErrors, setup } from './helpers.mjs';

const env = setup();

/** Opens the example page and waits until every element has drawn everything. */
async function openExample(viewport = { width: 1000, height: 900 }) {
  await env.open(); // starts the server and browser
  const context = await env.browser.newContext({ viewport, deviceScaleFactor: 1 });
  env.contexts.push(context);
  const page = await context.newPage();
  const { errors, requests } = record(page);
  await page.goto(`${env.server.url}embed-example.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab')].every((e) => e.dataset.ready === 'true'), null, { timeout: 20000 });
  await settleAll(page);
  return { page, errors, requests };
}

const settleAll = (page) => page.evaluate(async () => {
  await Promise.all([...document.querySelectorAll('unrolled-lab')].map((e) => e.settled()));
  await new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(r)); });
});

/** Pixels of every canvas inside one element's shadow root. */
const pixels = (page, id) => page.evaluate((sel) => {
  const root = document.getElementById(sel).shadowRoot;
  return [...root.querySelectorAll('canvas')].filter((c) => c.width > 1 && c.checkVisibility()).map((c) => c.toDataURL());
}, id);

/** Is canvas `#canvas` of element `#id` (almost) one colour? */
const blank = (page, id, canvas) => isBlank(page.locator(`#${id}`).locator(`#${canvas}`));

const visible = (page, id, inner) => page.evaluate(([sel, q]) => {
  const el = document.getElementById(sel).shadowRoot.querySelector(q);
  return !!el && el.checkVisibility();
}, [id, inner]);

test('three elements in running text: each drawn, no errors, nothing from elsewhere', async () => {
  const { page, errors, requests } = await openExample();
  for (const [id, canvases] of [['one', ['flow']], ['two', ['flow', 'paths']], ['three', ['spectrum', 'singular', 'flow']]]) {
    for (const c of canvases) assert.equal(await blank(page, id, c), false, `#${id} ${c} is drawn`);
  }
  const foreign = requests.filter((u) => !u.startsWith(env.server.url) && !/^(data|blob):/.test(u));
  assert.deepEqual(foreign, []);
  // One wasm module for the page (each element's worker loads its own).
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length);
  assert.equal(wasm, 1, 'the page fetched the wasm once');
  assertNoErrors(errors);
});

test('panels: one slider and one chart, nothing else', async () => {
  const { page, errors } = await openExample();
  assert.equal(await visible(page, 'one', '#rho'), true);
  assert.equal(await visible(page, 'one', '#flow'), true);
  for (const q of ['#sigma', '#nonnormal', '#preset-nonnormal', '#panel-model', '#panel-clip', '#spectrum', '#singular', '#panel-chain', '#panel-gates']) {
    assert.equal(await visible(page, 'one', q), false, `${q} hidden in #one`);
  }
  // #two: the carry-gate control and its panel's other controls hidden, flow and gates shown.
  assert.equal(await visible(page, 'two', '#carry-bias'), true);
  assert.equal(await visible(page, 'two', '#hidden'), false);
  assert.equal(await visible(page, 'two', '#heatmaps'), true);
  // #three: the singular values sit with the eigenvalues.
  assert.equal(await visible(page, 'three', '#spectrum'), true);
  assert.equal(await visible(page, 'three', '#singular'), true);
  assert.equal(await visible(page, 'three', '#rho'), false);
  assertNoErrors(errors);
});

test('independent: a slider in one element leaves the others alone', async () => {
  const { page, errors } = await openExample();
  const before = { one: await pixels(page, 'one'), two: await pixels(page, 'two'), three: await pixels(page, 'three') };
  await page.locator('#one').locator('#rho').focus();
  await page.keyboard.press('End');
  await settleAll(page);
  const after = { one: await pixels(page, 'one'), two: await pixels(page, 'two'), three: await pixels(page, 'three') };
  assert.notDeepEqual(after.one, before.one, 'the moved element redrew');
  assert.deepEqual(after.two, before.two, '#two untouched');
  assert.deepEqual(after.three, before.three, '#three untouched');
  const sv = await page.evaluate(() => ['one', 'two', 'three'].map((id) => document.getElementById(id).session.state.sv));
  assert.ok(sv[0] > 1.5 && sv[1] === 0.9 && sv[2] === 0.9, `states ${sv}`);
  assertNoErrors(errors);
});

test('change events carry the state; a config attribute change re-renders', async () => {
  const { page, errors } = await openExample();
  await page.evaluate(() => {
    window.seen = [];
    document.getElementById('one').addEventListener('change', (e) => window.seen.push(e.detail));
  });
  await page.locator('#one').locator('#rho').focus();
  await page.keyboard.press('ArrowRight');
  await settleAll(page);
  const seen = await page.evaluate(() => window.seen);
  assert.equal(seen.length, 1, 'one change event per change');
  assert.equal(seen[0].state.sv, 0.91);
  assert.match(seen[0].config, /sv=0\.91/);

  const before = await pixels(page, 'one');
  await page.evaluate(() => document.getElementById('one').setAttribute('config', 'cells=lstm,gru&T=30'));
  await settleAll(page);
  const s = await page.evaluate(() => document.getElementById('one').session.state);
  assert.deepEqual(s.cells, ['lstm', 'gru']);
  assert.equal(s.T, 30);
  assert.notDeepEqual(await pixels(page, 'one'), before);

  await page.evaluate(() => document.getElementById('one').setAttribute('panels', 'eigen'));
  await settleAll(page);
  assert.equal(await visible(page, 'one', '#flow'), false);
  assert.equal(await visible(page, 'one', '#spectrum'), true);
  assert.equal(await blank(page, 'one', 'spectrum'), false, 'shown later, drawn when shown');
  assertNoErrors(errors);
});

test('a config it cannot use is named inside the element, the rest applies', async () => {
  const { page, errors } = await openExample();
  await page.evaluate(() => document.getElementById('one').setAttribute('config', 'cells=LSTM&T=40&wobble=3&H=999'));
  await settleAll(page);
  const s = await page.evaluate(() => document.getElementById('one').session.state);
  assert.deepEqual(s.cells, ['lstm'], 'cell names are case-insensitive');
  assert.equal(s.T, 40);
  const notice = await page.evaluate(() => document.getElementById('one').shadowRoot.querySelector('.element-notice').textContent);
  assert.match(notice, /wobble/);
  assert.match(notice, /H=999/);
  assertNoErrors(errors);
});

test('a narrow column lays the element out in one column, without horizontal overflow', async () => {
  const { page, errors } = await openExample({ width: 420, height: 900 });
  const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(m.sw <= m.iw, `scrollWidth ${m.sw} > ${m.iw}`);
  assert.equal(await blank(page, 'three', 'spectrum'), false);
  assertNoErrors(errors);
});

test('axe: no serious or critical violations in the lesson page with three elements, and at phone size', async () => {
  const AXE = path.join(ROOT, 'e2e/node_modules/axe-core/axe.min.js');
  for (const viewport of [{ width: 1000, height: 900 }, { width: 390, height: 844 }]) {
    const { page, errors } = await openExample(viewport);
    await page.addScriptTag({ path: AXE });
    const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(bad, [], `axe at ${viewport.width}×${viewport.height}`);
    assertNoErrors(errors);
  }
});

test('phone: the lesson page with three elements has no horizontal scrolling', async () => {
  const { page, errors } = await openExample({ width: 390, height: 844 });
  const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(m.sw <= m.iw, `no horizontal scrolling (${m.sw} > ${m.iw})`);
  await page.screenshot({ path: path.join(ROOT, 'e2e/screenshots/e2e-phone-embed.png'), fullPage: true });
  assertNoErrors(errors);
});

test('notices for the starting config and for unknown panel names are shown from the start', async () => {
  await env.open();
  const context = await env.browser.newContext({ viewport: { width: 900, height: 700 } });
  env.contexts.push(context);
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${env.server.url}embed-example.html`);
  await page.evaluate(() => {
    const el = document.createElement('unrolled-lab');
    el.id = 'four';
    el.setAttribute('config', 'cells=LSTM&rho=9&foo=1');
    el.setAttribute('panels', 'flow bogus');
    document.body.append(el);
  });
  await page.waitForFunction(() => document.getElementById('four').dataset.ready === 'true');
  await page.evaluate(() => document.getElementById('four').settled());
  const text = await page.evaluate(() => document.getElementById('four').shadowRoot.querySelector('.element-notice').textContent);
  assert.match(text, /rho=9/);
  assert.match(text, /foo/);
  assert.match(text, /bogus/);
  assertNoErrors(errors);
});

/** A blank page of the server's origin with the element's script loaded (nothing else). */
async function blankPage() {
  await env.open();
  const context = await env.browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  env.contexts.push(context);
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${env.server.url}embed-example.html`);
  await page.evaluate(() => document.querySelectorAll('unrolled-lab').forEach((e) => e.remove()));
  return { page, errors };
}

test('a config set while the engine loads is the one drawn (it was lost)', async () => {
  const { page, errors } = await blankPage();
  const r = await page.evaluate(async () => {
    const e = document.createElement('unrolled-lab');
    e.setAttribute('config', 'cells=gru&T=20');
    e.setAttribute('panels', 'flow');
    document.body.append(e);
    e.setAttribute('config', 'cells=rnn_linear&T=33&rho=1.3'); // before the session exists
    await e.settled();
    return { config: e.config, state: e.session.state };
  });
  assert.deepEqual(r.state.cells, ['rnn_linear']);
  assert.equal(r.state.T, 33);
  assert.match(r.config, /T=33/);
  assertNoErrors(errors);
});

test('removed and added again while the engine loads: one lab, one session', async () => {
  const { page, errors } = await blankPage();
  const r = await page.evaluate(async () => {
    const e = document.createElement('unrolled-lab');
    e.setAttribute('config', 'cells=lstm&T=20');
    document.body.append(e);
    e.remove();
    document.body.append(e);
    await e.settled();
    await new Promise((ok) => { setTimeout(ok, 300); });
    return { layouts: e.shadowRoot.querySelectorAll('.layout').length, drawn: !!e.session?.data };
  });
  assert.deepEqual(r, { layouts: 1, drawn: true });
  assertNoErrors(errors);
});

test('in a flex row the element has a width and draws (inline-size containment would make it 0 px)', async () => {
  const { page, errors } = await blankPage();
  const w = await page.evaluate(async () => {
    const row = document.createElement('div');
    row.style.cssText = 'display: flex; gap: 10px; width: 900px';
    const text = document.createElement('p');
    text.textContent = 'A paragraph beside the chart.';
    const e = document.createElement('unrolled-lab');
    e.setAttribute('config', 'cells=rnn_tanh&T=30');
    e.setAttribute('panels', 'flow');
    row.append(text, e);
    document.body.prepend(row);
    await e.settled();
    const layout = e.shadowRoot.querySelector('.layout');
    return { el: e.getBoundingClientRect().width, right: e.getBoundingClientRect().right, row: row.getBoundingClientRect().right, inner: layout.scrollWidth };
  });
  assert.ok(w.el > 300, `element width ${w.el}`);
  assert.ok(w.right <= w.row + 1, `inside its row (${w.right} > ${w.row})`);
  assert.ok(w.inner <= w.el + 1, `its content fits it (${w.inner} > ${w.el})`);
  assertNoErrors(errors);
});
