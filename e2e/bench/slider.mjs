// Browser benchmark: drag the spectral-radius slider (#rho) of the default scene (RNN tanh, LSTM,
// GRU side by side, H=32, T=100) at 1280×720 with the real mouse, and report the page's User
// Timing measures:
//   update   – input event → synchronous recompute and redraw done
//   analysis – input event → the Web Worker's Jacobian curves drawn (only the newest request is
//              drawn, so there are fewer of these than updates)
// plus the longest main-thread task seen by a `longtask` PerformanceObserver (tasks ≥ 50 ms).
//   node e2e/bench/slider.mjs [--moves 100] [--interval 16]
// Prints JSON and a markdown table; writes the table to bench/out/slider.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startServer, launch, openPage } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const moves = Number(opt('--moves', 100));
const interval = Number(opt('--interval', 16)); // ms between mouse moves (~60 Hz pointer)
const OUT = path.join(ROOT, 'bench/out/slider.md');

function stats(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  const p95 = s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]; // nearest rank
  return { n: s.length, median, p95, max: s[s.length - 1] };
}

const load0 = os.loadavg()[0];
const server = await startServer();
const browser = await launch();
let result;
try {
  const { page, errors } = await openPage(browser, server.url);
  // Let the first analysis land, then start from a clean slate.
  await page.waitForSelector('body[data-analysis=ready]', { timeout: 30000 }).catch(() => {});
  await page.evaluate(() => {
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
    performance.clearMeasures();
  });
  const box = await page.locator('#rho').boundingBox();
  if (!box) throw new Error('#rho is not visible at 1280×720');
  const y = box.y + box.height / 2;
  const x0 = box.x + 2;
  const x1 = box.x + box.width - 2;
  await page.mouse.move(x0, y);
  await page.mouse.down();
  for (let k = 1; k <= moves; k++) {
    await page.mouse.move(x0 + ((x1 - x0) * k) / moves, y);
    if (interval > 0) await page.waitForTimeout(interval);
  }
  await page.mouse.up();
  // The last analysis, then a moment for any trailing long task to be reported.
  await page.waitForSelector('body[data-analysis=ready]', { timeout: 30000 }).catch(() => {});
  await page.waitForTimeout(300);
  const data = await page.evaluate(() => ({
    update: performance.getEntriesByName('update', 'measure').map((e) => e.duration),
    analysis: performance.getEntriesByName('analysis', 'measure').map((e) => e.duration),
    longtasks: window.__longtasks,
    rho: document.getElementById('rho').value,
    dpr: devicePixelRatio,
  }));
  const longest = data.longtasks.reduce((m, t) => Math.max(m, t.duration), 0);
  result = {
    viewport: '1280x720', moves, interval_ms: interval, final_rho: Number(data.rho),
    update: stats(data.update),
    analysis: stats(data.analysis),
    long_tasks: data.longtasks.length,
    longest_task_ms: data.longtasks.length ? longest : null,
    page_errors: errors,
  };
} finally {
  await browser.close();
  server.close();
}
const load1 = os.loadavg()[0];
result.load_average = [load0, load1];

const f = (x) => (x == null ? '–' : `${x.toFixed(1)} ms`);
const ok = (b) => (b ? '✓' : '✗');
const u = result.update;
const a = result.analysis;
const lines = [
  '| measure | n | median | p95 | max | goal |',
  '|---|---|---|---|---|---|',
  u ? `| update (input → redraw) | ${u.n} | ${f(u.median)} | ${f(u.p95)} | ${f(u.max)} | median < 8 ms ${ok(u.median < 8)}, p95 < 16 ms ${ok(u.p95 < 16)} |`
    : '| update | 0 | – | – | – | no measures recorded ✗ |',
];
if (a) lines.push(`| analysis (input → worker curves drawn) | ${a.n} | ${f(a.median)} | ${f(a.p95)} | ${f(a.max)} | – |`);
lines.push(`| longest main-thread task | ${result.long_tasks} ≥ 50 ms | | | ${result.longest_task_ms == null ? 'none ≥ 50 ms' : f(result.longest_task_ms)} | no task > 50 ms ${ok(result.longest_task_ms == null || result.longest_task_ms <= 50)} |`);
const table = lines.join('\n');
const note = `Default scene (RNN tanh, LSTM, GRU; H=32, T=100), 1280×720, headless Chromium; ${moves} mouse moves `
  + `${interval} ms apart across #rho (0 → 1.6). ${os.cpus()[0]?.model ?? os.arch()}, ${os.cpus().length} cores; `
  + `1-min load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end.`
  + (a ? '' : ' No `analysis` measures were recorded.');
console.log(JSON.stringify(result, null, 1));
console.log();
console.log(table);
console.log();
console.log(note);
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, `# Slider drag in the page\n\n${table}\n\n${note}\n`);
console.error(`written to ${path.relative(ROOT, OUT)}`);
