// The race's settings: the task and T, the entrants (from the cell table), the seed, the carry
// gate's bias (the lab's `fb`), the learning rate, the batch, the hidden size and the budget.
// Any change resets the run (the charts would otherwise mix two experiments).
import { esc, listen } from '../common.js';

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

const num = (id, label, attrs, ctl, hint = '') => `
  <div class="field row" data-control="${ctl}">
    <label for="${id}">${label}</label>
    <input type="number" id="${id}" ${attrs}>
  </div>${hint ? `<p class="hint" data-control="${ctl}">${hint}</p>` : ''}`;

export const template = (core) => {
  const L = core.trainLimits;
  return `
<section class="panel" id="panel-train-setup" data-widget="train-setup">
  <h2>Task and models</h2>
  <div class="field" data-control="task">
    <label for="train-task">Task</label>
    <select id="train-task">${L.tasks.map((t) => `<option value="${t}">${esc(TASK_TEXT[t] || t)}</option>`).join('')}</select>
  </div>
  ${num('train-T', 'Sequence length T', `min="${L.steps.min}" max="${L.steps.max}" step="1"`, 'task')}
  <fieldset class="cells" data-control="cells">
    <legend>Entrants of the race</legend>
    ${core.cells.map((c) => `<label><input type="checkbox" name="train-cell" value="${c.name}"> <span class="swatch" style="background:${c.color}"></span>${esc(c.label)}</label>`).join('\n    ')}
  </fieldset>
  ${num('train-fb', 'Carry-gate bias', `min="${L.carry_bias.min}" max="${L.carry_bias.max}" step="0.5"`, 'fb',
    'The starting bias of the gate that keeps the memory (LSTM forget gate f, GRU update gate z). At 5 (the default) it starts open: σ(5) = 0.993, so the memory survives 50 steps (0.993⁵⁰ ≈ 0.7). At 1 (σ = 0.73) it fades within a few dozen steps (0.73⁵⁰ ≈ 10⁻⁷) and in our runs the LSTM stayed on the plateau; try 1 or −3 to watch a gate that starts shut fail.')}
  ${num('train-lr', 'Learning rate (Adam)', `min="${L.lr.min}" max="${L.lr.max}" step="any"`, 'lr')}
  ${num('train-batch', 'Batch size', `min="${L.batch_size.min}" max="${L.batch_size.max}" step="1"`, 'batch')}
  ${num('train-H', 'Hidden size H', `min="${L.hidden_size.min}" max="${L.hidden_size.max}" step="1"`, 'H')}
  ${num('train-seed', 'Seed', `min="${L.seed.min}" max="${L.seed.max}" step="1"`, 'seed')}
  ${num('train-budget', 'Budget per entrant (s)', 'min="1" max="3600" step="1"', 'budget')}
  <div class="field row" data-control="budget">
    <label for="train-until">Each entrant trains</label>
    <select id="train-until"><option value="solved">until it solves the task</option><option value="budget">for its whole budget</option></select>
  </div>
  <div class="field row" data-control="mode">
    <label for="train-mode">Mode</label>
    <select id="train-mode"><option value="race">Race: one run each</option><option value="sweep">Sweep: success against T</option></select>
  </div>
  ${num('train-seeds', 'Sweep: seeds per length', 'min="1" max="10" step="1"', 'mode')}
  ${num('train-sbudget', 'Sweep: seconds per run', 'min="1" max="600" step="1"', 'mode')}
  <p class="error" id="train-setup-error" role="alert" hidden></p>
  <p class="hint">Gradients clipped to norm ${L.recipe.clip_norm}; a held-out set of ${256} sequences is scored every ${25} iterations. Every entrant gets the same task, seed and budget; one that solves the task stops there (unless it trains for its whole budget), so the others train on alone.</p>
</section>`;
};

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const fields = { 'train-seeds': 'seeds', 'train-sbudget': 'sbudget', 'train-T': 'T', 'train-fb': 'fb', 'train-lr': 'lr', 'train-batch': 'batch', 'train-H': 'H', 'train-seed': 'seed', 'train-budget': 'budget' };
  const sync = () => {
    const s = session.state;
    $('train-task').value = s.task;
    $('train-mode').value = s.mode;
    $('train-until').value = s.until;
    $('train-T').min = String(session.core.trainLimits.min_steps[s.task] ?? 1);
    root.querySelectorAll('#train-seeds, #train-sbudget').forEach((el) => { el.closest('.field').hidden = s.mode !== 'sweep'; });
    for (const [id, key] of Object.entries(fields)) {
      if (root.getRootNode().activeElement !== $(id)) $(id).value = s[key];
    }
    root.querySelectorAll('input[name=train-cell]').forEach((b) => { b.checked = s.cells.includes(b.value); });
  };
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
        const label = root.querySelector(`label[for=${id}]`).textContent;
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
