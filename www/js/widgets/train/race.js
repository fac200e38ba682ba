// The race in words: who leads, and when each entrant reached the criterion (sequences seen and
// its own training seconds), so the result is stated and not only drawn. The sentence on screen
// and the table under it are drawn from the same records in every frame (they never disagree);
// a screen reader gets the sentence from a live region of its own, rewritten only when the
// leader or a finish changes (it is not read every record) and when the race stops.
import { percent as pct } from '../../format.js';
import { listen } from '../common.js';
import { queueDraw, success } from './charts.js';

export const name = 'train-race';
export const region = 'content';
export const controls = [];
export const modes = ['race'];
export const title = 'The race';

export const template = () => `
<section class="panel wide" id="panel-train-race" data-widget="train-race">
  <h2>The race</h2>
  <p id="race-sentence" class="race-live" aria-hidden="true">No records yet: press Play.</p>
  <p id="race-live" class="sr-only" aria-live="polite" aria-atomic="true">No records yet: press Play.</p>
  <table class="race-table" id="race-table"><caption class="sr-only">Latest record of each entrant</caption>
    <thead><tr><th scope="col">Entrant</th><th scope="col">Held-out success</th><th scope="col">Held-out loss</th><th scope="col">Sequences seen</th><th scope="col">Training time</th><th scope="col">Reached the criterion</th></tr></thead>
    <tbody></tbody></table>
</section>`;

const NUM = new Intl.NumberFormat('en');
const int = (x) => NUM.format(Math.round(x));
const secs = (x) => `${x.toFixed(1)} s`;

/** The race's state in one sentence (exported for tests and the element). */
export function raceSentence(session) {
  const es = session.entrants.filter((e) => e.parsed.length);
  if (!es.length) return session.started ? 'Starting…' : 'No records yet: press Play.';
  const crit = pct(es[0].info.criterion ?? 0.95);
  const what = es[0].info.success_field === 'test_accuracy' ? 'accuracy' : 'solved';
  const reached = es.filter((e) => e.reached).sort((a, b) => a.reached.sequences - b.reached.sequences || a.reached.seconds - b.reached.seconds);
  const parts = [];
  if (reached.length) {
    const w = reached[0];
    parts.push(`Winner: ${w.label}, the first to reach ${crit} ${what}, after ${int(w.reached.sequences)} sequences (${secs(w.reached.seconds)} of its training).`);
    for (const e of reached.slice(1)) parts.push(`${e.label} reached it after ${int(e.reached.sequences)} sequences (${secs(e.reached.seconds)}).`);
    const not = es.filter((e) => !e.reached);
    const spent = not.filter((e) => e.final);
    const going = not.filter((e) => !e.final);
    if (spent.length) parts.push(`${spent.map((e) => `${e.label} did not within its budget (${pct(success(e.parsed.at(-1)))} after ${int(e.parsed.at(-1).sequences)} sequences)`).join('; ')}.`);
    if (going.length) parts.push(`Not yet: ${going.map((e) => `${e.label} (${pct(success(e.parsed.at(-1)))})`).join(', ')}.`);
  } else {
    const ranked = [...es].sort((a, b) => success(b.parsed.at(-1)) - success(a.parsed.at(-1)) || a.parsed.at(-1).test_loss - b.parsed.at(-1).test_loss);
    const lead = ranked[0];
    const r = lead.parsed.at(-1);
    parts.push(`Leading: ${lead.label}, ${pct(success(r))} ${what} after ${int(r.sequences)} sequences; none has reached ${crit} yet.`);
    if (ranked.length > 1) parts.push(`Then ${ranked.slice(1).map((e) => `${e.label} ${pct(success(e.parsed.at(-1)))}`).join(', ')}.`);
  }
  return parts.join(' ');
}

export function mount(root, session) {
  const sentence = root.querySelector('#race-sentence');
  const live = root.querySelector('#race-live');
  const body = root.querySelector('#race-table tbody');
  let said = '';
  const draw = () => {
    const t0 = performance.now();
    // The sentence on screen: this frame's; the live one: only when who leads or finished changes.
    const s = raceSentence(session);
    if (sentence.textContent !== s) sentence.textContent = s;
    const shape = s.replace(/[\d.,]+[ \u00a0]?(%|s\b|sequences)/g, '#'); // numbers, with a plain or no-break space
    if (shape !== said || !session.running) { live.textContent = s; said = shape; }
    // Rows rebuilt only when the entrants change; else their cells' text is rewritten.
    if (body.children.length !== session.entrants.length || [...body.children].some((tr, i) => tr.dataset.entrant !== session.entrants[i].name)) {
      body.replaceChildren(...session.entrants.map((e) => {
        const tr = document.createElement('tr');
        tr.dataset.entrant = e.name;
        tr.innerHTML = `<th scope="row"><span class="swatch" style="background:${e.cell.color}"></span>${e.label}</th>${'<td></td>'.repeat(5)}`;
        return tr;
      }));
    }
    session.entrants.forEach((e, i) => {
      const r = e.parsed.at(-1);
      const tr = body.children[i];
      const cells = [
        r ? pct(success(r)) : '—',
        r ? r.test_loss.toPrecision(3) : '—',
        r ? int(r.sequences) : '—',
        r ? secs(r.seconds) : '—',
        e.reached ? `after ${int(e.reached.sequences)} sequences, ${secs(e.reached.seconds)}` : (e.final ? 'no (budget spent)' : 'not yet'),
      ];
      cells.forEach((c, k) => {
        const td = tr.children[k + 1];
        if (td.textContent !== c) td.textContent = c;
      });
    });
    performance.measure('text:race', { start: t0, end: performance.now() });
  };
  const request = () => queueDraw(draw); // a task of its own, like each chart
  const off = listen(session, { records: request, started: request, done: request, transport: request });
  draw();
  return { redraw: draw, destroy: off };
}
