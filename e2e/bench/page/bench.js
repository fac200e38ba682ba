// The browser benchmark page: the same work on TF.js (cpu and wasm backends, float32) and on
// Unrolled's wasm (float64, the `Bench` handle = src/workload.rs, the work of `unrolled bench`).
// One iteration = forward over T steps of one layer + backward of loss = sum of all outputs,
// giving the gradients of every weight and of the input. Timed with performance.mark/measure;
// warm-up iterations first, then the median of the timed ones.
/* global tf */
import init, { Bench, Trainer } from '/pkg/unrolled.js';
import { initWasm } from '/pkg/js/wasm-build.js';

// Which build of our core this page load runs (the pages' own choice: relaxed SIMD where the
// browser has it; `?wasm=simd128` forces the plain build).
let wasmBuild = null;

const log = (s) => { document.getElementById('log').textContent += `${s}\n`; };

async function setBackend(name) {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  }
  await tf.ready();
}

/** Prepares one TF.js problem; returns a function running one iteration (returns a checksum). */
function tfProblem({ cell, batch, steps, input, hidden }) {
  const common = { units: hidden, returnSequences: true, inputShape: [steps, input] };
  let layer;
  if (cell === 'lstm') {
    // PyTorch's gates: sigmoid, not Keras' default hard sigmoid.
    layer = tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' });
  } else if (cell === 'gru') {
    layer = tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
  } else if (cell === 'rnn_tanh') {
    layer = tf.layers.simpleRNN({ ...common, activation: 'tanh' });
  } else {
    throw new Error(`cell: ${cell}`);
  }
  const x = tf.variable(tf.randomNormal([batch, steps, input], 0, 1, 'float32', 1), true);
  tf.tidy(() => { layer.apply(x); }); // builds the weights
  const vars = [x, ...layer.trainableWeights.map((w) => w.read())];
  const f = () => layer.apply(x).sum();
  const run = () => {
    const { value, grads } = tf.variableGrads(f, vars);
    const check = tf.tidy(() => tf.addN(Object.values(grads).map((g) => g.sum())).dataSync()[0]);
    value.dispose();
    tf.dispose(grads);
    if (Object.keys(grads).length !== vars.length) {
      throw new Error(`expected ${vars.length} gradients, got ${Object.keys(grads).length}`);
    }
    return check;
  };
  const dispose = () => { x.dispose(); layer.dispose(); };
  return { run, dispose };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times one engine on one configuration.
 * @param {{engine: 'ours'|'tfjs-cpu'|'tfjs-wasm', cell: string, batch: number, steps: number,
 *          input: number, hidden: number, warmup?: number, iters?: number, budgetMs?: number}} o
 * Runs `warmup` iterations (and at least 500 ms of them), then up to `iters` timed samples of `reps` runs each (≥ 10 ms per
 * sample; stopping early once `budgetMs` is spent, but never fewer than 3). Returns {median_ms, min_ms, iters, checksum}.
 */
async function runBench(o) {
  const { engine, warmup = 3, iters = 30, budgetMs = 20000 } = o;
  let prob;
  if (engine === 'ours') {
    const b = new Bench(o.cell, o.batch, o.steps, o.input, o.hidden);
    prob = { run: () => b.run(), dispose: () => b.free() };
  } else {
    await setBackend(engine.replace('tfjs-', ''));
    prob = tfProblem(o);
  }
  let check = 0;
  // At least `warmup` runs and at least 500 ms, for every engine alike: a pass of ours at B = 1
  // takes under a millisecond, and three of them left part of the timed samples to V8's
  // baseline compiler before its optimising tier took over (LSTM B = 1: 0.61 or 0.77 ms from
  // one page load to the next).
  const w0 = performance.now();
  for (let i = 0; i < warmup || performance.now() - w0 < 500; i++) check = prob.run();
  // The page is not cross-origin isolated, so timers are coarsened to ~0.1 ms: each sample runs
  // the work `reps` times (enough for ≥ 10 ms) and records the mean per run, for every engine.
  const c0 = performance.now();
  check = prob.run();
  const one = Math.max(performance.now() - c0, 0.01);
  const reps = Math.max(1, Math.ceil(10 / one));
  const name = `${engine} ${o.cell} B=${o.batch} T=${o.steps} I=${o.input} H=${o.hidden}`;
  performance.clearMeasures(name);
  const t0 = performance.now();
  const times = [];
  for (let i = 0; i < iters; i++) {
    performance.mark('iter-start');
    for (let r = 0; r < reps; r++) check = prob.run();
    times.push(performance.measure(name, 'iter-start').duration / reps);
    if (i >= 2 && performance.now() - t0 > budgetMs) break;
  }
  prob.dispose();
  const out = {
    engine, cell: o.cell, batch: o.batch, steps: o.steps, input: o.input, hidden: o.hidden,
    median_ms: median(times), min_ms: Math.min(...times), iters: times.length,
    checksum: check, checksum_finite: Number.isFinite(check),
  };
  log(JSON.stringify(out));
  return out;
}

// ---------- training throughput (e2e/bench/train-throughput.mjs) ----------
// One iteration = one training step on B sequences: forward over T steps, a linear head on the
// last step, MSE, backward through the head and time, gradient clipping to global norm 1, one
// Adam step. Ours draws each batch from the task's generator inside the iteration; TF.js cycles
// through a pool of batches made before timing (so its data costs nothing).

/** A pool of `adding_sum`-like batches (Le et al. 2015: values U(0, 1), two markers, target the
 *  sum of the two marked values), float32, fixed length T. */
function addingPool(n, batch, steps) {
  const pool = [];
  for (let k = 0; k < n; k++) {
    const x = new Float32Array(batch * steps * 2);
    const y = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      const i = Math.floor(Math.random() * steps);
      let j = Math.floor(Math.random() * (steps - 1));
      if (j >= i) j += 1;
      for (let t = 0; t < steps; t++) {
        const v = Math.random();
        x[(b * steps + t) * 2] = v;
        if (t === i || t === j) { x[(b * steps + t) * 2 + 1] = 1; y[b] += v; }
      }
    }
    pool.push({ x: tf.tensor3d(x, [batch, steps, 2]), y: tf.tensor2d(y, [batch, 1]) });
  }
  return pool;
}

