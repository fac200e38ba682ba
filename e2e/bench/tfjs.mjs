// Browser benchmark: Unrolled's wasm (float64) vs TensorFlow.js 4.22 (cpu and wasm backends,
// float32) on the same forward + backward work, all in ONE load of e2e/bench/page/, plus the
// native `unrolled bench` on the same configurations.
//   node e2e/bench/tfjs.mjs [--quick] [--iters N] [--cells lstm,gru,rnn_tanh]
// Prints a markdown table (and JSON) and writes the table to bench/out/browser.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startServer, launch } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const iters = Number(opt('--iters', quick ? 3 : 20));
const warmup = quick ? 1 : 3;
const cells = opt('--cells', 'lstm,gru,rnn_tanh').split(',');
// [B, T, I, H]
const CONFIGS = [[1, 100, 32, 32], [32, 100, 128, 128]];
// Issue 10's goals, by batch size: TF.js fastest / ours at least this, and wasm / native at most.
const GOAL = { 1: 100, 32: 10 };
const WASM_NATIVE_GOAL = { 1: 1.5, 32: 2 };
const BIN = path.join(ROOT, 'target/release/unrolled');
const OUT = path.join(ROOT, 'bench/out/browser.md');

function ensureBinary() {
  if (fs.existsSync(BIN)) return;
  console.error('building target/release/unrolled ...');
  execFileSync('cargo', ['build', '--release', '--bin', 'unrolled'], { cwd: ROOT, stdio: 'inherit' });
}

function native(cell, [b, t, i, h]) {
  const out = execFileSync(BIN, [
    'bench', '--cell', cell, '--batch', String(b), '--steps', String(t), '--input-size', String(i),
    '--hidden-size', String(h), '--iters', String(iters),
  ], { encoding: 'utf8' });
  const rec = JSON.parse(out);
  if (!rec.checksum_finite) throw new Error(`native checksum not finite: ${out}`);
  return rec.median_us / 1000;
}

const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);

ensureBinary();
const load0 = os.loadavg()[0];
const server = await startServer({ '/bench/': 'e2e/bench/page' });
const browser = await launch();
const results = [];
let env;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${server.url}bench/`);
  await page.waitForSelector('body[data-ready]', { timeout: 30000 });
  if (await page.getAttribute('body', 'data-ready') !== 'true') throw new Error(`bench page failed: ${errors.join('; ')}`);
  env = await page.evaluate(() => window.benchEnvironment());
  for (const cfg of CONFIGS) {
    const [batch, steps, input, hidden] = cfg;
    for (const cell of cells) {
      const row = { cell, batch, steps, input, hidden };
      for (const engine of ['ours', 'tfjs-cpu', 'tfjs-wasm']) {
        // TF.js cpu at B=32, H=128 takes seconds per iteration: cap its time budget.
        const r = await page.evaluate((o) => window.runBench(o),
          { engine, cell, batch, steps, input, hidden, warmup, iters, budgetMs: quick ? 5000 : 30000 });
        if (!r.checksum_finite) throw new Error(`${engine} ${cell}: non-finite checksum`);
        row[engine] = r;
      }
      row.native_ms = native(cell, cfg);
      results.push(row);
      console.error(`${cell} B=${batch} H=${hidden}: ours ${ms(row.ours.median_ms)}, native ${ms(row.native_ms)}, tfjs-cpu ${ms(row['tfjs-cpu'].median_ms)}, tfjs-wasm ${ms(row['tfjs-wasm'].median_ms)}`);
    }
  }
  if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  server.close();
}
const load1 = os.loadavg()[0];

const header = ['config', 'cell', 'ours (wasm, f64)', 'native (f64)', 'wasm / native', 'TF.js cpu (f32)',
  'TF.js wasm (f32)', 'TF.js fastest / ours', 'goal'];
const lines = [`| ${header.join(' | ')} |`, `|${'---|'.repeat(header.length)}`];
for (const r of results) {
  const ours = r.ours.median_ms;
  const tfBest = Math.min(r['tfjs-cpu'].median_ms, r['tfjs-wasm'].median_ms);
  const speedup = tfBest / ours;
  const goal = GOAL[r.batch];
  const wasmNative = ours / r.native_ms;
  lines.push(`| B=${r.batch} T=${r.steps} I=${r.input} H=${r.hidden} | ${r.cell} | ${ms(ours)} | ${ms(r.native_ms)} | ${wasmNative.toFixed(2)}× ${wasmNative <= WASM_NATIVE_GOAL[r.batch] ? '✓' : '✗'} (goal ≤ ${WASM_NATIVE_GOAL[r.batch]}×) | ${ms(r['tfjs-cpu'].median_ms)} (${r['tfjs-cpu'].iters} it) | ${ms(r['tfjs-wasm'].median_ms)} | ${speedup.toFixed(1)}× | ≥ ${goal}× ${speedup >= goal ? '✓' : '✗'} |`);
}
const chrome = (env.userAgent.match(/Chrome\/[\d.]+/) || ['?'])[0];
const note = `Medians of up to ${iters} timed iterations after ${warmup} warm-up runs (and at least 500 ms of them), one page load, ${chrome} headless, `
  + `our wasm build: ${env.wasm_build}; TF.js ${env.tfjs} (wasm backend: SIMD ${env.wasm_simd}, threads ${env.wasm_threads && env.crossOriginIsolated ? 'on' : 'off (page not cross-origin isolated)'}). `
  + 'Work: one layer, forward over T steps + backward of loss = sum(outputs), gradients of every weight and the input. '
  + 'Ours and native are float64 (PyTorch-exact); TF.js is float32, the only dtype it has for this, so it does half the memory traffic. '
  + 'TF.js uses tf.layers.lstm/gru/simpleRNN (sigmoid gates, returnSequences) and tf.variableGrads over the layer weights and the input. '
  + `Native: target/release/unrolled bench, same iterations. ${os.cpus()[0]?.model ?? os.arch()}, ${os.cpus().length} cores; `
  + `1-min load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end.`;
const table = lines.join('\n');
console.log(JSON.stringify({ env, results }, null, 1));
console.log();
console.log(table);
console.log();
console.log(note);
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, `# Unrolled in the browser vs TensorFlow.js and native\n\n${table}\n\n${note}\n`);
console.error(`written to ${path.relative(ROOT, OUT)}`);
