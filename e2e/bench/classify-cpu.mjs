// Training cost of the classifier in CPU time, wasm against native, so that a busy machine (whose
// other jobs stretch wall-clock time) does not decide the ratio. For the default classifier (the
// course's 2-layer bidirectional LSTM, E = H = 32, batch 32, on the shipped sentiment task) and
// the 1-layer forward one, the same training spec runs
//   - in wasm under Node (the page's `pkg/unrolled_bg.wasm`, simd128, or with
//     `--experimental-wasm-relaxed-simd` the page's relaxed-SIMD build): process CPU time around
//     `Trainer.run_slice` of N iterations, after the evaluation at iteration 0, none inside;
//   - natively (`target/release/unrolled train`): the process's user + system CPU time
//     (/usr/bin/time) with N + 1 iterations minus that with 1, both evaluating at the start and the
//     end, so the difference is N iterations.
// Each measured `--reps` times in turn (wasm, native, wasm, …); the median is reported.
//
//   node [--experimental-wasm-relaxed-simd] e2e/bench/classify-cpu.mjs [--reps 3] [--n 100]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const reps = Number(opt('--reps', '3'));
const N = Number(opt('--n', '100'));
const relaxed = process.execArgv.includes('--experimental-wasm-relaxed-simd');
const BIN = path.join(ROOT, 'target/release/unrolled');
const glue = await import(path.join(ROOT, 'pkg/unrolled.js'));
glue.initSync({ module: fs.readFileSync(path.join(ROOT, relaxed ? 'pkg/unrolled_relaxed_bg.wasm' : 'pkg/unrolled_bg.wasm')) });

const MODELS = [
  { key: 'bi2', label: '2 layers, bidirectional (default)', model: {} },
  { key: 'uni1', label: '1 layer, forward only', model: { num_layers: 1, bidirectional: false } },
];
const spec = (model, iterations) => ({
  version: 1,
  model: { model: 'lstm_classifier', embed_dim: 32, hidden_dim: 32, num_layers: 2, bidirectional: true, dropout: 0.5, ...model },
  task: { name: 'sentiment' }, optimizer: { name: 'adam', lr: 0.01 }, batch_size: 32, seed: 0,
  iterations, eval_every: iterations,
});
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function wasmCpu(model) {
  const t = new glue.Trainer(JSON.stringify(spec(model, N + 1)));
  t.run_slice(1e9, 0, false); // the evaluation at iteration 0
  const c0 = process.cpuUsage();
  t.run_slice(1e9, N, false);
  const c = process.cpuUsage(c0);
  if (t.iteration() !== N) throw new Error(`ran ${t.iteration()} iterations`);
  t.free();
  return (c.user + c.system) / 1e6;
}

function nativeCpu(model, iterations) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'unrolled-cpu-')), 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec(model, iterations)));
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', BIN, 'train', file], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`unrolled train: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return u + s;
}

const rows = [];
const load0 = os.loadavg();
for (const m of MODELS) {
  const w = [];
  const n = [];
  for (let r = 0; r < reps; r += 1) {
    w.push(wasmCpu(m.model));
    n.push(nativeCpu(m.model, N + 1) - nativeCpu(m.model, 1));
  }
  const [wi, ni] = [median(w) / N, median(n) / N];
  rows.push({ model: m.label, wasm_ms: 1000 * wi, native_ms: 1000 * ni, wasm_sps: 32 / wi, native_sps: 32 / ni, ratio: wi / ni, wasm: w, native: n });
  console.error(`${m.key}: wasm ${(1000 * wi).toFixed(2)} ms, native ${(1000 * ni).toFixed(2)} ms per iteration`);
}
const load1 = os.loadavg();
const build = relaxed ? 'relaxed SIMD (the page\'s build in Chromium)' : 'simd128';
const lines = [
  `| model | wasm (${build}), CPU ms / iteration | native, CPU ms / iteration | wasm sentences per CPU-second | native | native / wasm |`,
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.model} | ${r.wasm_ms.toFixed(2)} | ${r.native_ms.toFixed(2)} | ${Math.round(r.wasm_sps).toLocaleString('en')} | ${Math.round(r.native_sps).toLocaleString('en')} | ${r.ratio.toFixed(2)}× |`),
  '',
  `${N} iterations, median of ${reps} turns; Node ${process.version} (V8 ${process.versions.v8}); ${os.cpus()[0]?.model}, ${os.cpus().length} cores; load average ${load0[0].toFixed(1)} → ${load1[0].toFixed(1)}; ${new Date().toISOString()}.`,
];
console.log(lines.join('\n'));
fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
fs.writeFileSync(path.join(ROOT, `bench/out/classify-cpu${relaxed ? '-relaxed' : ''}.md`), `# Classifier training, CPU time: wasm against native\n\n${lines.join('\n')}\n`);
