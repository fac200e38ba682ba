// Every core at work: a pool of training workers (train-worker.js) that looks to the session
// like ONE worker speaking train-worker.js's protocol. `start` spreads the entrants over the
// pool, round-robin in race order (a race's cells, a sweep's cell × seed runs), so they train in
// parallel; the pool merges what comes back so the session cannot tell one worker from many.
//
//   start          each busy worker gets its share of the specs, PAUSED; once every one has
//                  answered `started`, one merged `started` (entrants in race order) goes out and,
//                  unless the start was paused, every worker resumes. A bad spec in any share is
//                  the start's error (its field named) and the other shares are dropped: as with
//                  one worker, every spec is checked before any trains.
//   pause, resume, step, speed, reset, abort   to every busy worker (speed to every worker, and
//                  to each new one)
//   final, call    to the worker that holds the entrant
//   state          merged: running while any worker runs, stepping while any steps
//   (what a share sends between its own `started` and the merged one, e.g. the records of a
//   `step` sent right after `start`, waits for the merged `started`)
//   record, done, final, answer, error         passed on
//
// Fewer entrants than workers (the classifier's one model, a race of one cell; `?workers=N`):
// each entrant gets floor(size / entrants) workers and its training passes are split across
// them (train-worker.js, "A split run"): the first of its workers owns it, the others hold
// replicas; the pool links the owner with each replica by a MessageChannel (`link`), over which
// `pass`, `parts` and each replica's `chunk` (its buffer transferred, not copied) go from worker
// to worker, never waiting for this thread. The core decides whether
// the split pays (`split_ways`: every chunk at least MIN_CHUNK_STEPS sequence steps,
// src/train/parallel.rs); the owner's `started` info says how many workers it uses (`ways`),
// which the page may show. Pause, resume, step go to the owners; reset and abort to every worker
// of the run.
//
// An entrant's training seconds are its own slices' iteration times (train-worker.js), so
// times to criterion do not depend on how many workers share the machine's cores, except
// through the cores themselves: with more workers than free cores, slices slow down.
//
// The pool size: `navigator.hardwareConcurrency` (capped at MAX_WORKERS); `?workers=N` in the
// page's URL forces N (benchmarks, tests). Without
// SharedArrayBuffer: each worker has its own copy of the wasm module and its own runs.

export const MAX_WORKERS = 8;

/** The pool size for this page: `?workers=N` if given, else the machine's cores (capped). */
export function poolSize(search = globalThis.location?.search ?? '', cores = globalThis.navigator?.hardwareConcurrency) {
  const forced = Number(new URLSearchParams(search).get('workers'));
  if (Number.isInteger(forced) && forced >= 1) return Math.min(forced, MAX_WORKERS);
  return Math.max(1, Math.min(MAX_WORKERS, Number(cores) || 1));
}

export class TrainPool {
  /** `url`: train-worker.js's URL (with the page's wasm build); `size`: the most workers. */
  constructor(url, size = poolSize()) {
    this.url = url;
    this.size = size;
    this.workers = [];
    this.busy = []; // indices of the workers that own the current run's entrants
    this.helpers = []; // indices of the workers that hold replicas of split entrants
    this.owner = new Map(); // entrant -> worker index
    this.speed = null;
    this.starting = null; // {run, paused, expect, got: Map(index -> entrants), order, failed}
    this.states = new Map(); // worker index -> {running, stepping}
    this.onmessage = null;
    this.onerror = null;
  }

  /** The number of workers made so far. */
  get started() { return this.workers.length; }

  worker(i) {
    while (this.workers.length <= i) {
      const k = this.workers.length;
      const w = new Worker(this.url, { type: 'module' });
      w.onmessage = (e) => this.receive(k, e.data);
      w.onerror = (e) => this.onerror?.(e);
      if (this.speed) w.postMessage(this.speed);
      this.workers.push(w);
    }
    return this.workers[i];
  }

  send(i, msg) { this.worker(i).postMessage(msg); }

  emit(data) { this.onmessage?.({ data }); }

  postMessage(msg) {
    switch (msg.type) {
      case 'start': this.start(msg); break;
      case 'speed':
        this.speed = msg;
        for (const w of this.workers) w.postMessage(msg);
        break;
      case 'final':
      case 'call': this.send(this.owner.get(msg.entrant) ?? 0, msg); break;
      case 'panic': this.send(this.busy[0] ?? 0, msg); break;
      case 'reset':
      case 'abort':
        this.starting = null;
        for (const i of [...this.busy, ...this.helpers]) this.send(i, msg);
        break;
      default:
        for (const i of this.busy) this.send(i, msg);
    }
  }

