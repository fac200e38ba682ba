// The training worker's protocol (www/js/train-worker.js, written at its top), spoken to directly
// from a page: a bad spec is an error naming its field and the worker lives on; start, step,
// resume, pause, final, abort and an unknown message each answer as documented; and a worker
// given `?wasm=simd128` (as a page forced to the fallback passes it on) loads the plain build.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage, startServer } from '../lib.mjs';

let server;
let browser;
let page;
let context;
before(async () => {
  server = await startServer();
  browser = await launch();
  ({ page, context } = await openPage(browser, `${server.url}train.html`, 'T=10&H=4&batch=4'));
  // A worker of our own and a log of what it says; `until(pred)` waits for a message.
  await page.evaluate(() => {
    const w = new Worker('/pkg/js/train-worker.js', { type: 'module' });
    const log = [];
    const waiting = [];
    w.onmessage = (e) => {
      log.push(e.data);
      for (const x of [...waiting]) if (x.pred(e.data)) { waiting.splice(waiting.indexOf(x), 1); x.resolve(e.data); }
    };
    window.__w = {
      w,
      log,
      post: (m) => w.postMessage(m),
      // The first message from index `from` on where `src` holds; resolves to its index too.
      until: (src, from = 0) => new Promise((resolve, reject) => {
        // eslint-disable-next-line no-new-func
        const test = new Function('m', `return ${src};`);
        const pred = (m) => log.indexOf(m) >= from && test(m);
        const hit = log.find(pred);
        if (hit) { resolve({ ...hit, at: log.indexOf(hit) }); return; }
        waiting.push({ pred, resolve: (m) => resolve({ ...m, at: log.indexOf(m) }) });
        setTimeout(() => reject(new Error(`no message where ${src}; got ${log.map((m) => m.type).join(', ')}`)), 20000);
      }),
    };
  });
});
after(async () => { await context?.close(); await browser?.close(); server?.close(); });

const spec = (extra = {}) => JSON.stringify({
  model: { cell: 'gru', hidden_size: 4 }, task: { name: 'adding', steps: 10 },
  seconds: 60, eval_every: 5, eval_size: 16, batch_size: 4, seed: 3, ...extra,
});
const post = (m) => page.evaluate((x) => window.__w.post(x), m);
const until = (src, from = 0) => page.evaluate(([s, f]) => window.__w.until(s, f), [src, from]);
const since = (n) => page.evaluate((k) => window.__w.log.slice(k), n);
const count = () => page.evaluate(() => window.__w.log.length);

test('a bad spec is an error naming the field; nothing starts and the worker lives on', async () => {
  // `ready` names the build of the core the worker loaded: its own best here (no ?wasm= in its
  // URL), relaxed SIMD in Chromium, as the page's own (which the page passes on to its workers).
  const ready = await until("m.type === 'ready'");
  assert.equal(ready.wasmBuild, 'relaxed-simd');
  assert.equal(await page.evaluate(() => document.body.dataset.wasmBuild), 'relaxed-simd');
  await post({ type: 'start', specs: [{ entrant: 'gru', spec: spec({ batch_size: 0 }) }], paused: true, run: 1 });
  const e = await until("m.type === 'error' && m.run === 1");
  assert.equal(e.field, 'batch_size');
  assert.equal(e.fatal, false);
  assert.match(e.message, /^batch_size: /);
  assert.equal((await since(0)).filter((m) => m.type === 'started').length, 0);
});

test('start paused, step: one evaluation period; resume and pause', async () => {
  await post({ type: 'start', specs: [{ entrant: 'gru', spec: spec() }], paused: true, run: 2 });
  const started = await until("m.type === 'started' && m.run === 2");
  assert.equal(started.entrants[0].info.success_field, 'test_solved');
  await until("m.type === 'state' && m.run === 2 && m.running === false");
  const n0 = await count();
  await post({ type: 'step' });
  const stepping = await until("m.type === 'state' && m.stepping === true", n0);
  const stepped = await until("m.type === 'state' && m.running === false && !m.stepping", stepping.at + 1);
  const stepRecords = (await since(n0)).slice(0, stepped.at - n0).filter((m) => m.type === 'record').map((m) => JSON.parse(m.record).iteration);
  assert.deepEqual(stepRecords, [0, 5], 'the record at 0 and the next one');
  await post({ type: 'resume' });
  await until("m.type === 'record' && JSON.parse(m.record).iteration >= 30");
  const n2 = await count();
  await post({ type: 'pause' });
  const paused = await until("m.type === 'state' && m.running === false", n2);
  await page.waitForTimeout(400);
  const after = (await since(paused.at + 1)).map((m) => m.type);
  assert.ok(!after.includes('record'), `no record after the pause was answered (${after})`);
});

test('final answers with the parameters by name; abort drops the run; an unknown message is an error', async () => {
  await post({ type: 'final', entrant: 'gru', id: 7 });
  const f = await until("m.type === 'final' && m.id === 7");
  const params = JSON.parse(f.params);
  assert.ok(Array.isArray(params['rnn.weight_hh_l0']) && Array.isArray(params['fc.weight']));
  assert.equal(f.record, null, 'the budget is not spent yet');
  await post({ type: 'abort' });
  await until("m.type === 'aborted'");
  await post({ type: 'final', entrant: 'gru', id: 8 });
  const gone = await until("m.type === 'error' && /no entrant/.test(m.message)");
  assert.equal(gone.fatal, false);
  await post({ type: 'dance' });
  const unknown = await until("m.type === 'error' && /unknown message \"dance\"/.test(m.message)");
  assert.equal(unknown.fatal, false);
  // Still alive: a new run starts and steps.
  await post({ type: 'start', specs: [{ entrant: 'gru', spec: spec() }], paused: true, run: 3 });
  await until("m.type === 'started' && m.run === 3");
  await post({ type: 'step' });
  await until("m.type === 'record' && m.run === 3 && JSON.parse(m.record).iteration === 5");
});

test('?wasm=simd128 in the worker\'s URL loads the plain simd128 build (the fallback)', async () => {
  const build = await page.evaluate(() => new Promise((resolve, reject) => {
    const w = new Worker('/pkg/js/train-worker.js?wasm=simd128', { type: 'module' });
    w.onmessage = (e) => { if (e.data.type === 'ready') { w.terminate(); resolve(e.data.wasmBuild); } };
    setTimeout(() => reject(new Error('no ready')), 20000);
  }));
  assert.equal(build, 'simd128');
});

test('?wasm=simd128 in the page\'s URL forces the fallback for the page and its workers', async () => {
  const p = await context.newPage();
  const workers = [];
  p.on('worker', (w) => workers.push(w.url()));
  await p.goto(`${server.url}train.html?wasm=simd128#T=10&H=4&batch=4`);
  await p.waitForSelector('body[data-ready]');
  assert.equal(await p.evaluate(() => document.body.dataset.wasmBuild), 'simd128');
  await p.click('#train-play');
  for (let i = 0; i < 100 && !workers.length; i++) await p.waitForTimeout(100); // Play starts the worker
  assert.ok(workers.length > 0 && workers.every((u) => u.includes('wasm=simd128')), workers.join(', '));
  await p.close();
});
