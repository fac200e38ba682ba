// The transport: play, pause, one step (one evaluation period: every entrant trains until its
// next log record), reset (back to iteration 0) and speed. All five from the keyboard: the
// buttons themselves, and the shortcuts Space (play/pause), S or → (step), R (reset), F (faster)
// and Shift+F (slower); the speed stops at full speed and at the slowest, it never wraps.
// Errors of the spec (named by field) and of the engine show here, in an alert.
import { listen } from '../common.js';
import { queueDraw } from './charts.js';
import { listWords } from '../../format.js';

export const name = 'train-transport';
export const region = 'controls';
export const controls = [];
export const title = 'Transport';

const speedText = (v) => (v >= 1 ? 'full speed' : `${Math.round(v * 100)} %`);

export const template = (core) => `
<section class="panel transport" id="panel-train-transport" data-widget="train-transport">
  <h2>Training</h2>
  <div class="buttons" role="group" aria-label="Training controls">
    <button type="button" id="train-play" aria-keyshortcuts="Space" title="Play (Space)">▶ Play</button>
    <button type="button" id="train-pause" aria-keyshortcuts="Space" title="Pause (Space)">❚❚ Pause</button>
    <button type="button" id="train-step" aria-keyshortcuts="S ArrowRight" title="One step: train until every entrant's next record (S)">Step</button>
    <button type="button" id="train-reset" aria-keyshortcuts="R" title="Back to iteration 0 (R)">Reset</button>
    <label class="speed" title="Speed (F faster, Shift+F slower)">Speed <select id="train-speed" aria-keyshortcuts="F Shift+F">${[0.1, 0.25, 0.5, 1].map((v) => `<option value="${v}">${speedText(v)}</option>`).join('')}</select></label>
  </div>
  <p class="hint keys">Keys: <kbd>Space</kbd> play/pause · <kbd>S</kbd> step · <kbd>R</kbd> reset · <kbd>F</kbd> faster · <kbd>Shift</kbd>+<kbd>F</kbd> slower</p>
  <p id="train-status" class="status" role="status"></p>
  <p id="train-workers" class="hint"></p>
  <div id="train-error" class="error" role="alert" hidden></div>
</section>`;

/** Where the training runs, in words: how many workers, for how many cores, and who shares or
 *  splits one (the pool's `layout`, the entrants' `ways` from the core's split decision). */
export function workersText(session, cores = globalThis.navigator?.hardwareConcurrency || 1) {
  const layout = session.worker?.layout?.();
  if (!layout || !session.started || !session.entrants.length) return '';
  const machine = `this machine has ${cores} core${cores === 1 ? '' : 's'}${layout.size === cores ? ', a worker per core' : ''}`;
  const label = (name) => session.entrants.find((e) => e.name === name)?.label ?? name;
  const split = session.entrants.filter((e) => (e.info?.ways ?? 1) > 1);
  if (split.length) {
    const who = listWords(split.map((e) => e.label));
    return `${who} ${split.length === 1 ? 'is' : 'are each'} split across ${split[0].info.ways} workers (${machine}): each worker computes part of every mini-batch, and the parts' gradients are summed.`;
  }
  const used = layout.groups.length;
  const workers = used === 1 ? 'One worker' : `${used} workers`;
  if (session.entrants.length === 1) {
    const small = layout.size > 1 ? ': its mini-batches are too small to be worth splitting across more' : '';
    return `${workers} trains ${label(session.entrants[0].name)} (${machine})${small}.`;
  }
  const most = Math.max(...layout.groups.map((g) => g.length));
  if (most === 1) return `${workers}, one per entrant (${machine}): every entrant trains side by side.`;
  if (session.state.mode === 'sweep') return `${workers} (${machine}): the ${session.entrants.length} runs of this length take turns, up to ${most} on a worker.`;
  const shared = layout.groups.filter((g) => g.length > 1).map((g) => `${listWords(g.map(label))} take turns on one`);
  return `${workers} (${machine}): ${shared.join('; ')}, so the race takes longer than its slowest entrant alone.`;
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  $('train-play').addEventListener('click', () => session.play());
  $('train-pause').addEventListener('click', () => session.pause());
  $('train-step').addEventListener('click', () => session.step());
  $('train-reset').addEventListener('click', () => session.reset());
  $('train-speed').addEventListener('change', (e) => session.set({ speed: Number(e.target.value) }));
  const show = () => {
    const running = session.running || session.stepping;
    $('train-play').disabled = session.running;
    $('train-pause').disabled = !session.running;
    $('train-play').setAttribute('aria-pressed', String(session.running));
    $('train-speed').value = String(session.state.speed);
    const seen = session.entrants.map((e) => e.parsed.at(-1)).filter(Boolean);
    const its = seen.length ? Math.max(...seen.map((r) => r.iteration)) : 0;
    // In a sweep, the words say which length trains (its runs are the entrants).
    const sw = session.state.mode === 'sweep' ? session.sweep : null;
    const at = sw && sw.index < sw.steps.length ? ` at T = ${sw.steps[sw.index]} (length ${sw.index + 1} of ${sw.steps.length})` : '';
    let s;
    if (session.error) s = 'Stopped: fix the setting named below, then press Play.';
    else if (!session.started) s = session.readyText ?? (session.state.mode === 'sweep' ? 'Ready: press Play to start the sweep (or Step for one evaluation period).' : 'Ready: press Play to start the race (or Step for one evaluation period).');
    else if (sw && sw.index >= sw.steps.length) s = 'Finished: the sweep has trained at every length.';
    else if (session.allDone()) s = session.entrants.some((e) => e.reached) ? 'Finished: every entrant solved the task or spent its budget.' : 'Finished: every entrant spent its budget.';
    else if (running) s = `Training${at}… iteration ${its.toLocaleString('en')}`;
    else s = `Paused${at} at iteration ${its.toLocaleString('en')}.`;
    $('train-status').textContent = s;
  };
  // Where the training runs changes only when a run starts or stops, not with its records.
  const showWhere = () => { $('train-workers').textContent = workersText(session); };
  const showError = () => {
    const box = $('train-error');
    if (!session.error) { box.hidden = true; box.textContent = ''; return; }
    const { message, field, entrant } = session.error;
    const who = entrant ? ` (${session.entrantLabel(entrant)})` : '';
    const key = field && session.controlOf(field);
    const what = key ? `The setting ${key} (${field})` : `The setting “${field}”`;
    const why = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
    box.textContent = field ? `${what} cannot be used${who}: ${why}` : `${message}${who}`;
    box.hidden = false;
  };
  const off = listen(session, {
    transport: () => { show(); showWhere(); }, records: () => queueDraw(show), sweep: show, started: () => { showError(); show(); showWhere(); }, error: () => { showError(); show(); showWhere(); }, state: show, done: show,
  });
  show();
  showWhere();
  return {
    redraw() {},
    /** The shortcuts; returns true when the key was one. */
    keys(e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return false;
      const k = e.key;
      if (k === ' ') { if (session.running) session.pause(); else session.play(); } else if (k === 's' || k === 'S' || k === 'ArrowRight') session.step();
      else if (k === 'r' || k === 'R') session.reset();
      else if (k === 'f' || k === 'F') {
        const slower = e.shiftKey;
        if (!session.stepSpeed(slower ? -1 : 1)) $('train-status').textContent = slower ? 'Already at the slowest speed (10 %).' : 'Already at full speed.';
      }
      else return false;
      e.preventDefault();
      return true;
    },
    destroy: off,
  };
}
