// Training off the main thread: one or several runs (the entrants of a race) trained in turn,
// round-robin, in short slices, so every message (pause, step, abort) is handled within a slice.
//
// Protocol (messages are plain objects with a `type`):
//   in  start  {specs: [{entrant, spec, split}], paused, run, untilSolved}  specs are JSON text
//                                                  as `unrolled train` reads; every spec is checked
//                                                  before any trains; with untilSolved an entrant
//                                                  stops at its first record that meets its
//                                                  criterion (else it spends its whole budget);
//                                                  split {ways, index}: a split run (below)
//       pause | resume                             stop or go on after the current slice
//       step                                       one evaluation period for every entrant: each
//                                                  trains until its next log record (then pauses)
//       speed  {value}                             1 = as fast as the machine allows; 0 < v < 1
//                                                  rests (1 − v)/v of each slice's time after it
//       final  {entrant, id}                       asks for the parameters now (and the final
//                                                  record once the budget is spent, else null)
//       call   {entrant, id, method, args}         calls one of CALLS on the entrant's trainer
//                                                  (e.g. explain_sentence, safetensors); answers
//                                                  `answer` at once, between slices
//       panic                                      (tests) panics inside wasm: answers a fatal error
//       pass   {entrant, iteration, ways}          (a replica) computes its chunk: answers `chunk`
//       chunk  {entrant, iteration, index, data}   (the owner) a replica's chunk
//       parts  {entrant, iteration, parts}         (a replica) every chunk: applies the update
//       link   {entrant, index, port}              a MessagePort between a split run's owner and
//                                                  replica `index` (the owner's end) or the
//                                                  owner (a replica's end, index 0): pass, parts
//                                                  and chunk then go over it, worker to worker,
//                                                  not through the page's main thread
//       reset | abort                              drops every run (reset answers `reset`,
//                                                  abort answers `aborted`)
//   out (every message carries the `run` of the latest start)
//       ready                                      the module is loaded
//       started {entrants: [{entrant, info}]}      info: baseline, criterion, success_field, …
//       record  {entrant, record}                  one log record, JSON text (a JSONL line)
//       done    {entrant, final}                   the entrant's budget is spent
//       final   {entrant, record, params}          the answer to `final`
//       answer  {id, value, error}                 the answer to `call` (error: the message)
//       state   {running}                          after pause, resume, step's end, all done
//       error   {message, field, entrant, fatal}   a bad spec (field named; nothing starts), or
//                                                  a panic (fatal: the page restarts the worker)
//       (pass, parts from a split run's owner and chunk from a replica go over the `link` ports)
//
// A split run: one entrant trained by `ways` workers at once, each iteration's batch in `ways`
// chunks (the core's src/train/parallel.rs; the same chunks and combination as `unrolled train
// --threads ways`). The worker started with split.index 0 owns the entrant (records, budget,
// pause/step, final, call); those with index 1… hold replicas of the run made from the same spec
// (the same parameters, optimiser state and batch streams) and answer only pass and parts (their
// `started` lists no entrant); owner and replicas talk over the ports of `link`, worker to worker.
// One iteration: the owner runs the evaluations due, sends `pass`,
// computes chunk 0 (`chunk_pass`, which draws the batch), and waits for every replica's `chunk`
// ([loss, terms, gradients…] as a Float64Array); it sends `parts` (all chunks, in chunk order)
// and applies them (`apply_chunks`: combined, clipped, the optimiser's step); every replica
// applies the same parts, so all hold the same parameters, bit for bit, without sending them.
// split.ways is the pool's offer: `split_ways` (the core's rule: chunks big enough to pay for
// the messages) may take fewer, even 1 (not split); the owner's `started` info says `ways`, and
// replicas past it drop theirs.
//
// Time: each entrant's training seconds are the sum of its own slices' iteration times (the
// core adds only time spent in iterations), so round-robin is fair: an entrant is not charged for
// the time the others train. A slice lasts SLICE_MS of the worker's clock (at least one
// iteration; an evaluation that falls due inside it is not counted as training time).
import init, { Trainer, last_panic, panic_for_test } from '../unrolled.js';
import { initWasm } from './wasm-build.js';