  /** Who trains where, for the page's words: the pool's size and, per busy worker, the entrants
   *  it trains in turn (in race order). */
  layout() {
    const groups = new Map(this.busy.map((i) => [i, []]));
    for (const [entrant, i] of this.owner) groups.get(i)?.push(entrant);
    return { size: this.size, groups: [...groups.values()] };
  }

  /** Spreads the specs over min(size, specs) workers, round-robin in race order; with fewer
   *  specs than workers, each spec gets floor(size / specs) workers to split its passes across. */
  start({ specs, paused, run, untilSolved }) {
    const n = Math.max(1, Math.min(this.size, specs.length));
    const g = specs.length ? Math.max(1, Math.floor(this.size / specs.length)) : 1;
    const shares = Array.from({ length: n }, () => []);
    specs.forEach((s, k) => shares[k % n].push(s));
    for (const i of [...this.busy, ...this.helpers]) if (i >= n * g) this.send(i, { type: 'reset' });
    this.busy = shares.map((_, k) => k * g);
    this.owner = new Map(specs.map((s, k) => [s.entrant, (k % n) * g]));
    this.helpers = [];
    this.states = new Map();
    const order = specs.map((s) => s.entrant);
    this.starting = { run, paused, expect: n * g, got: new Map(), errors: new Map(), queue: [], order };
    const msg = (share) => ({ type: 'start', specs: share, paused: true, run, untilSolved });
    shares.forEach((share, k) => {
      if (g === 1) { this.send(k, msg(share)); return; }
      const [s] = share; // g > 1: one spec per share
      const group = Array.from({ length: g - 1 }, (_, j) => k * g + 1 + j);
      this.helpers.push(...group);
      this.send(k * g, msg([{ ...s, split: { ways: g, index: 0 } }]));
      group.forEach((w, j) => {
        this.send(w, msg([{ ...s, split: { ways: g, index: j + 1 } }]));
        // Owner and replica talk over a channel of their own, not through this thread.
        const { port1, port2 } = new MessageChannel();
        this.worker(k * g).postMessage({ type: 'link', entrant: s.entrant, index: j + 1, port: port1, run }, [port1]);
        this.worker(w).postMessage({ type: 'link', entrant: s.entrant, index: 0, port: port2, run }, [port2]);
      });
    });
  }

  receive(i, m) {
    const owner = this.busy.includes(i);
    const s = this.starting;
    if (s && m.run === s.run) {
      if (m.type === 'started') { s.got.set(i, m.entrants); this.gather(); return; }
      if (m.type === 'state') { if (owner) this.states.set(i, { running: m.running, stepping: !!m.stepping }); return; }
      if (m.type === 'error' && !m.fatal) { s.errors.set(i, m); this.gather(); return; }
      if (m.type !== 'error') { s.queue.push(m); return; } // records of a share already stepping
    }
    if (m.type === 'ready' && i > 0) return; // one `ready` (the session's first worker's)
    if (m.type === 'reset' && i !== this.busy[0]) return;
    if (!owner && (m.type === 'state' || m.type === 'aborted')) return; // a replica's
    if (m.type === 'state') { this.mergeState(i, m); return; }
    this.emit(m);
  }

  /** Once every busy worker has answered the start: the merged `started`, or the error of the
   *  first entrant (in race order) whose spec was refused, as one worker would report it. */
  gather() {
    const s = this.starting;
    if (s.got.size + s.errors.size < s.expect) return;
    this.starting = null;
    if (s.errors.size) {
      const rank = (m) => { const k = s.order.indexOf(m.entrant); return k < 0 ? s.order.length : k; };
      const first = [...s.errors.values()].sort((a, b) => rank(a) - rank(b))[0];
      for (const k of s.got.keys()) this.send(k, { type: 'reset' });
      this.emit(first);
      return;
    }
    const byName = new Map([...s.got.values()].flat().map((e) => [e.entrant, e]));
    this.emit({ type: 'started', run: s.run, entrants: s.order.map((name) => byName.get(name)) });
    for (const m of s.queue) this.emit(m);
    if (!s.paused) {
      for (const k of this.busy) {
        this.states.set(k, { running: true, stepping: false });
        this.send(k, { type: 'resume' });
      }
    }
    this.mergeState(null, { run: s.run });
  }

  /** Records worker `i`'s state (none: `i` null) and sends the pool's. */
  mergeState(i, m) {
    if (i !== null) this.states.set(i, { running: m.running, stepping: !!m.stepping });
    const all = [...this.states.values()];
    const merged = { type: 'state', run: m.run, running: all.some((x) => x.running) };
    if (all.some((x) => x.stepping)) merged.stepping = true;
    this.emit(merged);
  }

  terminate() {
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.busy = [];
    this.helpers = [];
    this.starting = null;
  }
}
