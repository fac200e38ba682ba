// One training view: its state (train-state.js), its worker (train-worker.js, the protocol is
// written there), the records each entrant has logged, and the charts' handle (`TrainingCharts`
// in wasm, which draws every training chart). Widgets mount on it and redraw when it changes; a
// page may hold several (one per `<unrolled-train>` element), all on the one wasm module.
//
// Events (a TrainSession is an EventTarget, like the lab's Session):
//   `records` {detail: {entrants}}  new log records arrived (charts and the race text redraw)
//   `started`                       a run began (entrants known, charts emptied)
//   `transport` {detail: {running}} play, pause, step or the end of the budget
//   `error`   {detail: {message, field, fatal}}  a bad spec (nothing trains) or a panic
//   `state`                         the state changed (URL adapters)
//   `done`    {detail: {entrant}}   an entrant spent its budget
// User Timing: `train:records` from a batch of records' arrival to the end of drawing.
import { loadCore } from './core.js';
import { workerUrl } from './wasm-build.js';
import { TrainPool } from './train-pool.js';
import { EVAL, SPEEDS, decode, encode, sweepSteps, trainKeyTable, trainSpec } from './train-state.js';

const modeNotice = () => [];

export class TrainSession extends EventTarget {
  /** Whether a link's settings are checked by the core when the session is made (specNotices). */
  static checksSpecs = true;

  /** Creates a session from text in the URL-hash syntax (`task=adding&T=50&cells=lstm,gru`). */
  static async create(text = '', { panels = [] } = {}) {
    const core = await loadCore();
    return new this(core, text, panels);
  }

  /** `keyTable(core, panels)`: the view's key table (a subclass, the classifier view, has its own). */
  constructor(core, text, panels, keyTable = trainKeyTable) {
    super();
    this.core = core;
    this.table = keyTable(core, panels);
    const { state, notices } = decode(this.table, text);
    this.state = state;
    this.notices = [...notices, ...modeNotice(state), ...this.specNotices()];
    this.charts = new core.wasm.TrainingCharts();
    this.charts.reset(NaN, core.trainLimits.criterion, 'test_solved', this.items); // the criterion line from the start
    this.entrants = []; // {name, info, label, run, records: [json text], parsed: [objects], final, reached}
    this.running = false;
    this.stepping = false;
    this.error = null;
    this.worker = null;
    this.pending = [];
    this.flushTimer = null;
    this.finalWaiters = new Map();
    this.finalId = 0;
    /** Keys whose change does not reset the run. */
    this.keepRun = ['speed', 'hide'];
    this.started = false;
    this.dead = false;
  }

  get cells() { return this.core.cells; }
  cell(name) { return this.core.cell(name); }
  get eval() { return EVAL; }
  get speeds() { return SPEEDS; }

  encode() { return encode(this.table, this.state); }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /** Replaces the state from text; resets the run. Returns the notices. */
  load(text) {
    const { state, notices } = decode(this.table, text);
    this.state = state;
    this.notices = [...notices, ...modeNotice(state), ...this.specNotices()];
    this.reset();
    this.emit('state');
    return this.notices;
  }

  /** Changes settings; a change of the model or the task resets the run (speed does not). */
  set(patch) {
    const before = this.encode();
    Object.assign(this.state, patch);
    if (this.encode() === before) return;
    const onlySpeed = Object.keys(patch).every((k) => this.keepRun.includes(k));
    if ('speed' in patch) this.post({ type: 'speed', value: this.state.speed });
    if (!onlySpeed) this.reset();
    this.emit('state');
  }

  /**
   * The training spec of every entrant (what `unrolled train` reads), in race order. In sweep
   * mode, the runs of the current sequence length: every cell × `seeds` seeds, `sbudget` seconds
   * each; an entrant is called `cell|T|seed`.
   */
  specs() {
    if (this.state.mode !== 'sweep') {
      return this.state.cells.map((name) => ({ entrant: name, spec: trainSpec(this.state, this.cell(name)) }));
    }
    const sw = this.sweepState();
    const T = sw.steps[Math.min(sw.index, sw.steps.length - 1)];
    const out = [];
    for (const name of this.state.cells) {
      for (let k = 0; k < this.state.seeds; k += 1) {
        const seed = this.state.seed + k;
        const s = { ...this.state, T, seed, budget: this.state.sbudget };
        out.push({ entrant: `${name}|${T}|${seed}`, spec: trainSpec(s, this.cell(name)) });
      }
    }
    return out;
  }

