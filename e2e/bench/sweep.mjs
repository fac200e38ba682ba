// Browser benchmark: the training view's sweep with its defaults (or HASH), as a learner runs
// it: train.html#mode=sweep, Play, wait until the last length is done. Prints the wall time,
// each cell's points (mean best held-out success, seeds that reached the criterion) and the
// sweep's words (the live note), and takes screenshots at 1280×720 and 390×844 of the result.
//
//   node e2e/bench/sweep.mjs [HASH] [SHOTS_DIR]
import { launch, startServer } from '../lib.mjs';

const hash = process.argv[2] || 'mode=sweep';
const shots = process.argv[3] || '';
const server = await startServer();
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
await page.goto(`${server.url}train.html#${hash}`);
await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
const t0 = Date.now();
await page.click('#train-play');
await page.waitForFunction(() => {
  const sw = window.__unrolledTrain.session.sweep;
  return sw && sw.index >= sw.steps.length;
}, null, { timeout: 30 * 60 * 1000, polling: 250 });
const wall = (Date.now() - t0) / 1000;
await page.waitForTimeout(500);
const r = await page.evaluate(() => {
  const s = window.__unrolledTrain.session;
  return { state: s.encode(), steps: s.sweep.steps, points: s.sweep.points, note: document.querySelector('#train-sweep-note').textContent };
});
console.log(JSON.stringify({ wall, cores: (await import('node:os')).cpus().length, ...r, errors }, null, 1));
if (shots) {
  await page.locator('#panel-train-sweep').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/sweep-1280.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  await page.locator('#panel-train-sweep').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/sweep-390.png` });
}
await browser.close();
server.close();