const SLICE_MS = 12;
/** The trainer's methods a page may `call` (questions about the model; none trains). */
const CALLS = ['explain_sentence', 'classifier_packing', 'safetensors', 'params_json', 'iteration', 'test_set', 'test_predictions'];

let runs = []; // {entrant, trainer, info, done, split: {ways, pending} | null}
let replicas = new Map(); // entrant -> {trainer, ways, index, own}: this worker's chunks of split runs
let links = new Map(); // entrant -> the owner's ports to its replicas (by index), or a replica's port
let untilSolved = false;
let running = false;
let stepping = null; // entrants still to reach their next record during `step`
let speed = 1;
let next = 0;
let timer = null;
let dead = false;
let runId = 0; // the `run` of the latest `start`, echoed in every message (the page drops older ones)
const send = (m) => postMessage({ ...m, run: runId });
// The build the page chose (its ?wasm= in this script's URL), or this browser's best.
const ready = initWasm(init).then((wasmBuild) => send({ type: 'ready', wasmBuild }));

function fieldOf(message) {
  const m = /^([A-Za-z_][\w.[\]]*):/.exec(message);
  return m ? m[1] : null;
}

function fail(e, entrant) {
  if (e instanceof WebAssembly.RuntimeError) {
    dead = true;
    let msg = null;
    try { msg = last_panic(); } catch { /* gone */ }
    drop();
    send({ type: 'error', message: `The training engine stopped unexpectedly: ${msg || e.message}`, field: null, entrant, fatal: true });
    return;
  }
  const message = e.message || String(e);
  send({ type: 'error', message, field: fieldOf(message), entrant, fatal: false });
}

function drop() {
  clearTimeout(timer);
  timer = null;
  for (const r of [...runs, ...replicas.values()]) { try { r.trainer.free(); } catch { /* already gone */ } }
  runs = [];
  replicas = new Map();
  for (const l of links.values()) for (const port of [l].flat()) port?.close();
  links = new Map();
  running = false;
  stepping = null;
}

function schedule(delay = 0) {
  if (timer !== null || dead) return;
  timer = setTimeout(tick, delay);
}

function tick() {
  timer = null;
  if (!(running || stepping) || !runs.length) return;
  if (runs.some((r) => r.split?.pending)) return; // a split iteration in flight schedules the next tick
  const live = runs.filter((r) => !r.done && (!stepping || stepping.has(r.entrant)));
  if (!live.length) {
    if (stepping) stepping = null;
    running = false;
    send({ type: 'state', running: false });
    return;
  }
  const r = live[next % live.length];
  next += 1;
  const t0 = performance.now();
  let records;
  try {
    // Stepping, or stopping at the criterion: a slice ends at its first record. A split run's
    // slice only evaluates (0 iterations); its iteration is splitStep's, across the workers.
    records = r.trainer.run_slice(SLICE_MS, r.split ? 0 : 1e9, stepping !== null || untilSolved);
  } catch (e) {
    fail(e, r.entrant);
    return;
  }
  for (const record of records) send({ type: 'record', entrant: r.entrant, record });
  // During `step`, an entrant is through once a record made after an iteration came out.
  const lastAt = records.length ? Number(/"iteration":(\d+)/.exec(records.at(-1))[1]) : -1;
  if (stepping && lastAt > 0 && lastAt >= (r.stepFrom ?? 0)) stepping.delete(r.entrant);
  if (r.trainer.done() || (untilSolved && records.some((x) => solved(x, r.info)))) {
    if (!finish(r)) return;
  }
  if (stepping && stepping.size === 0) {
    stepping = null;
    send({ type: 'state', running });
    if (!running) return;
  }
  if (r.split && !r.done && (running || stepping?.has(r.entrant))) {
    splitStep(r, t0);
    return;
  }
  rest(t0);
}