  /** An entrant's name in words: the cell's label, and in a sweep its length and seed. */
  entrantLabel(entrant) {
    const [name, T, seed] = entrant.split('|');
    const label = this.cell(name)?.label ?? name;
    return T === undefined ? label : `${label}, T = ${T}, seed ${seed}`;
  }

  /**
   * What a link's settings cannot train, said when the page opens rather than after Play: each
   * race entrant's spec is checked by the core (a `Trainer` made and dropped; every value in range
   * can still make a bad spec, e.g. T = 2 for `adding`, whose shortest is 4). The first problem
   * only, in the words of the transport's error. Views whose specs are heavier to build (the
   * classifier's) turn this off with `static checksSpecs = false`.
   */
  specNotices() {
    if (!this.constructor.checksSpecs || this.state.mode === 'sweep') return [];
    for (const { entrant, spec } of this.specs()) {
      try {
        new this.core.wasm.Trainer(JSON.stringify(spec)).free();
      } catch (e) {
        const message = String(e?.message ?? e);
        const field = message.split(': ')[0];
        const key = this.controlOf(field);
        const why = key ? message.slice(field.length + 2) : message;
        return [`${key ? `The setting ${key} (${field})` : 'A setting'} cannot be used (${this.entrantLabel(entrant)}): ${why}. Change it before pressing Play.`];
      }
    }
    return [];
  }

  /** The control that writes training-spec field `field` (its key), if one does. */
  controlOf(field) {
    return this.table.find((d) => d.field && (field === d.field || field.startsWith(`${d.field}[`)))?.key ?? null;
  }

  /** The sweep's progress: its lengths, the index of the one running, the points so far. */
  sweepState() {
    this.sweep ||= { steps: sweepSteps(this.state, this.core.trainLimits.min_steps[this.state.task]), index: 0, points: [] };
    return this.sweep;
  }

  /** When every run of the current length is done: its points, then the next length. */
  sweepNext() {
    const sw = this.sweepState();
    const T = sw.steps[sw.index];
    const before = sw.points.length;
    for (const name of this.state.cells) {
      const runs = this.entrants.filter((e) => e.cellName === name && e.final);
      if (!runs.length) continue;
      const mean = runs.reduce((a, e) => a + (e.final.best_test_solved ?? e.final.best_test_accuracy ?? e.final.best ?? 0), 0) / runs.length;
      sw.points.push({ cell: name, T, success: mean, solved: runs.filter((e) => e.final.reached).length, runs: runs.length });
    }
    sw.index += 1;
    // The last length: no next start redraws the chart, so its points go in now (only they:
    // the chart holds the earlier lengths' points since this length's start).
    if (sw.index >= sw.steps.length) for (const p of sw.points.slice(before)) this.charts.sweep_point(p.cell, p.T, p.success);
    this.emit('sweep');
    if (sw.index < sw.steps.length) this.start(false);
  }

  // ---------- the worker ----------
  ensureWorker() {
    if (this.worker) return;
    // A pool of workers (train-pool.js) that speaks one worker's protocol; each loads the page's
    // build of the core (wasm-build.js).
    this.worker = new TrainPool(workerUrl(new URL('./train-worker.js', import.meta.url), this.core.wasmBuild));
    this.worker.onmessage = (e) => this.onMessage(e.data);
    this.worker.onerror = (e) => this.fail({ message: `The training worker failed: ${e.message}`, field: null, fatal: true });
    this.post({ type: 'speed', value: this.state.speed });
  }

  post(msg) { this.worker?.postMessage(msg); }

  /** Starts the run from iteration 0 (paused: ready for `step`). */
  start(paused = false) {
    this.ensureWorker();
    this.clear();
    this.error = null;
    this.started = true;
    this.played = !paused;
    const specs = this.specs().map(({ entrant, spec }) => ({ entrant, spec: JSON.stringify(spec) }));
    this.runId = (this.runId || 0) + 1;
    this.post({ type: 'start', specs, paused, run: this.runId, untilSolved: this.state.until === 'solved' });
  }

  play() {
    if (!this.started || this.error) { this.start(false); return; }
    if (this.allDone()) { if (this.state.mode === 'sweep') this.sweep = null; this.start(false); return; }
    this.played = true;
    this.post({ type: 'resume' });
  }

  pause() { this.post({ type: 'pause' }); }

  /** One evaluation period for every entrant: each trains until its next record. */
  step() {
    if (!this.started || this.error) { this.start(true); this.post({ type: 'step' }); return; }
    this.post({ type: 'step' });
  }

  /** Back to iteration 0, paused, charts empty. */
  reset() {
    this.sweep = null;
    this.post({ type: 'reset' });
    this.runId = (this.runId || 0) + 1;
    this.started = false;
    this.played = false;
    this.clear();
    this.running = false;
    this.stepping = false;
    this.emit('transport', { running: false });
  }

