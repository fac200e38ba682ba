// The static site (./scripts/site.sh writes dist/) served as any static host would serve it: by a
// plain `python3 -m http.server`, from a sub-path (/some/path/), not from the server's root. The
// page must load, draw its charts and work, with no console error and no request that leaves the
// origin or the sub-path.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isBlank, launch, record } from '../lib.mjs';
import { ROOT, assertNoErrors, changed, settle, snap } from './helpers.mjs';

const DIST = process.env.UNROLLED_DIST || path.join(ROOT, 'dist');
const SUB = '/some/path/';
let server;
let browser;
let origin;
let tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), `${DIST} is missing: run ./scripts/site.sh first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unrolled-site-'));
  fs.cpSync(DIST, path.join(tmp, SUB), { recursive: true });
  server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', tmp],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  origin = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`http.server did not start: ${buf}`)), 10000);
    server.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/port (\d+)/);
      if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}`); }
    });
    server.on('exit', (code) => reject(new Error(`http.server exited with ${code}: ${buf}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('dist/ holds only what the page loads', () => {
  const files = fs.readdirSync(DIST, { recursive: true }).filter((f) => fs.statSync(path.join(DIST, f)).isFile()).sort();
  assert.ok(files.includes('index.html') && files.includes(path.join('pkg', 'unrolled_bg.wasm')) && files.includes(path.join('pkg', 'unrolled_relaxed_bg.wasm')), files.join(', '));
  const dev = files.filter((f) => /\.d\.ts$|\.test\.|node_modules|\.map$|package\.json$/.test(f));
  assert.deepEqual(dev, [], 'dev-only files in dist/');
});

test('served from a sub-path by python3 -m http.server: loads, draws, works, stays inside', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const { errors, requests } = record(page);
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });

  // Without the trailing slash, as people type it: the server redirects to the folder.
  await page.goto(origin + SUB.replace(/\/$/, ''));
  await page.waitForSelector('body[data-ready=true]', { timeout: 20000 });
  await settle(page);
  assert.equal(new URL(page.url()).pathname, SUB);

  for (const id of ['flow', 'spectrum', 'singular', 'chain']) assert.equal(await isBlank(page.locator(`#${id}`)), false, `#${id} is drawn`);

  // A slider still redraws (the wasm and the analysis worker both loaded from the sub-path).
  const before = await snap(page);
  await page.focus('#rho');
  await page.keyboard.press('End');
  await settle(page);
  assert.ok(changed(before, await snap(page)).includes('flow'), 'the gradient-flow chart did not change');

  const typed = origin + SUB.replace(/\/$/, ''); // the address as typed, before the redirect
  const outside = requests.filter((u) => u !== typed && !u.startsWith(origin + SUB) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, [], 'requests outside the sub-path');
  for (const f of ['js/app.js', 'pkg/js/analysis-worker.js', 'pkg/unrolled_relaxed_bg.wasm', 'style.css']) {
    assert.ok(requests.some((u) => u.startsWith(origin + SUB + f)), `${f} was not loaded from ${SUB}`);
  }
  assert.deepEqual(failed, [], 'failed requests');
  assertNoErrors(errors);
  await context.close();
});

test('the embedding example works from the sub-path too (the elements load pkg/ relative to their script)', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const { errors, requests } = record(page);
  await page.goto(`${origin}${SUB}embed-example.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab')].every((e) => e.dataset.ready === 'true'), null, { timeout: 20000 });
  await page.evaluate(() => Promise.all([...document.querySelectorAll('unrolled-lab')].map((e) => e.settled())));
  for (const id of ['one', 'two', 'three']) assert.equal(await isBlank(page.locator(`#${id}`).locator('#flow')), false, `#${id} draws`);
  const outside = requests.filter((u) => !u.startsWith(origin + SUB) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, [], 'requests outside the sub-path');
  assertNoErrors(errors);
  await context.close();
});
