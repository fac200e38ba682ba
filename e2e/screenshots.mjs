// Writes screenshots of the page and of each panel to e2e/screenshots/ for a person to review.
//   node e2e/screenshots.mjs
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, launch, openPage, startServer } from './lib.mjs';

const out = path.join(ROOT, 'e2e/screenshots');
fs.mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launch();
try {
  const shots = [
    ['default', '', { width: 1280, height: 720 }],
    ['tablet', '', { width: 820, height: 1180 }],
    ['exploding', 'cells=rnn_linear,rnn_tanh,lstm,gru&scale=rho&sv=1.25&T=200', { width: 1280, height: 720 }],
    ['nonnormal', '', { width: 1280, height: 720 }, true],
  ];
  for (const [name, hash, viewport, preset] of shots) {
    const { page, errors, context } = await openPage(browser, server.url, hash, viewport, { deviceScaleFactor: 1 });
    if (preset) await page.click('#preset-nonnormal');
    await page.evaluate(() => window.__unrolled.settled());
    await page.screenshot({ path: path.join(out, `${name}-full.png`), fullPage: true });
    if (name === 'default' || name === 'exploding' || name === 'nonnormal') {
      for (const id of ['panel-flow', 'panel-spectrum', 'panel-chain', 'panel-gates', 'panel-spectrum-controls', 'panel-clip']) {
        await page.locator(`#${id}`).screenshot({ path: path.join(out, `${name}-${id}.png`) });
      }
    }
    if (errors.length) console.error(name, errors);
    await context.close();
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  server.close();
}
