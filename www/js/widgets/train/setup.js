// The training view's settings: the mode, the task and T, the entrants (from the cell table), the
// seed, the carry gate's bias (the lab's `fb`), the learning rate, the batch, the hidden size, and
// the budget (a race's) or the seeds and seconds per run (a sweep's): only the fields of the
// current mode show (`data-modes`). On a phone the panel comes first, folded to a one-line
// summary with a Change button. Any change resets the run (the charts would otherwise mix two
// experiments).
import { esc, listen } from '../common.js';
import { sweepSteps } from '../../train-state.js';

export const name = 'train-setup';
export const region = 'controls';
export const controls = ['task', 'cells', 'seed', 'fb', 'lr', 'batch', 'H', 'budget', 'mode'];
export const title = 'Task and models';

const TASK_TEXT = {
  adding: 'Adding (Hochreiter & Schmidhuber 1997)',
  adding_sum: 'Adding, fixed length (Le et al. 2015)',
  temporal_order: 'Temporal order (1997, exp. 6a)',
  copy: 'Copy memory (Arjovsky et al. 2016)',
};

/** A number field; `modes` (space-separated) names the modes it applies to (all when empty). */
const num = (id, label, attrs, ctl, hint = '', modes = '') => {
  const m = modes ? ` data-modes="${modes}"` : '';
  return `
  <div class="field row" data-control="${ctl}"${m}>
    <label for="${id}">${label}</label>
    <input type="number" id="${id}" ${attrs}>
  </div>${hint ? `<p class="hint" data-control="${ctl}"${m}>${hint}</p>` : ''}`;
};

/** Text that differs by mode: `<span data-modes=race>…</span><span data-modes=sweep>…</span>`. */
const byMode = (race, sweep) => `<span data-modes="race">${race}</span><span data-modes="sweep">${sweep}</span>`;

export const template = (core) => {
  const L = core.trainLimits;
  return `
<section class="panel" id="panel-train-setup" data-widget="train-setup">
  <div class="panel-head">
    <h2>Task and models</h2>
    <button type="button" class="setup-toggle" id="train-setup-toggle" aria-expanded="false" aria-controls="train-setup-body">Change</button>
  </div>
  <p class="setup-summary" id="train-setup-summary"></p>
  <div class="setup-body" id="train-setup-body">
  <div class="field" data-control="mode">
    <label for="train-mode">Mode</label>
    <select id="train-mode"><option value="race">Race: one run each</option><option value="sweep">Sweep: success against T</option></select>
  </div>
  <div class="field" data-control="task">
    <label for="train-task">Task</label>
    <select id="train-task">${L.tasks.map((t) => `<option value="${t}">${esc(TASK_TEXT[t] || t)}</option>`).join('')}</select>
  </div>
  <div class="field row" data-control="task">
    <label for="train-T">${byMode('Sequence length T', 'Longest length T')}</label>
    <input type="number" id="train-T" min="${L.steps.min}" max="${L.steps.max}" step="1">
  </div>
  <p class="hint" data-control="task" data-modes="sweep" id="train-sweep-lengths"></p>
  <fieldset class="cells" data-control="cells">
    <legend>${byMode('Entrants of the race', 'Cells in the sweep')}</legend>
    ${core.cells.map((c) => `<label><input type="checkbox" name="train-cell" value="${c.name}"> <span class="swatch" style="background:${c.color}"></span>${esc(c.label)}</label>`).join('\n    ')}
  </fieldset>
  ${num('train-fb', 'Carry-gate bias', `min="${L.carry_bias.min}" max="${L.carry_bias.max}" step="0.5"`, 'fb')}
  <details class="hint" data-control="fb"><summary>What the carry-gate bias does</summary>The starting bias of the gate that keeps the memory (LSTM forget gate f, GRU update gate z). At 5 (the default) it starts open: σ(5) = 0.993, so the memory survives 50 steps (0.993⁵⁰ ≈ 0.7). At 1 (σ = 0.73) it fades within a few dozen steps (0.73⁵⁰ ≈ 10⁻⁷) and in our runs the LSTM stayed on the plateau; try 1 or −3 to watch a gate that starts shut fail.</details>
  ${num('train-lr', 'Learning rate (Adam)', `min="${L.lr.min}" max="${L.lr.max}" step="any"`, 'lr')}
  ${num('train-batch', 'Batch size', `min="${L.batch_size.min}" max="${L.batch_size.max}" step="1"`, 'batch')}
  ${num('train-H', 'Hidden size H', `min="${L.hidden_size.min}" max="${L.hidden_size.max}" step="1"`, 'H')}
  <div class="field row" data-control="seed">
    <label for="train-seed">${byMode('Seed', 'First seed')}</label>
    <input type="number" id="train-seed" min="${L.seed.min}" max="${L.seed.max}" step="1">
  </div>
  ${num('train-budget', 'Budget per entrant (s)', 'min="1" max="3600" step="1"', 'budget', '', 'race')}
  <div class="field row" data-control="budget" data-modes="race">
    <label for="train-until">Each entrant trains</label>
    <select id="train-until"><option value="solved">until it solves the task</option><option value="budget">for its whole budget</option></select>
  </div>
  ${num('train-seeds', 'Seeds per length', 'min="1" max="10" step="1"', 'mode', '', 'sweep')}
  ${num('train-sbudget', 'Seconds per run', 'min="1" max="600" step="1"', 'mode', '', 'sweep')}
  <p class="error" id="train-setup-error" role="alert" hidden></p>
  <p class="hint">Gradients clipped to norm ${L.recipe.clip_norm}; a held-out set of ${256} sequences is scored every ${25} iterations. ${byMode('Every entrant gets the same task, seed and budget; one that solves the task stops there (unless it trains for its whole budget), so the others train on alone.', 'Every cell trains once per seed at each length, for the seconds per run or until it solves the task; the chart plots the best success each run reached, averaged over the seeds.')}</p>
  </div>
</section>`;
};