/** TF.js: tf.layers LSTM (PyTorch's sigmoid gates, the last step only) + dense(1), Adam.
 *  `minimize`: tf.variableGrads of the MSE, clipped to global norm `clip` as
 *  torch.nn.utils.clip_grad_norm_ does, then optimizer.applyGradients (the same work as ours);
 *  `trainOnBatch`: model.compile({adam, meanSquaredError}) and model.trainOnBatch, which has no
 *  clipping in TF.js (less work than ours). Returns a function running one iteration. */
function tfTrainer({ batch, steps, hidden, lr, clip, variant }) {
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: hidden, recurrentActivation: 'sigmoid', returnSequences: false, inputShape: [steps, 2] }));
  model.add(tf.layers.dense({ units: 1 }));
  const optimizer = tf.train.adam(lr);
  const pool = addingPool(16, batch, steps);
  let k = 0;
  const next = () => pool[k++ % pool.length];
  const dispose = () => { model.dispose(); optimizer.dispose(); for (const p of pool) tf.dispose([p.x, p.y]); };
  if (variant === 'trainOnBatch') {
    model.compile({ optimizer, loss: 'meanSquaredError' });
    return { run: async () => { const { x, y } = next(); return model.trainOnBatch(x, y); }, dispose };
  }
  const vars = model.trainableWeights.map((w) => w.read());
  const run = async () => {
    const { x, y } = next();
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.apply(x), y))), vars);
      const gs = Object.values(grads);
      const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(clip, tf.add(norm, 1e-6)));
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.mul(g, scale)])));
      return value;
    });
    const v = loss.dataSync()[0]; // waits for the step (as ours returns its loss)
    loss.dispose();
    return v;
  };
  return { run, dispose };
}

/** Ours: the wasm `Trainer` on the main thread, the spec as `unrolled train` reads it
 *  (evaluations only at iteration 0, done during warm-up). */
