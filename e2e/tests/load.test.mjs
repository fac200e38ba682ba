// The page loads cleanly and works offline: no console errors, no page errors, and no request
// leaves its own origin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, changed, setup, settle, snap } from './helpers.mjs';

const env = setup();

test('loads with no errors and only same-origin requests', async () => {
  const { page, errors, requests } = await env.open();
  assert.ok(requests.length >= 5, `expected the page's own files to be requested, got ${requests.length}`);
  const foreign = requests.filter((u) => !u.startsWith(env.server.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign, [], 'requests outside the page origin');
  // (Chromium has relaxed SIMD: the page loads that build of the core, www/js/wasm-build.js.)
  for (const f of ['js/app.js', 'pkg/unrolled_relaxed_bg.wasm', 'style.css']) {
    assert.ok(requests.some((u) => u.startsWith(env.server.url + f)), `${f} was not loaded`);
  }
  // Interacting must not fetch anything from elsewhere either.
  await page.focus('#rho');
  await page.keyboard.press('End');
  await settle(page);
  assert.deepEqual(requests.filter((u) => !u.startsWith(env.server.url) && !u.startsWith('data:') && !u.startsWith('blob:')), []);
  assertNoErrors(errors);
});

test('works with the network cut off after load (offline)', async () => {
  const r = await env.open();
  await r.context.setOffline(true);
  const before = await snap(r.page);
  await r.page.focus('#steps');
  await r.page.keyboard.press('ArrowLeft');
  await settle(r.page);
  const after = await snap(r.page);
  assert.ok(changed(before, after).includes('flow'));
  assertNoErrors(r.errors);
});

test('the charts are drawn (not blank) and the state is the documented default', async () => {
  const { page, errors } = await env.open();
  const s = await page.evaluate(() => window.__unrolled.state);
  assert.deepEqual(s.cells, ['rnn_tanh', 'lstm', 'gru']);
  assert.equal(s.H, 32);
  assert.equal(s.T, 100);
  const blank = await page.evaluate(() => ['flow', 'spectrum', 'singular', 'chain'].filter((id) => {
    const c = document.getElementById(id);
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 16) { seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]); if (seen.size > 8) return false; }
    return true;
  }));
  assert.deepEqual(blank, [], 'canvases with (almost) a single colour');
  assert.ok((await page.locator('#heatmaps figure').count()) >= 6, 'LSTM heatmaps');
  assert.equal(await page.locator('#banner').isVisible(), false);
  assertNoErrors(errors);
});
