// Shared by the end-to-end tests and the browser benchmarks: start the static server on a free
// loopback port and launch Debian's Chromium through playwright-core (no browser download).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Serves www/ with /pkg/ → pkg/ (the package the build writes) and /vendor/ → e2e/node_modules. `mounts` adds more prefixes, e.g.
 * `{ '/bench/': 'e2e/bench/page' }` (directories relative to the repository root, or absolute).
 */
export async function startServer(mounts = {}) {
  const extra = Object.entries(mounts).flatMap(([prefix, dir]) => [
    '--mount', `${prefix}=${path.resolve(ROOT, dir)}/`,
  ]);
  const proc = spawn('node', [
    path.join(ROOT, 'scripts/serve.mjs'), '--root', path.join(ROOT, 'www'), '--port', '0',
    '--mount', `/vendor/=${path.join(ROOT, 'e2e/node_modules')}/`,
    '--mount', `/pkg/=${path.join(ROOT, 'pkg')}/`, ...extra,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30000); // a loaded 2-core machine
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, close: () => proc.kill() };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Records a page's console errors, page errors and requested URLs (as they happen). */
export function record(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  return { errors, requests };
}

/** Is the canvas a locator points at (almost) one colour? (Locators reach into shadow roots.) */
export const isBlank = (canvas) => canvas.evaluate((c) => {
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < px.length; i += 16) { seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]); if (seen.size > 8) return false; }
  return true;
});

/** Opens the page (with an optional hash), records console errors and page errors. */
export async function openPage(browser, url, hash = '', viewport = { width: 1280, height: 720 }, extra = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...extra });
  const page = await context.newPage();
  const { errors, requests } = record(page);
  await page.goto(url + (hash ? `#${hash}` : ''));
  await page.waitForSelector('body[data-ready=true]', { timeout: 20000 });
  return { page, context, errors, requests };
}
