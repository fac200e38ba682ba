// Shared by the end-to-end test files (not a test file itself: node --test only runs *.test.mjs).
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { launch, openPage, startServer } from '../lib.mjs';

export { ROOT } from '../lib.mjs';

/** One server and one browser for the whole file; `env.open(hash, viewport)` opens a page. */
export function setup() {
  const env = { server: null, browser: null, contexts: [] };
  let started = null;
  const start = () => {
    started ||= (async () => {
      env.server = await startServer();
      env.browser = await launch();
    })();
    return started;
  };
  before(start);
  after(async () => {
    for (const c of env.contexts) await c.close().catch(() => {});
    await env.browser?.close();
    env.server?.close();
  });
  env.open = async (hash = '', viewport, extra = {}) => {
    await start(); // also from other before() hooks, which node may run alongside this one
    const r = await openPage(env.browser, env.server.url, hash, viewport, { deviceScaleFactor: 1, ...extra });
    env.contexts.push(r.context);
    r.context.setDefaultTimeout(10000);
    await settle(r.page);
    return r;
  };
  env.close = async (r) => {
    await r.context.close();
    env.contexts = env.contexts.filter((c) => c !== r.context);
  };
  return env;
}

/**
 * Waits until the page has drawn the newest state: the worker's Jacobian analysis
 * (`__unrolled.settled()`), then one animation frame so any layout-driven redraw has happened.
 */
export async function settle(page) {
  await page.evaluate(async () => {
    const u = window.__unrolled;
    if (typeof u.settled !== 'function') throw new Error('window.__unrolled.settled() is missing');
    await u.settled();
    await new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(r)); });
  });
}

export const CHARTS = ['flow', 'spectrum', 'singular', 'chain'];

/** Pixels (as data URLs) of the main canvases and of every heatmap canvas. */
export async function snap(page) {
  return page.evaluate((ids) => {
    const out = {};
    for (const id of ids) out[id] = document.getElementById(id).toDataURL();
    document.querySelectorAll('#heatmaps figure').forEach((fig, i) => {
      const [frame, cells] = fig.querySelectorAll('canvas');
      out[`heat${i}`] = frame.toDataURL() + cells.toDataURL();
    });
    return out;
  }, CHARTS);
}

/** The names of the canvases whose pixels differ between two snapshots. */
export function changed(a, b) {
  return Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]);
}

export const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__unrolled.state)));
export const hashParams = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.hash.slice(1))));

/** Presses keys on a focused control, then waits for the page to settle. */
export async function keys(page, selector, ...pressed) {
  await page.focus(selector);
  for (const k of pressed) await page.keyboard.press(k);
  await settle(page);
}

export function assertNoErrors(errors, what = 'console/page errors') {
  assert.deepEqual(errors, [], what);
}

/** Moves focus off every control, so document-level keys reach the page's handler. */
export async function focusBody(page) {
  await page.evaluate(() => { document.activeElement?.blur(); document.body.focus(); });
}
