// Two builds of the wasm core compared in turns: the CPU time the wasm `Trainer` takes for the
// training-throughput benchmark's spec (LSTM, input 2 on `adding_sum`, H = 32, B = 8, T = 50,
// Adam lr 1e-2, clip norm 1), so that a busy machine (whose other jobs stretch wall-clock time)
// decides less. Each turn is a fresh Node process per build (A, B, A, B, …): it loads that pkg/
// directory's glue and wasm (`unrolled_bg.wasm`, or with --relaxed `unrolled_relaxed_bg.wasm`),
// runs the evaluation at iteration 0 and `--warmup` iterations untimed, then `--iters`
// iterations inside `process.cpuUsage` (user + system). Prints every turn and, per build, the
// median sequences per CPU-second and B's over A's.
//
//   node e2e/bench/train-cpu-ab.mjs --a OLD_PKG_DIR --b NEW_PKG_DIR [--turns 3] [--iters 400]
//        [--warmup 50] [--relaxed]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const SPEC = { batch: 8, steps: 50, hidden: 32, lr: 1e-2, clip: 1 };

/** One build, one measurement (in this process): sequences per CPU-second. */
function measure(dir, relaxed, warmup, iters) {
  return import(path.join(path.resolve(dir), 'unrolled.js')).then((glue) => {
    const wasm = relaxed ? 'unrolled_relaxed_bg.wasm' : 'unrolled_bg.wasm';
    glue.initSync({ module: fs.readFileSync(path.join(dir, wasm)) });
    const spec = {
      model: { cell: 'lstm', hidden_size: SPEC.hidden }, task: { name: 'adding_sum', steps: SPEC.steps },
      optimizer: { name: 'adam', lr: SPEC.lr }, clip: { max_norm: SPEC.clip }, batch_size: SPEC.batch,
      seed: 0, iterations: warmup + iters + 1, eval_every: 10000000, eval_size: 32,
    };
    const t = new glue.Trainer(JSON.stringify(spec));
    t.run_slice(1e9, 0, false); // the evaluation at iteration 0
    t.run_slice(1e9, warmup, false);
    const c0 = process.cpuUsage();
    const out = t.run_slice(1e9, iters, false);
    const c = process.cpuUsage(c0);
    if (out.length || t.iteration() !== warmup + iters) throw new Error('an evaluation or a short run in the timed region');
    t.free();
    return (iters * SPEC.batch) / ((c.user + c.system) / 1e6);
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const relaxed = args.includes('--relaxed');
const warmup = Number(opt('--warmup', '50'));
const iters = Number(opt('--iters', '400'));

if (opt('--one')) {
  console.log(JSON.stringify(await measure(opt('--one'), relaxed, warmup, iters)));
} else {
  const builds = { A: opt('--a'), B: opt('--b') };
  if (!builds.A || !builds.B) throw new Error('--a and --b: two pkg/ directories');
  const turns = Number(opt('--turns', '3'));
  const node = [process.execPath, ...(relaxed ? ['--experimental-wasm-relaxed-simd'] : [])];
  const me = fileURLToPath(import.meta.url);
  const rates = { A: [], B: [] };
  console.log(`${os.cpus()[0].model}, ${os.cpus().length} cores; ${relaxed ? 'relaxed-SIMD' : 'simd128'} build; ${iters} iterations after ${warmup}`);
  for (let turn = 1; turn <= turns; turn++) {
    for (const key of ['A', 'B']) {
      const load = os.loadavg()[0].toFixed(1);
      const out = execFileSync(node[0], [...node.slice(1), me, '--one', builds[key], '--warmup', String(warmup), '--iters', String(iters), ...(relaxed ? ['--relaxed'] : [])], { encoding: 'utf8' });
      const rate = JSON.parse(out.trim());
      rates[key].push(rate);
      console.log(`turn ${turn} ${key} (${builds[key]}): ${rate.toFixed(0)} sequences per CPU-second (load average ${load})`);
    }
  }
  const [a, b] = [median(rates.A), median(rates.B)];
  console.log(`median A ${a.toFixed(0)}, B ${b.toFixed(0)}: B / A = ${(b / a).toFixed(3)}; load average now ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}
