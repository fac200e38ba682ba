// One scene: its state, its wasm handle (`Lab`), its analysis worker, its limits. Widgets mount
// on a session and redraw when it changes; a page may hold several sessions (one per element),
// all on one shared wasm module.
//
// Events (a session is an EventTarget):
//   `change`  {detail: {start, kind}}  after the scene was recomputed (kind 'scene') or the
//             selected step moved (kind 'step'); widgets redraw.
//   `analysis`                         the worker's exact Jacobian curves arrived.
//   `error`   {detail: {message, fatal}} bad input (the scene is kept as it was) or a panic.
//   `state`                            the state changed (for URL adapters and `change` events).
// User Timing: `update` from the input event to the end of drawing, with `wait` (the event's
// time stamp until its handler ran: the browser was busy or waiting for the frame), `compute`,
// one measure per widget (`draw:<name>`) and `text` (what `afterDraw` ran) inside it; `analysis`
// until the worker's curves are drawn.
//
// Canvases first, then the page's text: widgets draw their canvases in their `change` and
// `analysis` handlers and write text (readouts, captions, summaries, aria) in functions they give
// `afterDraw`, which run when every handler has drawn. Text drawn on a canvas in the page waits
// for the browser to recompute the page's styles, which every DOM write invalidates; in this order
// that happens once a frame, not once a chart.
import { loadCore } from './core.js';
import { workerUrl } from './wasm-build.js';
import { decode, encode, keyTable, sceneConfig } from './state.js';
import { loadTrained, storeImported } from './trained-store.js';

export class Session extends EventTarget {
  /** Creates a session from text in the URL-hash syntax (`cells=lstm&T=50`). */
  static async create(text = '', { panels = [] } = {}) {
    const core = await loadCore();
    return new Session(core, text, panels);
  }

  constructor(core, text, panels) {
    super();
    this.core = core;
    this.table = keyTable(core, panels);
    const { state, notices } = decode(this.table, text);
    this.state = state;
    this.notices = notices;
    this.lab = null;
    this.data = null;
    this.dead = false;
    this.worker = null;
    this.analysisId = 0;
    this.appliedId = 0;
    this.analysisStart = 0;
    this.waiters = [];
    this.flushers = new Set();
    this.queue = null;
    this.trained = null; // the trained models of `state.trained` (trained-store.js), once loaded
  }

  get limits() { return this.core.limits; }
  /** The PyTorch model opened from a file, when the scene shows one (else null). */
  get imported() { return this.trained?.kind === 'imported' ? this.trained : null; }
  get cells() { return this.core.cells; }
  cell(name) { return this.core.cell(name); }

  /** The state as text (`decode` of it restores it). */
  encode() { return encode(this.table, this.state); }

  /** Replaces the whole state from text; returns the notices for keys it could not use. */
  load(text, start = performance.now()) {
    const { state, notices } = decode(this.table, text);
    this.state = state;
    this.notices = notices;
    this.update(start);
    return notices;
  }

  /** Runs a wasm call; bad input becomes an `error` event, a panic stops the session. */
  guard(fn) {
    if (this.dead) return undefined;
    try {
      return fn();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.dead = true;
        let msg = null;
        try { msg = this.core.wasm.last_panic(); } catch { /* the module is gone */ }
        this.emit('error', { message: `The engine stopped unexpectedly: ${msg || e.message}.`, fatal: true });
        return undefined;
      }
      this.emit('error', { message: e.message || String(e), fatal: false });
      return undefined;
    }
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /** Emits an event whose handlers draw; what they pass to `afterDraw` runs after all of them. */
  emitDraw(type, detail) {
    const outer = this.queue;
    const queue = [];
    this.queue = queue;
    try {
      this.emit(type, detail);
    } finally {
      this.queue = outer;
    }
    const start = performance.now();
    for (const fn of queue) {
      try { fn(); } catch (e) { reportError(e); }
    }
    performance.measure('text', { start, end: performance.now() });
  }

  /** Runs `fn` when the handlers of the event being emitted have drawn (now, outside one). */
  afterDraw(fn) {
    if (this.queue) this.queue.push(fn);
    else fn();
  }

