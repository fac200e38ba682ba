// Browser benchmark of the classifier view (classify.html), as issue 9's goals state them.
//
// 1. The DEFAULT classifier (the page's defaults: the course's 2-layer bidirectional LSTM, E = H =
//    32, dropout 0.5, Adam 10⁻², batch 32, seed 0, a 60 s budget of training time) trained in the
//    page's worker from the page's own Play button, in headless Chromium: the first log record
//    with test accuracy ≥ 95 % (its iteration, sentences, the run's own training seconds, and the
//    wall-clock seconds from the click, evaluations and drawing included) and the final record.
//    Everything is read from the page's log records (`session.entrants[0].parsed`), never pixels.
// 2. The 2-layer bidirectional LSTM against the 1-layer forward one (`bidir=off&layers=1` in the
//    link) on the long-range test sentences, after the same 60 s budget, for each seed.
// 3. Training throughput, sentences per second of training time (`sequences / seconds` of the
//    final record): the page's wasm against `target/release/unrolled train` on the very spec the
//    page trained (`session.specs()`), for each model and seed.
//
//   node e2e/bench/classify.mjs [--seeds 0,1,2] [--budget 60] [--no-native]
// Writes bench/out/classify.json and bench/out/classify.md (tables and the machine line).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launch, openPage, startServer } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const seeds = opt('--seeds', '0').split(',').map(Number);
const budget = Number(opt('--budget', '60'));
const withNative = !args.includes('--no-native');
const BIN = path.join(ROOT, 'target/release/unrolled');
const OUT = path.join(ROOT, 'bench/out');
const log = (s) => console.error(s);
const MODELS = [
  { key: 'bi2', label: '2 layers, bidirectional (default)', hash: '' },
  { key: 'uni1', label: '1 layer, forward only', hash: 'bidir=off&layers=1' },
];

/** One run in a fresh page: Play, then wait for the budget's end; the records and wall stamps. */
async function run(browser, url, model, seed) {
  const hash = [model.hash, seed ? `seed=${seed}` : '', budget !== 60 ? `budget=${budget}` : ''].filter(Boolean).join('&');
  const { page, context, errors } = await openPage(browser, `${url}classify.html`, hash);
  try {
    await page.waitForSelector('#panel-cls-sentence[data-ready=true]', { timeout: 60000 });
    await page.evaluate(() => {
      const s = window.__unrolledClassify.session;
      window.__stamps = { t0: null, at: {} };
      s.addEventListener('records', () => {
        const r = s.entrants[0].parsed.at(-1);
        window.__stamps.at[r.iteration] = performance.now();
      });
    });
    await page.evaluate(() => { window.__stamps.t0 = performance.now(); });
    await page.click('#train-play');
    await page.waitForFunction(() => window.__unrolledClassify.session.entrants[0]?.final, null, { timeout: (budget * 4 + 120) * 1000, polling: 1000 });
    await page.waitForTimeout(500);
    const out = await page.evaluate(() => {
      const s = window.__unrolledClassify.session;
      const e = s.entrants[0];
      return { spec: s.specs()[0].spec, records: e.parsed, final: e.final, stamps: window.__stamps, build: s.core.wasmBuild };
    });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const first = out.records.find((r) => r.test_accuracy >= 0.95);
    const last = out.records.at(-1);
    return {
      spec: out.spec,
      build: out.build,
      reached: first ? { iteration: first.iteration, sequences: first.sequences, seconds: first.seconds, wall: (out.stamps.at[first.iteration] - out.stamps.t0) / 1000 } : null,
      final: { iteration: last.iteration, sequences: last.sequences, seconds: last.seconds, accuracy: last.test_accuracy, long_range: last.test_accuracy_long_range, best: out.final.best_test_accuracy },
      wall: (out.stamps.at[last.iteration] - out.stamps.t0) / 1000,
      rate: last.sequences / last.seconds,
    };
  } finally {
    await context.close();
  }
}

/** The same spec natively (release build): its final record's rate and accuracy. */
function native(spec) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unrolled-cls-'));
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  const lines = execFileSync(BIN, ['train', file], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').map((l) => JSON.parse(l));
  const fin = lines.at(-1);
  const first = lines.find((r) => r.test_accuracy >= 0.95 && !r.final);
  return { rate: fin.sequences / fin.seconds, sequences: fin.sequences, seconds: fin.seconds, accuracy: fin.test_accuracy, long_range: fin.test_accuracy_long_range, reached: first ? { iteration: first.iteration, seconds: first.seconds } : null };
}

const pct = (x) => (x == null ? '—' : `${(100 * x).toFixed(1)} %`);
const int = (x) => Math.round(x).toLocaleString('en');

