// The browser benchmark page: the same work on TF.js (cpu and wasm backends, float32) and on
// Unrolled's wasm (float64, the `Bench` handle = src/workload.rs, the work of `unrolled bench`).
// One iteration = forward over T steps of one layer + backward of loss = sum of all outputs,
// giving the gradients of every weight and of the input. Timed with performance.mark/measure;
// warm-up iterations first, then the median of the timed ones.
/* global tf */
import init, { Bench } from '/pkg/unrolled.js';

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
 * Runs `warmup` iterations, then up to `iters` timed samples of `reps` runs each (≥ 10 ms per
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
  for (let i = 0; i < warmup; i++) check = prob.run();
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

async function environment() {
  const env = { tfjs: tf.version.tfjs, userAgent: navigator.userAgent, crossOriginIsolated };
  await setBackend('wasm');
  env.wasm_simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  env.wasm_threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  env.wasm_threads_used = tf.backend().wasm?.tfjs?.getThreadsCount?.() ?? null;
  await setBackend('cpu');
  return env;
}

try {
  tf.wasm.setWasmPaths('/vendor/@tensorflow/tfjs-backend-wasm/dist/');
  await init();
  window.runBench = runBench;
  window.benchEnvironment = environment;
  document.body.dataset.ready = 'true';
} catch (e) {
  log(`error: ${e}`);
  document.body.dataset.ready = 'error';
  throw e;
}