  /**
   * Loads the trained models `state.trained` names; they fix the cells and H. A hand-off this
   * browser does not have becomes a notice, and the designed scene stays.
   */
  loadTrainedModels() {
    const s = this.state;
    if (!s.trained) { this.trained = null; return; }
    if (this.trained?.id !== s.trained) this.trained = loadTrained(s.trained);
    if (!this.trained) {
      this.notices.push(`trained: the trained models "${s.trained}" are not stored in this browser (a link to trained models opens only where they were trained); showing the designed scene`);
      s.trained = '';
      return;
    }
    s.cells = [...this.trained.cells];
    s.H = this.trained.H;
    // `wm` picks a model of the race, or a layer and direction of an imported network.
    if (s.wm >= (this.imported ? this.trained.runs : s.cells.length)) s.wm = 0;
  }

  /**
   * Opens a `.safetensors` file (its bytes) as the scene: the core checks it first, so a file it
   * refuses leaves the scene as it was and throws an Error whose message names the tensor.
   * Returns `{description, kept}` (`kept`: this browser keeps it for the link).
   */
  openSafetensors(bytes, name, start = performance.now()) {
    if (this.dead) throw new Error('The engine has stopped; reload the page.');
    const description = this.core.wasm.import_safetensors(bytes);
    const { id, kept } = storeImported(bytes, name, description);
    this.set({ trained: id, wm: 0, wb: -1, sel: -1, eigs: null }, start);
    return { description, kept };
  }

  /** The scene's config for the core: the state's fields, and the trained models when shown. */
  config(analysis) {
    const cfg = { ...sceneConfig(this.state), analysis };
    const s = this.state;
    if (this.imported) {
      cfg.imported = { safetensors: this.imported.safetensors, run: s.wm, block: s.wb < 0 ? null : s.wb };
    } else if (this.trained) {
      cfg.trained = { specs: this.trained.specs, sequence: s.seq, spectrum_model: s.wm, spectrum_block: s.wb < 0 ? null : s.wb };
    }
    return cfg;
  }

  /** Keeps the state inside what it can hold, as a link would restore it. */
  normalise() {
    const s = this.state;
    this.loadTrainedModels();
    s.t = Math.max(0, Math.min(s.t, s.T - 1));
    s.unit = Math.max(0, Math.min(s.unit, s.H - 1));
    if (s.eigs && s.eigs.length !== s.H) s.eigs = null;
    if (s.eigs) s.eigs = s.eigs.map(([re, im]) => [+re.toFixed(4), +im.toFixed(4)]);
    if (s.sel >= s.H) s.sel = -1;
    if (!s.cells.includes(s.chain)) [s.chain] = s.cells;
    if (!s.cells.includes(s.focus)) s.focus = s.cells.find((c) => this.cell(c).gated) ?? s.cells[0];
  }

  /** Applies `patch` to the state, recomputes, redraws (`change`), asks the worker for the rest. */
  set(patch, start = performance.now()) {
    Object.assign(this.state, patch);
    this.update(start);
  }

  update(start = performance.now()) {
    if (this.dead) return;
    const begun = performance.now();
    if (begun > start) performance.measure('wait', { start, end: begun });
    this.normalise();
    const ok = this.recompute();
    performance.measure('compute', { start: begun, end: performance.now() });
    if (!ok) return;
    this.emitDraw('change', { start, kind: 'scene' });
    this.emit('state');
    performance.measure('update', { start, end: performance.now() });
    this.requestAnalysis(start);
  }

  /** Moves the selected step (no recomputation). */
  setStep(t, start = performance.now()) {
    const begun = performance.now();
    if (begun > start) performance.measure('wait', { start, end: begun });
    this.state.t = Math.max(0, Math.min(this.state.T - 1, t));
    this.emitDraw('change', { start, kind: 'step' });
    this.emit('state');
    performance.measure('step', { start, end: performance.now() });
  }

