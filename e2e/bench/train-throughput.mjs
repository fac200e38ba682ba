// Browser benchmark: training throughput (sequences per second) of the same LSTM, trained
//   (a) natively: `target/release/unrolled train` (float64), its own training time (the final
//       record's `seconds`: the iterations only, no process start, no evaluation);
//   (b) in wasm: the wasm `Trainer` of src/web/train.rs (float64), on the page's MAIN thread, in
//       one load of the bench page e2e/bench/page/ (served at /bench/), timed with User Timing;
//       the build the pages choose (www/js/wasm-build.js: relaxed SIMD where the browser has
//       it), then, in a second load of the page with `?wasm=simd128`, the plain simd128 build
//       (the fallback, Safari's); every row of ours names its build;
//   (c) TensorFlow.js 4.22 in the SAME page load (float32, the only dtype it trains in):
//       tf.layers.lstm (sigmoid gates, returnSequences false) + tf.layers.dense(1), MSE, Adam,
//       on every backend the vendored package can run here (cpu, wasm; webgl when the browser
//       gives it a GL context), in two ways: `minimize` = tf.variableGrads, clipping to global
//       norm 1 as torch's clip_grad_norm_, optimizer.applyGradients (the same work as ours), and
//       `trainOnBatch` = model.compile + model.trainOnBatch (TF.js has no clipping there: less work).
//
// The spec: LSTM, input size 2, H = 32, B = 8, Adam lr 1e-2, clip norm 1 (the recipe), T = 50.
// One sequence = one training sequence of T steps through forward, backward and its share of
// the optimiser step; one iteration = B sequences. The fair comparison is fixed-length:
// `adding_sum` (Le et al. 2015: every sequence exactly T steps, input size 2) for ours, and
// batches of the same shape [B, T, 2] for TF.js. The race's own task `adding` (lengths T to
// T + T/10, packed) is also timed for ours, natively and in wasm (about 5 % more steps).
// Ours draws every batch from the task generator inside the timed iterations; TF.js cycles
// through 16 batches made before timing.
//
//   node e2e/bench/train-throughput.mjs [--quick] [--iters N] [--samples N] [--tf-iters N]
// --quick: few iterations and samples: checks the script works (figures meaningless).
// Writes bench/out/train-throughput.md and .json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startServer, launch } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const SPEC = { batch: 8, steps: 50, hidden: 32, lr: 1e-2, clip: 1 };
const OURS = { warmup: quick ? 20 : 200, iters: Number(opt('--iters', quick ? 50 : 1000)), samples: Number(opt('--samples', quick ? 2 : 5)) };
const TF = { warmup: quick ? 2 : 10, iters: Number(opt('--tf-iters', quick ? 5 : 40)), samples: Number(opt('--samples', quick ? 2 : 5)), budgetMs: quick ? 10000 : 120000 };
const TASKS = ['adding_sum', 'adding'];
const BIN = path.join(ROOT, 'target/release/unrolled');
const OUT = path.join(ROOT, 'bench/out');
const GOALS = { wasmNative: 2, tfjs: 20 };

const log = (s) => console.error(s);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const num = (x) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));

/** Native: one `unrolled train` process per sample, warm-up + `iters` iterations; sequences/s =
 *  sequences / the final record's own training seconds (all iterations, the warm-up included). */
function native(task) {
  const spec = {
    model: { cell: 'lstm', hidden_size: SPEC.hidden }, task: { name: task, steps: SPEC.steps },
    optimizer: { name: 'adam', lr: SPEC.lr }, clip: { max_norm: SPEC.clip }, batch_size: SPEC.batch, seed: 0,
    iterations: OURS.warmup + OURS.iters, eval_every: 10000000, eval_size: 32,
  };
  const perSec = [];
  for (let s = 0; s < OURS.samples; s++) {
    const out = execFileSync(BIN, ['train', '-'], { input: JSON.stringify(spec), encoding: 'utf8' });
    const final = JSON.parse(out.trim().split('\n').at(-1));
    if (!final.final || final.iterations !== spec.iterations) throw new Error(`unexpected final record: ${out.slice(-300)}`);
    perSec.push(final.sequences / final.seconds);
  }
  return { engine: 'native', task, sequences_per_second: median(perSec), per_sample: perSec, samples: perSec.length, iters: spec.iterations, spec };
}

