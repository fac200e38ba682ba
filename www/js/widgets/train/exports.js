// Downloads of a run: the log as JSON lines (each record with its `cell`) and as CSV (scalar
// fields, ρ and σ_max the largest over the gate blocks), and each entrant's trained parameters as
// a training spec that `unrolled train` accepts (`model.params`, the names of a PyTorch module
// with attributes `rnn` and `fc`), to go on training or to reproduce the run natively.
import { download, listen } from '../common.js';
import { storeTrained } from '../../trained-store.js';

export const name = 'train-exports';
export const region = 'content';
export const controls = [];
export const title = 'Downloads';

export const template = () => `
<section class="panel wide" id="panel-train-exports" data-widget="train-exports">
  <h2>Downloads</h2>
  <div class="buttons">
    <button type="button" id="train-jsonl">Log (JSON lines)</button>
    <button type="button" id="train-csv">Log (CSV)</button>
    <button type="button" id="train-specs">Specs to reproduce (JSON)</button>
  </div>
  <p class="hint">The specs are one object keyed by entrant; run one natively with <code>jq .lstm unrolled-train-specs.json | unrolled train -</code>.</p>
  <div class="buttons">
    <button type="button" id="train-open-lab">Open the trained models in the lab</button>
  </div>
  <p class="hint" id="train-open-note">The lab shows each trained network as it is now: its W<sub>hh</sub>, its gates on a task sequence, its gradient flow with the task's loss.</p>
  <p class="hint">Trained parameters, as a spec <code>unrolled train</code> reads (<code>model.params</code>):</p>
  <div class="buttons" id="train-params"></div>
</section>`;

/** The spec of `entrant` with its current parameters (and no init: the parameters are given). */
export async function paramsSpec(session, entrant) {
  const { params } = await session.finalOf(entrant);
  const spec = session.specs().find((s) => s.entrant === entrant).spec;
  const model = { ...spec.model, params: JSON.parse(params) };
  delete model.init;
  return { ...spec, model };
}

/** Where the models come from, in words. */
function source(session, entrants) {
  const { spec } = session.specs()[0];
  const seen = entrants.map((e) => `${e.label} ${e.parsed.at(-1).sequences.toLocaleString('en')}`).join(', ');
  return `Trained in the race on ${spec.task.name} (T = ${spec.task.steps}), seed ${spec.seed}; sequences seen: ${seen}.`;
}

/**
 * Hands the entrants' current parameters to the lab (a new tab) through this browser's storage.
 * The tab opens at once, inside the click: opened after waiting for the worker, a slow machine
 * could lose the click's permission to open it. Returns the lab's address when the browser
 * blocked the tab (the caller then shows it as a link), otherwise nothing.
 */
async function openInLab(root, session) {
  const entrants = session.entrants.filter((e) => e.parsed.length > 0);
  if (!entrants.length) return undefined;
  const tab = window.open('', '_blank');
  try {
    const specs = await Promise.all(entrants.map(async (e) => JSON.stringify(await paramsSpec(session, e.name))));
    const id = storeTrained({ specs, source: source(session, entrants) });
    const href = root.getRootNode().host?.getAttribute('lab-href') || 'index.html'; // the element's, if any
    const url = new URL(`${href}#trained=${id}`, document.baseURI).href;
    const opened = tab ?? window.open(url, '_blank');
    if (!opened) return url;
    opened.opener = null;
    if (tab) tab.location.href = url;
    return null;
  } catch (e) {
    tab?.close();
    throw e;
  }
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const note = $('train-open-note');
  const noteText = note.innerHTML;
  $('train-open-lab').addEventListener('click', async () => {
    try {
      const blocked = await openInLab(root, session);
      note.innerHTML = noteText;
      if (blocked) {
        const a = Object.assign(document.createElement('a'), { href: blocked, target: '_blank', rel: 'noopener', textContent: 'open the lab here' });
        note.replaceChildren('This browser blocked the new tab: ', a, '.');
      }
    } catch (e) {
      note.textContent = e.message;
    }
  });
  $('train-jsonl').addEventListener('click', () => download('unrolled-train-log.jsonl', new Blob([session.jsonl()], { type: 'application/jsonl' })));
  $('train-csv').addEventListener('click', () => download('unrolled-train-log.csv', new Blob([session.csv()], { type: 'text/csv' })));
  $('train-specs').addEventListener('click', () => {
    const specs = Object.fromEntries(session.specs().map(({ entrant, spec }) => [entrant, spec]));
    download('unrolled-train-specs.json', new Blob([JSON.stringify(specs, null, 1)], { type: 'application/json' }));
  });
  const draw = () => {
    const box = $('train-params');
    box.replaceChildren(...session.entrants.map((e) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.dataset.entrant = e.name;
      b.textContent = `${e.label} parameters`;
      b.disabled = e.parsed.length === 0;
      b.addEventListener('click', async () => {
        const spec = await paramsSpec(session, e.name);
        download(`unrolled-${e.name}-trained.json`, new Blob([JSON.stringify(spec)], { type: 'application/json' }));
      });
      return b;
    }));
  };
  const syncOpen = () => {
    const sweep = session.state.mode === 'sweep';
    const b = $('train-open-lab');
    b.disabled = sweep || !session.entrants.some((e) => e.parsed.length > 0);
    b.title = sweep ? 'The lab opens the models of one race (the sweep trains on several lengths)' : '';
  };
  const off = listen(session, {
    started: () => { draw(); syncOpen(); },
    records: () => { if ($('train-params').querySelector(':disabled')) draw(); syncOpen(); },
  });
  syncOpen();
  draw();
  return { redraw() {}, destroy: off };
}