/** The next tick, after resting for the speed (none at full speed or while stepping). */
function rest(t0) {
  const spent = performance.now() - t0;
  schedule(speed >= 1 || stepping ? 0 : (spent * (1 - speed)) / speed);
}

/** A split run's iteration, owner's side (header): `pass` out, chunk 0, then the replicas'. */
function splitStep(r, t0) {
  const iteration = r.trainer.iteration();
  toReplicas(r, { type: 'pass', entrant: r.entrant, iteration, ways: r.split.ways });
  let own;
  try { own = r.trainer.chunk_pass(r.split.ways, 0); } catch (e) { fail(e, r.entrant); return; }
  r.split.pending = { iteration, t0, parts: [own, ...Array(r.split.ways - 1).fill(null)], got: 1 };
  applyWhenComplete(r);
}

/** The owner: a replica's chunk arrived. */
function takeChunk({ entrant, iteration, index, data }) {
  const r = runs.find((x) => x.entrant === entrant);
  const p = r?.split?.pending;
  if (!p || p.iteration !== iteration || !(index > 0 && index < p.parts.length) || p.parts[index]) return; // stale
  p.parts[index] = data;
  p.got += 1;
  applyWhenComplete(r);
}

/** The owner: once every chunk is in, `parts` to the replicas, then the update here. */
function applyWhenComplete(r) {
  const p = r.split.pending;
  if (p.got < p.parts.length) return;
  r.split.pending = null;
  toReplicas(r, { type: 'parts', entrant: r.entrant, iteration: p.iteration, parts: p.parts });
  try { r.trainer.apply_chunks(p.parts); } catch (e) { fail(e, r.entrant); return; }
  rest(p.t0);
}

/** The owner to its replicas, over the ports the pool linked them with (`link`); `parts`
 *  without the replica's own chunk (it kept that one). */
function toReplicas(r, m) {
  const ports = links.get(r.entrant) ?? [];
  for (let k = 1; k < r.split.ways; k += 1) {
    ports[k]?.postMessage({ ...m, run: runId, ...(m.parts && { parts: m.parts.map((x, j) => (j === k ? null : x)) }) });
  }
}

/** A port from the pool to the owner (index > 0: to replica `index`) or to a replica (index 0). */
function link({ entrant, index, port }) {
  port.onmessage = (e) => onmessage(e);
  if (index > 0) {
    if (!links.has(entrant)) links.set(entrant, []);
    links.get(entrant)[index] = port;
  } else links.set(entrant, port);
}

/** A replica: its chunk of the owner's iteration. */
function replicaPass({ entrant, iteration }) {
  const rep = replicas.get(entrant);
  if (!rep) return;
  try {
    if (rep.trainer.iteration() !== iteration) throw new Error(`split: replica at iteration ${rep.trainer.iteration()}, owner at ${iteration}`);
    rep.own = rep.trainer.chunk_pass(rep.ways, rep.index);
  } catch (e) { fail(e, entrant); return; }
  const port = links.get(entrant);
  const m = { type: 'chunk', entrant, iteration, index: rep.index, data: rep.own };
  if (!port) { fail(new Error(`split: replica of "${entrant}" has no link to its owner`), entrant); return; }
  const data = rep.own.slice(); // sent (its buffer transferred); rep.own stays for `parts`
  port.postMessage({ ...m, data, run: runId }, [data.buffer]);
}

/** A replica: every chunk (its own is kept here, not sent back): the same update as the owner's. */
function replicaApply({ entrant, parts }) {
  const rep = replicas.get(entrant);
  if (!rep?.own) return;
  parts[rep.index] = rep.own;
  rep.own = null;
  try { rep.trainer.apply_chunks(parts); } catch (e) { fail(e, entrant); }
}

/** Does a log record (JSON text) meet the run's criterion? */
function solved(record, info) {
  const v = JSON.parse(record)[info.success_field];
  return typeof v === 'number' && v >= info.criterion;
}

