// Browser benchmark: one model's training passes split across the pool's workers
// (www/js/train-pool.js, train-worker.js "A split run").
//
//   throughput: classify.html with its defaults (2-layer bidirectional LSTM, E = H = 32,
//          dropout 0.5, Adam, batch 32), `?workers=1` against `?workers=2`, A/B in turns (TURNS
//          each, a fresh page each): Play, then the record at iteration ITERS; measured: the wall
//          time from Play to it, the training seconds the record gives (time in iterations:
//          the evaluations, which one worker runs alone, are not in it) and sentences per
//          training second. The same for a race of one LSTM on `adding` (T = 50, H = 32, B = 32).
//   costs: what one split iteration adds, measured in one worker on a Trainer of its own
//          (median of REPS): `chunk_pass` of a chunk of two against the whole pass, `apply_chunks`
//          (combine, clip, Adam), and one hop of the gradients (a Float64Array of 2 + P values,
//          structured-cloned worker → page → worker) for the classifier at H = 32, 64, 128 and
//          the chunk sizes that decide MIN_CHUNK_STEPS (src/train/parallel.rs).
//
//   node e2e/bench/split.mjs [--quick] [--turns N] [--iters N]
// Writes bench/out/split.md and bench/out/split.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launch, startServer } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const TURNS = Number(opt('--turns', quick ? 1 : 3));
const ITERS = Number(opt('--iters', quick ? 50 : 200));
const REPS = quick ? 5 : 21;
const OUT = path.join(ROOT, 'bench/out');
const log = (s) => console.error(s);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

const VIEWS = {
  classifier: { file: 'classify.html', hash: 'budget=3600', global: '__unrolledClassify' },
  race: { file: 'train.html', hash: 'cells=lstm&T=50&H=32&batch=32&budget=3600&until=budget', global: '__unrolledTrain' },
};

async function throughput(browser, server, view, workers) {
  const v = VIEWS[view];
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}${v.file}?workers=${workers}#${v.hash}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
  const t0 = Date.now();
  await page.click('#train-play');
  await page.waitForFunction(([g, n]) => (window[g].session.entrants[0]?.parsed.at(-1)?.iteration ?? 0) >= n, [v.global, ITERS], { timeout: 30 * 60 * 1000, polling: 50 });
  const wall = (Date.now() - t0) / 1000;
  const r = await page.evaluate(([g, n]) => {
    const s = window[g].session;
    s.pause();
    const e = s.entrants[0];
    const rec = e.parsed.find((x) => x.iteration >= n);
    return { iteration: rec.iteration, sequences: rec.sequences, seconds: rec.seconds, ways: e.info.ways ?? 1, made: s.worker.started };
  }, [v.global, ITERS]);
  await page.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return { view, workers, wall, ...r, per_second: r.sequences / r.seconds, load: load() };
}