async function browserRuns() {
  const server = await startServer({ '/bench/': 'e2e/bench/page' });
  const browser = await launch();
  const rows = [];
  let env;
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}bench/`);
    await page.waitForSelector('body[data-ready]', { timeout: 30000 });
    if (await page.getAttribute('body', 'data-ready') !== 'true') throw new Error(`bench page failed: ${errors.join('; ')}`);
    env = await page.evaluate(() => window.benchEnvironment());
    env.chromium = browser.version();
    env.webgl_renderer = await page.evaluate(() => window.webglRenderer());
    for (const task of TASKS) {
      rows.push(await page.evaluate((o) => window.runTrainBench(o), { engine: 'ours', task, ...SPEC, ...OURS }));
      log(`ours (wasm, ${rows.at(-1).wasm_build}) ${task}: ${num(rows.at(-1).sequences_per_second)} sequences/s`);
    }
    if (env.wasm_build !== 'simd128') {
      // The fallback build in its own page load (a module is loaded once per document).
      const plain = await browser.newPage();
      plain.on('pageerror', (e) => errors.push(String(e)));
      await plain.goto(`${server.url}bench/?wasm=simd128`);
      await plain.waitForSelector('body[data-ready]', { timeout: 30000 });
      for (const task of TASKS) {
        const r = await plain.evaluate((o) => window.runTrainBench(o), { engine: 'ours', task, ...SPEC, ...OURS });
        if (r.wasm_build !== 'simd128') throw new Error(`?wasm=simd128 loaded ${r.wasm_build}`);
        rows.push({ ...r, fallback: true });
        log(`ours (wasm, ${r.wasm_build}) ${task}: ${num(r.sequences_per_second)} sequences/s`);
      }
      await plain.close();
      // The first page was a background tab while the second ran: TF.js is timed in it, and it
      // awaits promises between iterations, so it runs in the foreground as in the single-page
      // runs before the fallback's row existed (whether throttling changed anything is not
      // established: see the README).
      await page.bringToFront();
    }
    env.backends = {};
    for (const backend of ['cpu', 'wasm', 'webgl']) {
      env.backends[backend] = await page.evaluate((b) => window.hasBackend(b), backend);
      if (!env.backends[backend]) { log(`TF.js ${backend}: not available in this browser`); continue; }
      for (const variant of ['minimize', 'trainOnBatch']) {
        const r = await page.evaluate((o) => window.runTrainBench(o), { engine: `tfjs-${backend}`, variant, ...SPEC, ...TF });
        if (!r.loss_finite) throw new Error(`TF.js ${backend} ${variant}: loss not finite`);
        rows.push(r);
        log(`TF.js ${backend} ${variant}: ${num(r.sequences_per_second)} sequences/s`);
      }
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    server.close();
  }
  return { rows, env };
}

function report(rows, env, machine) {
  const find = (engine, key, fallback = false) => rows.find((r) => r.engine === engine && (r.task === key || r.variant === key) && !r.fallback === !fallback);
  const lines = ['| engine | where, dtype | work | iterations × samples | sequences/s (median) | ms per iteration |', `|${'---|'.repeat(6)}`];
  for (const r of rows) {
    const where = r.engine === 'native' ? 'native release build, f64' : r.engine === 'ours' ? `wasm (${r.wasm_build === 'simd128' ? '+simd128' : '+simd128,+relaxed-simd'}${r.fallback ? ', forced by ?wasm=simd128' : ''}), page main thread, f64` : `TF.js ${env.tfjs} \`${r.engine.slice(5)}\` backend, f32`;
    const work = r.task ? `\`${r.task}\`${r.task === 'adding' ? ` (lengths ${SPEC.steps}–${SPEC.steps + SPEC.steps / 10})` : ` (T = ${SPEC.steps})`}` : `\`${r.variant}\`${r.variant === 'trainOnBatch' ? ' (no clipping)' : ' (clip norm 1)'}, T = ${SPEC.steps}`;
    lines.push(`| ${r.engine} | ${where} | ${work} | ${r.iters} × ${r.samples} | ${num(r.sequences_per_second)} | ${(1000 * SPEC.batch / r.sequences_per_second).toFixed(2)} |`);
  }
  const tfSame = rows.filter((r) => r.variant === 'minimize');
  const tfAny = rows.filter((r) => r.variant);
  const best = (xs) => xs.reduce((a, b) => (b.sequences_per_second > a.sequences_per_second ? b : a));
  const ratios = [];
  for (const task of TASKS) {
    const w = find('ours', task).sequences_per_second;
    const n = find('native', task)?.sequences_per_second;
    if (n) ratios.push(`| wasm (${find('ours', task).wasm_build}) / native, \`${task}\` (how many times slower) | ${(n / w).toFixed(2)}× | ≤ ${GOALS.wasmNative}× ${n / w <= GOALS.wasmNative ? '✓' : '✗'} |`);
    const p = find('ours', task, true)?.sequences_per_second;
    if (p) ratios.push(`| wasm relaxed-simd / simd128 (the fallback), \`${task}\` | ${(w / p).toFixed(2)}× | — |`);
  }
  const oursRow = find('ours', 'adding_sum');
  const ours = oursRow.sequences_per_second;
  const plain = find('ours', 'adding_sum', true)?.sequences_per_second;
  if (tfSame.length) {
    const b = best(tfSame);
    ratios.push(`| ours (wasm ${oursRow.wasm_build}, \`adding_sum\`) / TF.js fastest, same work (\`${b.engine.slice(5)}\`, \`minimize\`) | ${(ours / b.sequences_per_second).toFixed(1)}× | ≥ ${GOALS.tfjs}× ${ours / b.sequences_per_second >= GOALS.tfjs ? '✓' : '✗'} |`);
    if (plain) ratios.push(`| ours (wasm simd128, the fallback, \`adding_sum\`) / the same TF.js | ${(plain / b.sequences_per_second).toFixed(1)}× | ≥ ${GOALS.tfjs}× ${plain / b.sequences_per_second >= GOALS.tfjs ? '✓' : '✗'} |`);
    const a = best(tfAny);
    if (a !== b) ratios.push(`| ours (wasm, \`adding_sum\`) / TF.js fastest of all (\`${a.engine.slice(5)}\`, \`${a.variant}\`) | ${(ours / a.sequences_per_second).toFixed(1)}× | (less work) |`);
  }
  const na = Object.entries(env.backends).filter(([, ok]) => !ok).map(([b]) => b);
  const notes = [
    `Spec: LSTM (one layer, input size 2, H = ${SPEC.hidden}) + linear head on the last step, MSE, Adam lr ${SPEC.lr}, clipping to global norm ${SPEC.clip}, B = ${SPEC.batch}, T = ${SPEC.steps}. One sequence: T steps forward and backward and its share of the Adam step; sequences/s = iterations × B / time.`,
    `Ours, native and wasm: the same spec through the same Rust code (\`unrolled train\` and the wasm \`Trainer\`), the recipe's carry-gate bias 5, every batch drawn by the task generator inside the timed iterations. Native: one process per sample, ${OURS.warmup} + ${OURS.iters} iterations, timed by the CLI itself (its training seconds). Wasm: ${OURS.warmup} warm-up iterations, then samples of ${OURS.iters} iterations (\`run_slice\` on the page's main thread, one User Timing measure per sample).`,
    `TF.js ${env.tfjs}, float32, in the same page load: ${TF.warmup} warm-up iterations, then up to ${TF.samples} samples of ${TF.iters} iterations; each iteration ends by reading its loss (dataSync / trainOnBatch's promise), so the work is done when it is timed. \`minimize\` does the same work as ours (gradients, clipping by global norm as torch.nn.utils.clip_grad_norm_, Adam); \`trainOnBatch\` has no gradient clipping. Batches of fixed shape [${SPEC.batch}, ${SPEC.steps}, 2] from a pool made before timing. Wasm backend: SIMD ${env.wasm_simd}, threads ${env.wasm_threads && env.crossOriginIsolated ? 'on' : 'off (the page is not cross-origin isolated)'}.${na.length ? ` Not available in this headless browser: ${na.join(', ')}.` : ''}${env.backends.webgl ? ` WebGL renderer: ${env.webgl_renderer} (the machine has no GPU).` : ''}`,
    'Dtypes differ: ours computes in float64, TF.js in float32 (half the memory traffic, twice the SIMD lanes), which favours TF.js.',
    machine,
  ];
  return `${lines.join('\n')}\n\n| ratio | measured | goal |\n|---|---|---|\n${ratios.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'pkg/unrolled.js'))) throw new Error('build the page first: bash scripts/build-web.sh');
  if (!fs.existsSync(BIN)) throw new Error('build the CLI first: cargo build --release --bin unrolled');
  const load0 = os.loadavg();
  const { rows, env } = await browserRuns();
  for (const task of TASKS) {
    rows.push(native(task));
    log(`native ${task}: ${num(rows.at(-1).sequences_per_second)} sequences/s`);
  }
  const load1 = os.loadavg();
  const machine = `Machine: ${os.cpus()[0]?.model ?? os.arch()}, ${os.cpus().length} cores; Chromium ${env.chromium} headless; `
    + `load average (1/5/15 min) ${load0.map((x) => x.toFixed(2)).join(' / ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' / ')} at the end; ${new Date().toISOString()}${quick ? '; --quick (figures not meaningful)' : ''}.`;
  const md = report(rows, env, machine);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'train-throughput.json'), `${JSON.stringify({ quick, spec: SPEC, ours: OURS, tfjs: TF, env, rows, machine }, null, 1)}\n`);
  fs.writeFileSync(path.join(OUT, 'train-throughput.md'), `# Training throughput: native vs wasm vs TensorFlow.js\n\n${md}`);
  console.log(md);
  log('written to bench/out/train-throughput.md and bench/out/train-throughput.json');
}

main().catch((e) => { console.error(e); process.exit(1); });