/** An entrant is through (budget spent, or solved with untilSolved): its final record goes out. */
function finish(r) {
  r.done = true;
  stepping?.delete(r.entrant);
  let final = null;
  try { final = r.trainer.final_record(false); } catch (e) { fail(e, r.entrant); return false; }
  r.final = final;
  send({ type: 'done', entrant: r.entrant, final });
  return true;
}

function start({ specs, paused, run, untilSolved: until = false }) {
  drop();
  runId = run;
  dead = false;
  const made = [];
  const copies = new Map();
  for (const { entrant, spec, split } of specs) {
    try {
      const trainer = new Trainer(spec);
      const ways = split ? trainer.split_ways(split.ways) : 1;
      if (split?.index > 0) {
        if (split.index < ways) copies.set(entrant, { trainer, ways, index: split.index, own: null });
        else trainer.free();
        continue;
      }
      const info = trainer.info();
      if (split) info.ways = ways;
      made.push({ entrant, trainer, info, done: false, split: ways > 1 ? { ways, pending: null } : null });
    } catch (e) {
      for (const m of [...made, ...copies.values()]) m.trainer.free();
      fail(e, entrant);
      return;
    }
  }
  runs = made;
  replicas = copies;
  next = 0;
  untilSolved = Boolean(until);
  send({ type: 'started', entrants: runs.map((r) => ({ entrant: r.entrant, info: r.info })) });
  running = !paused;
  send({ type: 'state', running });
  schedule();
}

onmessage = async ({ data }) => {
  await ready;
  switch (data.type) {
    case 'start': start(data); break;
    case 'pause': running = false; stepping = null; send({ type: 'state', running }); break;
    case 'resume':
      if (runs.some((r) => !r.done)) { running = true; send({ type: 'state', running }); schedule(); }
      break;
    case 'step':
      running = false;
      stepping = new Set(runs.filter((r) => !r.done).map((r) => r.entrant));
      for (const r of runs) r.stepFrom = r.trainer.iteration();
      send({ type: 'state', running: false, stepping: true });
      schedule();
      break;
    case 'speed': speed = Math.min(1, Math.max(0.01, Number(data.value) || 1)); break;
    case 'final': {
      const r = runs.find((x) => x.entrant === data.entrant);
      if (!r) { send({ type: 'error', message: `final: no entrant "${data.entrant}"`, field: null, entrant: data.entrant, fatal: false }); break; }
      try {
        send({ type: 'final', entrant: r.entrant, record: r.final ?? null, params: r.trainer.params_json(), id: data.id });
      } catch (e) { fail(e, r.entrant); }
      break;
    }
    case 'call': {
      const r = runs.find((x) => x.entrant === data.entrant);
      let value;
      let error = null;
      if (!CALLS.includes(data.method)) error = `call: unknown method "${data.method}"`;
      else if (!r) error = `call: no model yet (entrant "${data.entrant}")`;
      else {
        try { value = r.trainer[data.method](...(data.args ?? [])); } catch (e) {
          if (e instanceof WebAssembly.RuntimeError) { fail(e, r.entrant); break; }
          error = e.message || String(e);
        }
      }
      send({ type: 'answer', id: data.id, value, error });
      break;
    }
    // A split run's messages of an earlier run (relayed after a reset or a new start): dropped.
    case 'link': if (data.run === runId) link(data); break;
    case 'pass': if (data.run === runId) replicaPass(data); break;
    case 'chunk': if (data.run === runId) takeChunk(data); break;
    case 'parts': if (data.run === runId) replicaApply(data); break;
    case 'reset': drop(); send({ type: 'reset' }); break;
    case 'panic': try { panic_for_test(); } catch (e) { fail(e, null); } break; // test hook
    case 'abort': drop(); send({ type: 'aborted' }); break;
    default: send({ type: 'error', message: `worker: unknown message "${data.type}"`, field: null, fatal: false });
  }
};