/** The costs of one split iteration, in a worker of its own (module header). */
async function costs(browser, server) {
  const page = await browser.newPage();
  await page.goto(`${server.url}classify.html`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
  const src = `
    import init, { Trainer } from 'ORIGIN/pkg/unrolled.js';
    const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
    const time = (f, reps) => { const ts = []; for (let i = 0; i < reps; i += 1) { const t = performance.now(); f(); ts.push(performance.now() - t); } return median(ts); };
    onmessage = async ({ data }) => {
      if (data.echo) { postMessage(data); return; }
      try { postMessage({ out: await measure(data) }); } catch (e) { postMessage({ error: String(e) }); }
    };
    async function measure(data) {
      await init();
      const out = [];
      for (const { label, spec } of data.specs) {
        const a = new Trainer(spec); const b = new Trainer(spec); const w = new Trainer(spec);
        // chunk_pass draws the next batch without applying: the model stays, the timing holds.
        const half = time(() => { a.chunk_pass(2, 0); b.chunk_pass(2, 1); }, data.reps) / 2;
        const whole = time(() => { w.run_slice(1e9, 1, false); }, data.reps);
        const both = [a.chunk_pass(2, 0), b.chunk_pass(2, 1)];
        const apply = time(() => { a.apply_chunks(both); }, data.reps);
        out.push({ label, values: both[0].length, half, whole, apply });
        a.free(); b.free(); w.free();
      }
      return out;
    }`;
  const specs = [];
  const cls = (H, batch) => JSON.stringify({ model: { model: 'lstm_classifier', embed_dim: 32, hidden_dim: H, num_layers: 2, bidirectional: true, dropout: 0.5 }, task: { name: 'sentiment' }, optimizer: { name: 'adam', lr: 0.01 }, batch_size: batch, seed: 0, iterations: 1000000, eval_every: 1000000 });
  const seq = (T, batch) => JSON.stringify({ model: { cell: 'lstm', hidden_size: 32 }, task: { name: 'adding', steps: T }, optimizer: { name: 'adam', lr: 0.01 }, batch_size: batch, seed: 0, iterations: 1000000, eval_every: 1000000 });
  for (const H of [32, 64, 128]) specs.push({ label: `classifier H=${H} B=32`, spec: cls(H, 32) });
  for (const B of [4, 8, 16]) specs.push({ label: `classifier H=32 B=${B}`, spec: cls(32, B) });
  for (const [T, B] of [[10, 8], [10, 32], [50, 8], [50, 32]]) specs.push({ label: `adding LSTM H=32 T=${T} B=${B}`, spec: seq(T, B) });
  const out = await page.evaluate(async ([code, sp, reps]) => {
    // A blob worker resolves no path against the page: its imports name the origin.
    const url = URL.createObjectURL(new Blob([code.replace('ORIGIN', location.origin)], { type: 'text/javascript' }));
    const w = new Worker(url, { type: 'module' });
    const ask = (m, transfer = []) => new Promise((resolve, reject) => {
      w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
      w.onerror = (e) => reject(new Error(`cost worker: ${e.message}`));
      w.postMessage(m, transfer);
    });
    const { out: rows } = await ask({ specs: sp, reps });
    for (const r of rows) {
      const ts = [];
      for (let i = 0; i < reps; i += 1) {
        const a = new Float64Array(r.values);
        const t = performance.now();
        const back = await ask({ echo: true, a }); // there and back: two hops
        ts.push((performance.now() - t) / 2);
        if (back.a.length !== a.length) throw new Error('echo');
      }
      r.hop = ts.sort((x, y) => x - y)[ts.length >> 1];
    }
    w.terminate();
    return rows;
  }, [src, specs, REPS]);
  await page.close();
  return out;
}

async function main() {
  const server = await startServer();
  const browser = await launch();
  const started = new Date().toISOString();
  const load0 = load();
  const rows = [];
  let cost = [];
  try {
    cost = await costs(browser, server);
    for (const c of cost) log(`${c.label}: P+2 = ${c.values}, whole pass+step ${c.whole.toFixed(2)} ms, half pass ${c.half.toFixed(2)} ms, apply ${c.apply.toFixed(2)} ms, hop ${c.hop.toFixed(2)} ms`);
    for (const view of ['classifier', 'race']) {
      for (let turn = 0; turn < TURNS; turn += 1) {
        for (const workers of [1, 2]) {
          const r = await throughput(browser, server, view, workers);
          rows.push({ turn, ...r });
          log(`${view}, ${workers} worker(s) (split ${r.ways}), turn ${turn + 1}: iteration ${r.iteration} after ${r.wall.toFixed(1)} s wall, ${r.seconds.toFixed(2)} s training, ${r.per_second.toFixed(0)} sequences per training second; load ${r.load}`);
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  const md = [`split.mjs, ${started} → ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}; load average ${load0} → ${load()}`, '',
    '| work | gradient values | whole iteration, one worker | half pass (a chunk of 2) | apply_chunks | one hop |', '|---|---|---|---|---|---|',
    ...cost.map((c) => `| ${c.label} | ${c.values} | ${c.whole.toFixed(2)} ms | ${c.half.toFixed(2)} ms | ${c.apply.toFixed(2)} ms | ${c.hop.toFixed(2)} ms |`), '',
    '| view | workers | split | turn | iteration | wall s | training s | sequences / training s | load |', '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.view} | ${r.workers} | ${r.ways} | ${r.turn + 1} | ${r.iteration} | ${r.wall.toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.per_second.toFixed(0)} | ${r.load} |`)].join('\n');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'split.md'), `${md}\n`);
  fs.writeFileSync(path.join(OUT, 'split.json'), JSON.stringify({ cost, rows }, null, 1));
  console.log(md);
}

main().catch((e) => { console.error(e); process.exit(1); });