  /**
   * One speed faster (`by` = 1) or slower (`by` = −1), for the keyboard; stops at full speed and
   * at the slowest (never wraps: a learner pressing "faster" never gets slower). Returns whether
   * the speed changed.
   */
  stepSpeed(by) {
    const i = SPEEDS.findIndex((v) => v >= this.state.speed - 1e-9);
    const j = Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? SPEEDS.length - 1 : i) + by));
    if (SPEEDS[j] === this.state.speed) return false;
    this.set({ speed: SPEEDS[j] });
    return true;
  }

  /** What this view's examples are called (the core's word for a task's: `sequences`). */
  get items() { return this.core.trainLimits.items.task; }

  allDone() { return this.entrants.length > 0 && this.entrants.every((e) => e.final); }

  clear() {
    this.entrants = [];
    this.pending = [];
    this.charts.reset(NaN, this.core.trainLimits.criterion, 'test_solved', this.items);
    this.redrawSweep();
    this.emit('started');
  }

  redrawSweep() {
    for (const p of this.sweep?.points ?? []) this.charts.sweep_point(p.cell, p.T, p.success);
  }

  fail(detail) {
    this.error = detail;
    this.running = false;
    if (detail.fatal) {
      this.worker?.terminate();
      this.worker = null;
      this.started = false;
    }
    this.emit('error', detail);
    this.emit('transport', { running: false });
  }

  onMessage(m) {
    if (m.type !== 'final' && m.type !== 'answer' && m.type !== 'ready' && m.run !== this.runId) return; // from a run since reset
    switch (m.type) {
      case 'started': {
        const first = m.entrants[0]?.info;
        this.charts.reset(first?.baseline ?? NaN, first?.criterion ?? this.core.trainLimits.criterion, first?.success_field ?? 'test_solved', first?.items ?? this.items);
        this.redrawSweep();
        this.entrants = m.entrants.map(({ entrant, info }) => {
          const cellName = entrant.split('|')[0];
          const cell = this.cell(cellName);
          const label = this.entrantLabel(entrant);
          return { name: entrant, cellName, info, cell, label, run: this.charts.add_run(cellName, label), records: [], parsed: [], final: null, reached: null };
        });
        this.emit('started');
        break;
      }
      case 'record': {
        const e = this.entrants.find((x) => x.name === m.entrant);
        if (!e) break;
        this.pending.push([e, m.record]);
        // Records come in bursts (one per entrant per slice): drawn once a frame.
        this.flushTimer ??= requestAnimationFrame(() => this.flush());
        break;
      }
      case 'done': {
        const e = this.entrants.find((x) => x.name === m.entrant);
        if (e) e.final = JSON.parse(m.final);
        this.emit('done', { entrant: m.entrant });
        if (this.state.mode === 'sweep' && this.allDone()) this.sweepNext();
        break;
      }
      case 'final':
      case 'answer': {
        const w = this.finalWaiters.get(m.id);
        this.finalWaiters.delete(m.id);
        w?.(m);
        break;
      }
      case 'state':
        this.running = m.running;
        this.stepping = !!m.stepping;
        this.emit('transport', { running: m.running, stepping: this.stepping });
        break;
      case 'error':
        this.fail({ message: m.message, field: m.field, entrant: m.entrant, fatal: m.fatal });
        break;
      default:
        break;
    }
  }

  flush() {
    this.flushTimer = null;
    const start = performance.now();
    const touched = new Set();
    for (const [e, record] of this.pending) {
      try { this.charts.push(e.run, record); } catch (err) { reportError(err); continue; }
      const r = JSON.parse(record);
      e.records.push(record);
      e.parsed.push(r);
      const success = r.test_solved ?? r.test_accuracy;
      if (!e.reached && success >= (e.info.criterion ?? 0.95)) e.reached = { sequences: r.sequences, seconds: r.seconds, iteration: r.iteration };
      touched.add(e.name);
    }
    this.pending = [];
    performance.measure('train:read', { start, end: performance.now() });
    if (touched.size) this.emit('records', { entrants: [...touched] });
    performance.measure('train:records', { start, end: performance.now() });
  }

  /** Resolves to `{record, params}` of an entrant (params: JSON text keyed by name). */
  finalOf(entrant) {
    return new Promise((resolve) => {
      this.finalId += 1;
      this.finalWaiters.set(this.finalId, resolve);
      this.post({ type: 'final', entrant, id: this.finalId });
    });
  }

  /**
   * Calls `method` of an entrant's trainer in the worker (`call` in train-worker.js) with `args`;
   * resolves to its value, rejects with its error (an `Error` whose message names the field).
   */
  call(entrant, method, args = []) {
    return new Promise((resolve, reject) => {
      this.finalId += 1;
      this.finalWaiters.set(this.finalId, (m) => (m.error ? reject(new Error(m.error)) : resolve(m.value)));
      this.post({ type: 'call', entrant, method, args, id: this.finalId });
    });
  }

  /** Resolves once the worker has set up the run (if one was started), every record that arrived
   *  is drawn and every call is answered: the panels then show the run as it is. */
  async settled() {
    const frame = () => new Promise((r) => { requestAnimationFrame(() => r()); });
    const idle = () => this.dead || this.error || ((!this.started || this.entrants.length > 0) && !this.stepping
      && this.finalWaiters.size === 0 && this.pending.length === 0 && this.flushTimer == null);
    for (let calm = 0; calm < 2;) {
      await new Promise((r) => { setTimeout(r, 0); });
      await frame();
      calm = idle() ? calm + 1 : 0;
    }
  }

  /**
   * Brings every entrant to exactly iteration `iteration` (a multiple of EVAL.every) of this run,
   * seeded as the settings say, and pauses there; with `until=solved` an entrant that meets the
   * criterion first stops where it did. Starts again from iteration 0 when the run was played
   * (the entrants may be between records) or an entrant is past `iteration`; otherwise steps on,
   * one evaluation period at a time. Rejects when an entrant's budget is spent first or the run
   * fails. The same settings always give the same records.
   */
  async trainTo(iteration) {
    if (!Number.isInteger(iteration) || iteration < 0 || iteration % EVAL.every !== 0) {
      throw new Error(`trainTo: expected a multiple of ${EVAL.every}, got ${iteration}`);
    }
    if (this.state.mode === 'sweep') throw new Error('trainTo: a sweep has no single iteration to train to');
    await this.settled();
    if (this.running) { this.pause(); await this.until(() => !this.running); }
    const at = (e) => e.parsed.at(-1)?.iteration ?? 0;
    if (this.played || this.entrants.some((e) => at(e) > iteration)) {
      this.reset();
      await this.settled();
    }
    const behind = () => this.entrants.filter((e) => at(e) < iteration);
    while (!this.started || behind().some((e) => !e.final)) {
      this.step();
      await this.until(() => this.stepping);
      await this.until(() => !this.stepping);
      if (this.error || this.dead) throw new Error(this.error?.message ?? 'trainTo: the element was removed');
      await this.settled();
    }
    const spent = behind().find((e) => !e.reached);
    if (spent) throw new Error(`trainTo: ${spent.label} spent its budget (${this.state.budget} s) at iteration ${at(spent)}, before ${iteration}`);
  }

  /** Resolves at the first transport or error event after which `test()` holds. */
  until(test) {
    return new Promise((resolve) => {
      const check = () => {
        if (!test() && !this.error && !this.dead) return;
        this.removeEventListener('transport', check);
        this.removeEventListener('error', check);
        resolve();
      };
      this.addEventListener('transport', check);
      this.addEventListener('error', check);
      check();
    });
  }

  /** Every record of every entrant as JSON lines, each with its `cell`. */
  jsonl() {
    return this.entrants.flatMap((e) => e.records.map((r) => `{"cell":${JSON.stringify(e.name)},${r.slice(1)}`)).join('\n') + '\n';
  }

  /** Every record as CSV: one row per record and entrant, scalar fields only. */
  csv() {
    const cols = ['cell', 'iteration', 'sequences', 'seconds', 'train_loss', 'test_loss', 'success', 'grad_norm', 'clipped', 'clip_count', 'rho_max', 'sigma_max'];
    const rows = [cols.join(',')];
    for (const e of this.entrants) {
      for (const r of e.parsed) {
        const first = r.w_hh.filter((b) => b.layer === 0 && b.direction === 0);
        const rho = Math.max(...first.map((b) => b.spectral_radius));
        const sig = Math.max(...first.map((b) => b.max_singular_value));
        const v = [e.name, r.iteration, r.sequences, r.seconds, r.train_loss ?? '', r.test_loss, r.test_solved ?? r.test_accuracy, r.grad_norm ?? '', r.clipped ?? '', r.clip_count, rho, sig];
        rows.push(v.join(','));
      }
    }
    return `${rows.join('\n')}\n`;
  }

  destroy() {
    this.worker?.terminate();
    this.worker = null;
    this.charts.free();
    this.dead = true;
  }
}
