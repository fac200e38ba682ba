// Screenshots for a person to review (e2e/screenshots/, git-ignored), and the tablet layout has
// no horizontal scrollbar.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, assertNoErrors, setup } from './helpers.mjs';

const env = setup();
const OUT = path.join(ROOT, 'e2e/screenshots');
const PANELS = ['panel-flow', 'panel-spectrum', 'panel-chain', 'panel-gates', 'panel-model', 'panel-spectrum-controls', 'panel-clip'];
const SIZES = { desktop: { width: 1280, height: 720 }, tablet: { width: 820, height: 1180 } };

for (const [name, viewport] of Object.entries(SIZES)) {
  test(`screenshots at ${name} size (${viewport.width}×${viewport.height})`, async () => {
    fs.mkdirSync(OUT, { recursive: true });
    const { page, errors } = await env.open('', viewport);
    const full = path.join(OUT, `e2e-${name}-full.png`);
    await page.screenshot({ path: full, fullPage: true });
    assert.ok(fs.statSync(full).size > 20000);
    for (const id of PANELS) {
      const file = path.join(OUT, `e2e-${name}-${id}.png`);
      await page.locator(`#${id}`).screenshot({ path: file });
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(box.width > 150 && box.height > 80, `#${id} is ${box.width}×${box.height}`);
      assert.ok(box.x >= 0 && box.x + box.width <= viewport.width + 0.5, `#${id} inside the viewport horizontally`);
    }
    assertNoErrors(errors);
  });
}

test('tablet (820×1180): no horizontal scrollbar, also with all five cells and H ≤ 8', async () => {
  for (const hash of ['', 'cells=rnn_tanh,rnn_relu,rnn_linear,lstm,gru&H=8&clip=norm']) {
    const { page, errors } = await env.open(hash, SIZES.tablet);
    const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
    assert.ok(m.sw <= m.iw, `scrollWidth ${m.sw} > innerWidth ${m.iw} (#${hash})`);
    if (hash) await page.screenshot({ path: path.join(OUT, 'e2e-tablet-five-cells-full.png'), fullPage: true });
    assertNoErrors(errors);
  }
});