  recompute() {
    const cfg = this.config(false);
    const { Lab } = this.core.wasm;
    const ok = this.guard(() => {
      if (!this.lab) this.lab = new Lab(cfg);
      else this.lab.update(cfg);
      return true;
    });
    if (!ok) return false;
    const { lab } = this;
    if (this.trained && !this.imported) {
      // The sequence's own length; the selected step stays inside it.
      this.state.T = lab.per_step(0, 'grad_h_norm').length;
      this.state.t = Math.min(this.state.t, this.state.T - 1);
    }
    const T = this.state.T;
    const cells = [];
    for (let i = 0; i < lab.cell_count(); i += 1) {
      const info = this.cell(lab.cell_name(i));
      // [T][H] series are copied out of wasm only when something reads them.
      const series = new Proxy({}, {
        get(cache, key) {
          if (typeof key !== 'string') return undefined;
          if (!(key in cache)) cache[key] = key === 'input' ? lab.per_step(i, 'input') : lab.series(i, key);
          return cache[key];
        },
      });
      cells.push({
        name: info.name, info, index: i, series,
        grad: lab.per_step(i, 'grad_h_norm'),
        jac: new Float64Array(T).fill(NaN),
        gradC: info.states.some((s) => s.name === 'c') ? lab.per_step(i, 'grad_c_norm') : null,
        carry: info.carry ? new Float64Array(T).fill(NaN) : null,
        gradByLag: lab.grad_by_lag(i),
        reference: lab.flow_reference(i),
        summary: lab.summary(i),
        head: lab.head(i),
        hNorms: null,
      });
    }
    this.data = {
      cells,
      eig: lab.eigenvalues(),
      sv: lab.singular_values(),
      rho: lab.spectral_radius(),
      sigma: lab.max_singular_value(),
      task: lab.task_view(),
      imported: lab.imported_view(),
    };
    return true;
  }

  /** The results of one cell of the scene (the first one when `name` is not shown). */
  cellData(name) {
    return this.data.cells.find((c) => c.name === name) || this.data.cells[0];
  }

  /**
   * In a scene of trained models on an adding task, the steps whose marker is 1 (the values the
   * answer depends on); else none. Read from the core once per scene.
   */
  markedSteps() {
    const task = this.data?.task;
    if (!task?.task.startsWith('adding')) return [];
    if (!this.data.marked) {
      this.data.marked = [];
      this.lab.per_step(0, 'input_1').forEach((m, t) => { if (m === 1) this.data.marked.push(t); });
    }
    return this.data.marked;
  }

  /** ‖h_t‖ per step of a cell's results (read from the core once). */
  hNorms(d) {
    d.hNorms ||= this.lab.per_step(d.index, 'h_norm');
    return d.hNorms;
  }

  // ---------- the Jacobian analysis, in a worker ----------
  requestAnalysis(start) {
    if (!this.worker) this.startWorker();
    this.analysisId += 1;
    this.analysisStart = start;
    this.worker.postMessage({ id: this.analysisId, config: this.config(true) });
  }

  startWorker() {
    // The worker loads the page's build of the core (wasm-build.js).
    this.worker = new Worker(workerUrl(new URL('./analysis-worker.js', import.meta.url), this.core.wasmBuild), { type: 'module' });
    this.worker.onmessage = (e) => this.onAnalysis(e.data);
    this.worker.onerror = (e) => this.emit('error', { message: `The analysis worker failed: ${e.message}`, fatal: false });
  }

  onAnalysis({ id, cells, error }) {
    if (id !== this.analysisId || this.dead) return; // a newer request is on its way
    if (error) {
      this.emit('error', { message: `Jacobian analysis: ${error}`, fatal: false });
    } else {
      const ok = this.guard(() => {
        cells.forEach((c, i) => {
          this.lab.attach_analysis(i, c.jacobian, c.carry, c.carryNorm);
          const d = this.data.cells[i];
          d.jac = c.jacobian;
          if (d.carry) d.carry = c.carryNorm;
          d.series.carry_path = c.carry;
        });
        return true;
      });
      if (ok) this.emitDraw('analysis');
    }
    this.appliedId = id;
    performance.measure('analysis', { start: this.analysisStart, end: performance.now() });
    const waiting = this.waiters;
    this.waiters = [];
    waiting.forEach((r) => r());
  }

  /** Registers work that `settled()` must finish (e.g. a panel drawn only when visible). */
  onSettle(fn) { this.flushers.add(fn); return () => this.flushers.delete(fn); }

  /** Resolves once the newest state's analysis has arrived and every widget is up to date. */
  settled() {
    const flush = () => this.flushers.forEach((f) => f());
    if (this.dead || this.appliedId === this.analysisId) { flush(); return Promise.resolve(); }
    return new Promise((r) => this.waiters.push(() => { flush(); r(); }));
  }

  /** Stops the worker and frees the wasm handle. */
  destroy() {
    this.worker?.terminate();
    this.worker = null;
    this.lab?.free();
    this.lab = null;
    this.dead = true;
  }
}