function report(rows, machine) {
  const out = [];
  const def = rows.find((r) => r.model === 'bi2' && r.seed === seeds[0]);
  out.push(`## 1. The default classifier, trained in the page (seed ${def.seed}, budget ${budget} s of training)\n`);
  out.push('| reaches 95 % test accuracy | iteration | sentences | training time | wall time from Play | final test accuracy (best) | long-range | wasm build |');
  out.push('|---|---|---|---|---|---|---|---|');
  const r = def.browser.reached;
  out.push(`| ${r ? 'yes' : 'no'} | ${r ? int(r.iteration) : '—'} | ${r ? int(r.sequences) : '—'} | ${r ? `${r.seconds.toFixed(1)} s` : '—'} | ${r ? `${r.wall.toFixed(1)} s` : '—'} | ${pct(def.browser.final.accuracy)} (${pct(def.browser.final.best)}) | ${pct(def.browser.final.long_range)} | ${def.browser.build} |`);
  out.push(`\nGoal: ≥ 95 % within 2 minutes — ${r && r.wall <= 120 ? `**met** (${r.wall.toFixed(1)} s of wall time)` : '**not met**'}.\n`);
  out.push(`## 2. Long-range test sentences after ${budget} s of training, in the page\n`);
  out.push('| seed | model | test accuracy | long-range | sentences seen | 95 % reached at (training s) |');
  out.push('|---|---|---|---|---|---|');
  for (const x of rows) {
    const m = MODELS.find((k) => k.key === x.model);
    out.push(`| ${x.seed} | ${m.label} | ${pct(x.browser.final.accuracy)} | ${pct(x.browser.final.long_range)} | ${int(x.browser.final.sequences)} | ${x.browser.reached ? x.browser.reached.seconds.toFixed(1) : '—'} |`);
  }
  const gaps = seeds.map((s) => {
    const [b, u] = ['bi2', 'uni1'].map((k) => rows.find((x) => x.seed === s && x.model === k).browser.final.long_range);
    return 100 * (b - u);
  });
  out.push(`\nLong-range gap (bidirectional 2-layer − forward 1-layer), points: ${gaps.map((g) => g.toFixed(1)).join(', ')} (seeds ${seeds.join(', ')}).\n`);
  if (rows[0].native) {
    out.push('## 3. Training throughput: wasm in the page against native on the same spec\n');
    out.push('| seed | model | wasm (page) sentences/s | native sentences/s | native / wasm | native: test accuracy, long-range |');
    out.push('|---|---|---|---|---|---|');
    for (const x of rows) {
      const m = MODELS.find((k) => k.key === x.model);
      out.push(`| ${x.seed} | ${m.label} | ${int(x.browser.rate)} | ${int(x.native.rate)} | ${(x.native.rate / x.browser.rate).toFixed(2)}× | ${pct(x.native.accuracy)}, ${pct(x.native.long_range)} |`);
    }
    out.push('\nGoal: wasm within 2× of native (native / wasm ≤ 2).\n');
  }
  out.push(machine);
  return out.join('\n');
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'pkg/unrolled.js'))) throw new Error('build the page first: bash scripts/build-web.sh');
  if (withNative && !fs.existsSync(BIN)) throw new Error('build the CLI first: cargo build --release --bin unrolled');
  const load0 = os.loadavg();
  const started = new Date();
  const server = await startServer();
  const browser = await launch();
  const rows = [];
  let chromium;
  try {
    chromium = browser.version();
    for (const seed of seeds) {
      for (const model of MODELS) {
        log(`seed ${seed}, ${model.label}: ${budget} s in the page`);
        rows.push({ seed, model: model.key, browser: await run(browser, server.url, model, seed) });
        log(`  ${JSON.stringify(rows.at(-1).browser.final)} reached ${JSON.stringify(rows.at(-1).browser.reached)}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (withNative) {
    for (const x of rows) {
      log(`seed ${x.seed}, ${x.model}: natively`);
      x.native = native(x.browser.spec);
    }
  }
  const load1 = os.loadavg();
  const machine = `Machine: ${os.cpus()[0]?.model ?? os.arch()}, ${os.cpus().length} cores; Chromium ${chromium} headless; `
    + `load average (1/5/15 min) ${load0.map((x) => x.toFixed(2)).join(' / ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' / ')} at the end; `
    + `${started.toISOString()} to ${new Date().toISOString()}.`;
  const md = report(rows, machine);
  for (const x of rows) delete x.browser.spec;
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'classify.json'), `${JSON.stringify({ seeds, budget, machine, rows }, null, 1)}\n`);
  fs.writeFileSync(path.join(OUT, 'classify.md'), `# The classifier view: accuracy, long range, throughput\n\n${md}\n`);
  console.log(md);
  log('written to bench/out/classify.md and bench/out/classify.json');
}

main().catch((e) => { console.error(e); process.exit(1); });
