// Browser benchmark: how long the course page and each lesson take to load from the static site,
// and how many bytes they pull, as a learner's browser sees it the first time.
//
// `dist/` (./scripts/site.sh) is served by `python3 -m http.server` (no compression, as the
// simplest host would). For each page, `--runs` times (default 3): a fresh browser context (empty
// cache, no service worker), the page opened, timed from the navigation until the lesson runtime
// is ready and every widget element on it has started and drawn (`dataset.ready`, then each
// element's `settled()`: the lab's worker curves, the classifier's first reading of its
// sentence). Bytes are the response bodies and headers of every request of the page and of its
// workers (the wasm once per page: the workers reuse the page's cached module), as the browser
// reports them; a request it reports no size for in 5 s (often the service worker's own script,
// sw.js; now and then a module or a worker's script) counts the size of its file in dist/ (what
// http.server sends, uncompressed) and no headers, and the table says how many requests were
// counted that way. Prints a markdown table with the median time and the machine line (CPU,
// cores, load average before and after).
//
//   node e2e/bench/lesson-load.mjs [--runs 3] [--dist dist]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launch } from '../lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const RUNS = Number(arg('runs', 3));
const DIST = path.resolve(ROOT, arg('dist', 'dist'));
if (!fs.existsSync(path.join(DIST, 'lessons/index.html'))) {
  console.error(`error: ${DIST} has no lessons/index.html: run ./scripts/site.sh first`);
  process.exit(2);
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const port = await freePort();
const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', DIST], { stdio: 'ignore' });
const base = `http://127.0.0.1:${port}/`;
for (let k = 0; ; k += 1) {
  try { await fetch(base); break; } catch { if (k > 100) throw new Error('http.server did not start'); await new Promise((r) => { setTimeout(r, 100); }); }
}

const WIDGETS = 'unrolled-lab, unrolled-train, unrolled-classify';

/** The size of the file in dist/ that `url` (of this server) names: what http.server sends for it. */
function onDisk(url) {
  const file = path.join(DIST, decodeURIComponent(new URL(url).pathname));
  if (!file.startsWith(DIST)) throw new Error(`lesson-load: ${url} is outside dist/`);
  try {
    const st = fs.statSync(file);
    return st.isDirectory() ? fs.statSync(path.join(file, 'index.html')).size : st.size;
  } catch {
    throw new Error(`lesson-load: no size for ${url}: the browser reported none and dist/ has no such file`);
  }
}
const pages = ['index.html', ...fs.readdirSync(path.join(DIST, 'lessons')).filter((f) => /^\d+-.*\.html$/.test(f)).sort()];
const load0 = os.loadavg();
const browser = await launch();
const rows = [];
for (const page of pages) {
  const times = [];
  let bytes = 0;
  let fromDisk = 0;
  let requests = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const sizes = [];
    // A request's sizes are asked for once it finished; one the browser reports none for counts
    // its file on disk (`fromDisk`).
    const late = () => new Promise((r) => { setTimeout(() => r(null), 5000); });
    context.on('requestfinished', (req) => {
      sizes.push(Promise.race([req.sizes().then((s) => s.responseBodySize + s.responseHeadersSize, () => null), late()])
        .then((n) => (n === null ? { bytes: onDisk(req.url()), fromDisk: 1 } : { bytes: n, fromDisk: 0 })));
    });
    const p = await context.newPage();
    const t0 = performance.now();
    await p.goto(`${base}lessons/${page}`);
    await p.waitForSelector('body[data-lesson-ready=true]', { timeout: 60000 });
    await p.waitForFunction((q) => [...document.querySelectorAll(q)].every((e) => e.dataset.ready === 'true'), WIDGETS, { timeout: 60000 });
    await p.evaluate(async (q) => { await Promise.all([...document.querySelectorAll(q)].map((e) => e.settled?.())); }, WIDGETS);
    times.push((performance.now() - t0) / 1000);
    const counted = await Promise.all(sizes);
    bytes = counted.reduce((a, b) => a + b.bytes, 0);
    fromDisk = counted.reduce((a, b) => a + b.fromDisk, 0);
    requests = counted.length;
    await context.close();
  }
  times.sort((a, b) => a - b);
  rows.push({ page, median: times[Math.floor(times.length / 2)], times, bytes, requests, fromDisk });
  console.error(`${page}: ${times.map((t) => t.toFixed(2)).join(', ')} s, ${(bytes / 1e6).toFixed(2)} MB (${requests} requests, ${fromDisk} sized from disk)`);
}
await browser.close();
server.kill();
const load1 = os.loadavg();

console.log(`| page | load (median of ${RUNS}) | runs | downloaded (last run) | requests (of them sized from disk) |`);
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.page} | ${r.median.toFixed(2)} s | ${r.times.map((t) => t.toFixed(2)).join(', ')} | ${(r.bytes / 1e6).toFixed(2)} MB | ${r.requests} (${r.fromDisk}) |`);
console.log('\nDownloaded: the response bodies and headers the browser reports for every request of the page and its workers; a request it reports no size for within 5 s (often sw.js, the service worker\'s script; now and then a module) counts its file in dist/, uncompressed as http.server sends it, without headers.');
console.log(`\n${os.cpus()[0].model}, ${os.cpus().length} cores; ${new Date().toISOString()}; load average ${load0[0].toFixed(1)} before, ${load1[0].toFixed(1)} after.`);