/** The settings in one line (what a phone shows while the settings are folded away). */
function summary(session) {
  const s = session.state;
  const cells = s.cells.map((c) => session.cell(c)?.label ?? c).join(', ');
  const what = s.mode === 'sweep'
    ? `Sweep at T = ${sweepSteps(s, session.core.trainLimits.min_steps[s.task]).join(', ')}, ${s.seeds} seed${s.seeds === 1 ? '' : 's'}, ${s.sbudget} s a run`
    : `Race at T = ${s.T}, ${s.budget} s each`;
  return `${TASK_TEXT[s.task] ?? s.task}. ${what}: ${cells}.`;
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const fields = { 'train-seeds': 'seeds', 'train-sbudget': 'sbudget', 'train-T': 'T', 'train-fb': 'fb', 'train-lr': 'lr', 'train-batch': 'batch', 'train-H': 'H', 'train-seed': 'seed', 'train-budget': 'budget' };
  const sync = () => {
    const s = session.state;
    $('train-task').value = s.task;
    $('train-mode').value = s.mode;
    $('train-until').value = s.until;
    $('train-T').min = String(session.core.trainLimits.min_steps[s.task] ?? 1);
    // Only the fields of the current mode (a race's budget does nothing in a sweep).
    root.querySelectorAll('[data-modes]').forEach((el) => { el.hidden = !el.dataset.modes.split(' ').includes(s.mode); });
    const steps = sweepSteps(s, session.core.trainLimits.min_steps[s.task]);
    $('train-sweep-lengths').textContent = `The sweep trains at T = ${steps.join(', ')}: from the task's shortest, each twice the last, up to T.`;
    $('train-setup-summary').textContent = summary(session);
    for (const [id, key] of Object.entries(fields)) {
      if (root.getRootNode().activeElement !== $(id)) $(id).value = s[key];
    }
    root.querySelectorAll('input[name=train-cell]').forEach((b) => { b.checked = s.cells.includes(b.value); });
  };
  // On a phone the settings come first, folded to one line (CSS shows the toggle only there).
  const toggle = $('train-setup-toggle');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Done' : 'Change';
    $('train-setup-body').classList.toggle('folded', !open);
  });
  $('train-setup-body').classList.add('folded');
  $('train-task').addEventListener('change', (e) => session.set({ task: e.target.value }));
  $('train-mode').addEventListener('change', (e) => session.set({ mode: e.target.value }));
  $('train-until').addEventListener('change', (e) => session.set({ until: e.target.value }));
  const problem = $('train-setup-error');
  const say = (text) => { problem.textContent = text; problem.hidden = !text; };
  for (const [id, key] of Object.entries(fields)) {
    $(id).addEventListener('change', (e) => {
      const v = Number(e.target.value);
      if (e.target.value.trim() === '' || !Number.isFinite(v)) { sync(); return; }
      // The key's own range (the one a link is checked against) is checked here; limits that
      // depend on several settings (work per iteration) are the core's, and its error names them.
      const { range } = session.table.find((d) => d.key === key);
      if (range && (v < range.min || v > range.max)) {
        const el = root.querySelector(`label[for=${id}]`);
        const label = (el.querySelector('[data-modes]:not([hidden])') ?? el).textContent;
        say(`${label}: expected ${range.min} to ${range.max}, got ${v}; kept ${session.state[key]}.`);
        e.target.value = session.state[key];
        return;
      }
      say('');
      session.set({ [key]: key === 'lr' || key === 'fb' ? v : Math.round(v) });
    });
  }
  root.querySelectorAll('input[name=train-cell]').forEach((b) => b.addEventListener('change', () => {
    const on = [...root.querySelectorAll('input[name=train-cell]:checked')].map((x) => x.value);
    if (on.length === 0) { b.checked = true; return; } // a race needs an entrant
    session.set({ cells: on });
  }));
  sync();
  const off = listen(session, { state: sync });
  return { redraw() {}, destroy: off };
}