function ourTrainer({ task, batch, steps, hidden, lr, clip, total }) {
  const spec = {
    model: { cell: 'lstm', hidden_size: hidden }, task: { name: task, steps },
    optimizer: { name: 'adam', lr }, clip: { max_norm: clip }, batch_size: batch, seed: 0,
    iterations: total + 1, eval_every: 10000000, eval_size: 32,
  };
  const t = new Trainer(JSON.stringify(spec));
  t.run_slice(1e9, 0, false); // the evaluation at iteration 0, outside every timed region
  const iterate = (n) => {
    const out = t.run_slice(1e9, n, false);
    if (out.length) throw new Error(`an evaluation fell inside a timed region (${out.length} records)`);
  };
  return { iterate, seconds: () => t.seconds(), spec, dispose: () => t.free() };
}

/**
 * Times training iterations of one engine: `warmup` iterations, then `samples` timed samples of
 * `iters` iterations each (User Timing measures; TF.js stops after `budgetMs`, minimum 2
 * samples). Returns per-sample sequences per second and their median.
 * @param {{engine: 'ours'|'tfjs-cpu'|'tfjs-wasm'|'tfjs-webgl', task?: string, variant?: string,
 *          batch: number, steps: number, hidden: number, lr: number, clip: number,
 *          warmup: number, iters: number, samples: number, budgetMs?: number}} o
 */
async function runTrainBench(o) {
  const { engine, warmup, iters, samples, budgetMs = 60000 } = o;
  const name = `train ${engine} ${o.task ?? o.variant} B=${o.batch} T=${o.steps} H=${o.hidden}`;
  const perSec = [];
  const extra = {};
  if (engine === 'ours') {
    const t = ourTrainer({ ...o, total: warmup + iters * samples });
    t.iterate(warmup);
    for (let s = 0; s < samples; s++) {
      const own0 = t.seconds();
      performance.mark('train-start');
      t.iterate(iters);
      const ms = performance.measure(name, 'train-start').duration;
      perSec.push((iters * o.batch) / (ms / 1000));
      (extra.own_seconds ||= []).push(t.seconds() - own0);
    }
    extra.spec = t.spec;
    extra.wasm_build = wasmBuild;
    t.dispose();
  } else {
    await setBackend(engine.replace('tfjs-', ''));
    const t = tfTrainer(o);
    let loss;
    for (let i = 0; i < warmup; i++) loss = await t.run();
    const t0 = performance.now();
    for (let s = 0; s < samples; s++) {
      performance.mark('train-start');
      for (let i = 0; i < iters; i++) loss = await t.run();
      const ms = performance.measure(name, 'train-start').duration;
      perSec.push((iters * o.batch) / (ms / 1000));
      if (s >= 1 && performance.now() - t0 > budgetMs) break;
    }
    extra.loss = Number(loss);
    extra.loss_finite = Number.isFinite(extra.loss);
    t.dispose();
    extra.tensors_left = tf.memory().numTensors;
  }
  const out = { engine, task: o.task ?? null, variant: o.variant ?? null, batch: o.batch, steps: o.steps, hidden: o.hidden, iters, samples: perSec.length, sequences_per_second: median(perSec), per_sample: perSec, ...extra };
  log(JSON.stringify({ ...out, spec: undefined }));
  return out;
}

/** Can TF.js use `backend` here? (webgl needs a GPU or a software GL the browser allows.) */
async function hasBackend(backend) {
  try { return await tf.setBackend(backend); } catch { return false; }
}

/** The WebGL renderer the browser reports (a software one, e.g. SwiftShader, without a GPU). */
function webglRenderer() {
  const gl = document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
}

async function environment() {
  const env = { tfjs: tf.version.tfjs, userAgent: navigator.userAgent, crossOriginIsolated, wasm_build: wasmBuild };
  await setBackend('wasm');
  env.wasm_simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  env.wasm_threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  env.wasm_threads_used = tf.backend().wasm?.tfjs?.getThreadsCount?.() ?? null;
  await setBackend('cpu');
  return env;
}

try {
  tf.wasm.setWasmPaths('/vendor/@tensorflow/tfjs-backend-wasm/dist/');
  wasmBuild = await initWasm(init);
  window.runBench = runBench;
  window.runTrainBench = runTrainBench;
  window.hasBackend = hasBackend;
  window.webglRenderer = webglRenderer;
  window.benchEnvironment = environment;
  document.body.dataset.ready = 'true';
} catch (e) {
  log(`error: ${e}`);
  document.body.dataset.ready = 'error';
  throw e;
}
