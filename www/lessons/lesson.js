// The lessons' runtime: a lesson page is running text, native MathML and `<unrolled-lab>` /
// `<unrolled-train>` / `<unrolled-classify>` elements; its own module calls `runLesson(lesson)`
// with two tables, and this module makes them work:
//
//   claims       { id: { lab, config, iteration?, holds(el), says(el) } }
//     Every `.claim[data-claim=id]` in the text is a statement a widget on the page demonstrates
//     with `config` (for a classifier or a race, also trained to exactly `iteration`: its seeded
//     run makes that one model, those records). A "Show me" button after it sets the widget `lab` (an element id) to that
//     config and says the number that backs the claim (`says`). `holds` is the claim as a test:
//     e2e/tests/lessons.test.mjs applies every claim's config and asserts `holds` on the widget's
//     numbers, so the text cannot drift from what the widgets show.
//   predictions  { id: { lab, config, iteration?, choices: {value: label}, answer(el, base),
//                        explain(el, base), baseline?, measure? } }
//     Every `.predict[data-predict=id]` block asks a question first: the learner commits to a
//     choice, then the widget is set to `config`, the true answer is read from its numbers
//     (`answer`, never written down), and the block says whether the guess was right and why.
//     Text that gives the answer away is marked `data-after=id` and shown once it is answered.
//     The verdict takes focus and is scrolled into view only as far as needed. An answer is
//     kept with its verdict and explanation and shown again when the page is opened again;
//     "Answer again" reopens the choices (the kept answer stays until a new one is made).
//     A question about a change ("halve ρ: more or less?") names the setting it starts from,
//     `baseline`, and what is compared, `measure(el)`: `base` is that measure there.
//     A choice that is a cell is written `{cell: name}`: its label comes from the core's table
//     of cells ("The RNN tanh"), as the widgets name it.
//
// Progress (which predictions were answered, and how) is kept in this browser's localStorage
// (`unrolled-lessons`); a service worker (../sw.js) keeps what a lesson loaded so it works offline
// (`registerOffline`, which the course page uses too).

import { figure, percent } from '../pkg/js/format.js';

export { percent };

const STORE = 'unrolled-lessons';

/** The lessons, in order: their page, number, title and short name (the course's one table). */
export const LESSONS = [
  { id: '1', page: '1-recurrent-neuron.html', title: 'The recurrent neuron', short: 'Neuron' },
  { id: '2', page: '2-vanishing-exploding.html', title: 'Vanishing and exploding gradients', short: 'Gradients' },
  { id: '3', page: '3-lstm.html', title: 'LSTM, a path for the gradient', short: 'LSTM' },
  { id: '4', page: '4-gru.html', title: 'GRU, the merged state', short: 'GRU' },
  { id: '5', page: '5-classifier.html', title: 'An LSTM classifier', short: 'Classifier' },
];

/** ‖∂L/∂h‖ at lag `k` relative to lag 0, for cell `name` of lab element `el`. */
export function ratio(el, name, k) {
  const g = cellOf(el, name).gradByLag;
  return g[k] / g[0];
}

/** ‖∂L/∂c‖ (the LSTM's cell state) at lag `k` relative to lag 0. */
export function ratioC(el, name, k) {
  const g = cellOf(el, name).gradC;
  return g[g.length - 1 - k] / g[g.length - 1];
}

/** The carry path (∏ f for an LSTM, ∏ z for a GRU, over the steps after t) of the best-kept
 *  unit, by time step (the core's `carry_path_norm`). */
export function carryPaths(el, name) {
  return el.session.lab.per_step(cellOf(el, name).index, 'carry_path_norm');
}

/** The carry path at lag `k`. */
export function carryPath(el, name, k) {
  const p = carryPaths(el, name);
  return p[p.length - 1 - k];
}

/** The mean of cell `name`'s carry gate (f or z) over every unit and step. */
export function gateMean(el, name) {
  const c = cellOf(el, name);
  const s = c.series[c.info.carry.name];
  return s.reduce((a, b) => a + b, 0) / s.length;
}

/** The results of cell `name` in lab element `el`. */
export function cellOf(el, name) {
  const c = el.session.data.cells.find((x) => x.name === name);
  if (!c) throw new Error(`lesson: ${el.id} shows no ${name}`);
  return c;
}

/** Entrant `name` of race element `el` (`<unrolled-train>`): its records so far and, once it met
 *  the criterion, `reached` ({sequences, iteration}). */
export function entrantOf(el, name) {
  const e = el.session.entrants.find((x) => x.name === name);
  if (!e) throw new Error(`lesson: ${el.id} races no ${name}`);
  return e;
}

/** The lowest held-out loss entrant `name` has logged since iteration 0, over the constant
 *  predictor's (the dashed line of the loss chart): near 1 is the plateau. */
export function bestOverBaseline(el, name) {
  const e = entrantOf(el, name);
  const best = Math.min(...e.parsed.filter((r) => r.iteration > 0).map((r) => r.test_loss));
  return best / e.info.baseline;
}

/** The training sequences after which entrant `name` first scored 95 % (the criterion), or
 *  Infinity when it has not yet. */
export function sequencesTo95(el, name) {
  return entrantOf(el, name).reached?.sequences ?? Infinity;
}

/** Did entrant `name` reach the criterion only just: at the last evaluation at or before
 *  `iteration`, the cut-off the lesson trains it to (no later record could have said otherwise)? */
export function onlyJust(el, name, iteration) {
  const e = entrantOf(el, name);
  if (!e.reached || e.parsed.length < 2) return false;
  const every = e.parsed[1].iteration - e.parsed[0].iteration;
  return e.reached.iteration === Math.floor(iteration / every) * every;
}

/** The sequences after which entrant `name`'s held-out loss first fell below 0.9 of the constant
 *  guess's (it left the plateau), or Infinity. */
export function leftPlateau(el, name) {
  const e = entrantOf(el, name);
  return e.parsed.find((r) => r.iteration > 0 && r.test_loss < 0.9 * e.info.baseline)?.sequences ?? Infinity;
}

/** The success entrant `name` counts as solved, as text (`95 %`: its criterion, from the core). */
export const criterionOf = (el, name) => percent(entrantOf(el, name).info.criterion);

/** A number for running text: 3 significant digits, the minus sign, powers of ten for the very
 *  large or small (one argument only: `xs.map(num)` is safe). */
export function num(x) { return figure(x, 3); }

/** A number for running text to `n` significant digits (format.js `figure`, the one formatter). */
export function digits(x, n) { return figure(x, n); }

function loadProgress() {
  try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch { return {}; }
}

function saveProgress(p) {
  try { localStorage.setItem(STORE, JSON.stringify(p)); } catch { /* private mode: not kept */ }
}

/** This browser's progress in lesson `id`: `{answered: {prediction: {choice, truth, right,
 *  explain}}, total}` (`explain`: the explanation shown then, from the widget's numbers; older
 *  entries have only `choice` and `right`. `total`: the lesson's predictions, written when it
 *  is opened). */
export function progressOf(id) {
  return loadProgress()[id] ?? { answered: {} };
}

/** Changes this browser's progress in lesson `lessonId` with `fn(progress)`. */
function update(lessonId, fn) {
  const all = loadProgress();
  const mine = all[lessonId] ?? { answered: {} };
  fn(mine);
  all[lessonId] = mine;
  saveProgress(all);
}

/** Keeps the answer to one prediction: `{choice, truth, right, explain, asked}` (`asked`: the
 *  question's text, so a kept answer to a question that changed since is not shown as its). */
function record(lessonId, predictionId, entry) {
  update(lessonId, (p) => { p.answered[predictionId] = entry; });
}

/** Sets widget element `id` to `config` (a classifier also to `iteration`: trained to exactly
 *  that iteration of its seeded run) and resolves once it has drawn it. */
async function show(id, config, iteration) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`lesson: no widget #${id}`);
  await customElements.whenDefined(el.localName);
  await el.settled?.();
  el.applyConfig(config);
  if (iteration !== undefined) await el.trainTo(iteration);
  await el.settled?.();
  return el;
}

const NUM = new Intl.NumberFormat('en');

/** What a reader sees while `show` works, in `out` (a status: said once): training takes
 *  seconds, the rest a moment. A trained setting is said in the widget's units (sequences,
 *  sentences: iteration × batch) and, while it trains, a progress bar right after `out` shows how
 *  far the slowest entrant is (its last record), kept up to date. Returns what stops and removes it. */
function waiting(entry, out) {
  const el = document.getElementById(entry.lab);
  const s = el?.session;
  const batch = s?.state?.batch;
  if (!entry.iteration || !batch) {
    out.textContent = entry.iteration ? 'Training the widget…' : 'Setting the widget…';
    return () => {};
  }
  const items = s.items ?? 'sequences';
  const target = entry.iteration * batch;
  out.textContent = `Training to ${NUM.format(target)} ${items} (${NUM.format(batch)} per step)…`;
  const bar = Object.assign(document.createElement('span'), { className: 'training-progress' });
  bar.innerHTML = `<progress max="${target}" value="0" aria-label="${items[0].toUpperCase()}${items.slice(1)} trained so far"></progress> <span></span>`;
  out.after(bar);
  const say = () => {
    const last = s.entrants.map((e) => e.parsed.at(-1)?.sequences ?? 0);
    const seen = last.length ? Math.min(target, ...last) : 0;
    bar.firstChild.value = seen;
    bar.lastChild.textContent = `${NUM.format(seen)} of ${NUM.format(target)} ${items}`;
  };
  say();
  const timer = setInterval(say, 250);
  return () => { clearInterval(timer); bar.remove(); };
}

function button(text, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  return b;
}

function mountClaim(span, claim) {
  const b = button('Show me', 'show-me');
  b.setAttribute('aria-label', `Show me: ${span.textContent.trim()}`);
  const out = document.createElement('span');
  out.className = 'shown';
  out.setAttribute('role', 'status');
  b.addEventListener('click', async () => {
    b.disabled = true;
    const stop = waiting(claim, out);
    try {
      const el = await show(claim.lab, claim.config, claim.iteration);
      stop();
      out.textContent = claim.says(el);
      el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    } catch (e) {
      stop();
      out.textContent = `The widget could not be set: ${e.message}`;
    } finally {
      b.disabled = false;
    }
  });
  span.after(' ', b, ' ', out);
}

/** The verdict of one answer, as kept: the choice, the widget's answer, and the explanation the
 *  widget's numbers gave then (older entries have only `choice` and `right`). */
function verdictText(p, entry) {
  const label = (v) => p.choices[v] && inSentence(p.choices[v]);
  if (entry.right) return `Right: ${label(entry.choice)}.`;
  return label(entry.truth) ? `Not quite: the answer is ${label(entry.truth)}.` : 'Not quite.';
}

/** A choice's label inside a sentence: its first letter in lower case when it starts a word
 *  ("The LSTM" → "the LSTM", "Near 0" → "near 0"); a name in capitals is left as it is. */
function inSentence(label) {
  return label.replace(/^(?!I\b)[A-Z](?=[a-z\s]|$)/, (c) => c.toLowerCase());
}

/** Scrolls `el` into view only as far as needed (not at all when it is already in view). */
function bringIntoView(el) {
  const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  el.scrollIntoView({ block: 'nearest', behavior: smooth ? 'smooth' : 'auto' });
}

function mountPrediction(box, lessonId, id, p) {
  const choices = document.createElement('div');
  choices.className = 'choices';
  choices.setAttribute('role', 'group');
  choices.setAttribute('aria-label', 'Your prediction');
  // What is going on (checking, errors, "choose again"); the verdict itself gets focus.
  const status = document.createElement('p');
  status.className = 'status';
  status.setAttribute('role', 'status');
  const reveal = document.createElement('div');
  reveal.className = 'reveal';
  const buttons = Object.entries(p.choices).map(([value, label]) => {
    const b = button(label, 'choice');
    b.dataset.choice = value;
    b.addEventListener('click', () => answer(value));
    return b;
  });
  choices.append(...buttons);
  box.append(choices, status, reveal);

  const question = () => box.querySelector('p')?.textContent.replace(/\s+/g, ' ').trim() ?? '';
  const lock = (choice) => buttons.forEach((b) => {
    b.disabled = true;
    b.setAttribute('aria-pressed', String(b.dataset.choice === choice));
  });
  const unlock = () => buttons.forEach((b) => { b.disabled = false; b.removeAttribute('aria-pressed'); });

  /** Shows a kept or new answer: the choice pressed, the verdict, why, and what to do next. */
  function showVerdict(entry, { restored = false } = {}) {
    lock(entry.choice);
    box.dataset.answered = entry.right ? 'right' : 'wrong';
    const verdict = document.createElement('p');
    verdict.className = entry.right ? 'verdict right' : 'verdict wrong';
    verdict.tabIndex = -1;
    verdict.textContent = verdictText(p, entry);
    const parts = [verdict];
    if (restored) {
      const when = Object.assign(document.createElement('p'), { className: 'earlier' });
      when.textContent = `Your answer on an earlier visit: ${inSentence(p.choices[entry.choice])}.`;
      parts.push(when);
    }
    if (entry.explain) {
      const why = document.createElement('p');
      why.className = 'why';
      why.innerHTML = entry.explain;
      parts.push(why);
    }
    const actions = Object.assign(document.createElement('div'), { className: 'actions' });
    const again = button('Answer again', 'again');
    again.addEventListener('click', () => {
      reveal.replaceChildren();
      delete box.dataset.answered;
      unlock();
      status.textContent = `Choose again: your earlier answer (${inSentence(p.choices[entry.choice])}) stays until you do.`;
      (buttons.find((b) => b.dataset.choice === entry.choice) ?? buttons[0]).focus();
    });
    const see = button('Show it on the widget', 'see');
    see.addEventListener('click', async () => {
      see.disabled = true;
      const stop = waiting(p, status);
      try {
        bringIntoView(await show(p.lab, p.config, p.iteration));
        stop();
        status.textContent = '';
      } catch (e) {
        stop();
        status.textContent = `The widget could not be set: ${e.message}`;
      } finally {
        see.disabled = false;
      }
    });
    actions.append(again, see);
    parts.push(actions);
    reveal.replaceChildren(...parts);
    return verdict;
  }

  async function answer(choice) {
    lock(choice);
    const stop = p.iteration ? waiting(p, status) : () => {};
    if (!p.iteration) status.textContent = 'Checking on the widget…';
    let base;
    let el;
    try {
      base = p.baseline ? p.measure(await show(p.lab, p.baseline, p.iteration)) : undefined;
      el = await show(p.lab, p.config, p.iteration);
      stop();
    } catch (e) {
      stop();
      status.textContent = `The widget could not be set: ${e.message}. Try again.`;
      unlock();
      return;
    }
    const truth = p.answer(el, base);
    const entry = { choice, truth, right: truth === choice, explain: p.explain(el, base), asked: question() };
    record(lessonId, id, entry);
    status.textContent = '';
    revealAfter(id);
    const verdict = showVerdict(entry);
    // The verdict is what the learner waits for: focus it (a screen reader reads it) and scroll
    // only as far as it takes to show the verdict and why.
    verdict.focus({ preventScroll: true });
    bringIntoView(reveal);
  }

  // A kept answer is shown again unless the question has changed since (a lesson edited later).
  const kept = progressOf(lessonId).answered[id];
  if (kept && p.choices[kept.choice] && (kept.asked === undefined || kept.asked === question())) showVerdict(kept, { restored: true });
  else if (kept) status.textContent = 'This question has changed since your earlier answer: answer it again.';
}

/** Shows the text that gives prediction `id` away (`[data-after=id]`), once it is answered. */
function revealAfter(id) {
  document.querySelectorAll(`[data-after="${id}"]`).forEach((e) => { e.hidden = false; });
}

/** The course links in the header (every lesson, then the lab, the training view and the
 *  classifier) and the previous/next links at the foot of a lesson, from the one table of
 *  lessons. */
function mountNav(id) {
  const head = document.querySelector('.course-head nav');
  if (head) {
    head.replaceChildren(...LESSONS.map((l) => {
      const a = Object.assign(document.createElement('a'), { href: l.page, textContent: `${l.id} · ${l.short}` });
      if (l.id === id) a.setAttribute('aria-current', 'page');
      return a;
    }));
    head.insertAdjacentHTML('beforeend', '<a href="../index.html">The lab</a><a href="../train.html">Training</a><a href="../classify.html">Classifier</a>');
  }
  const nav = document.querySelector('.lesson-nav');
  if (!nav) return;
  const i = LESSONS.findIndex((l) => l.id === id);
  const link = (l, rel) => `<a href="${l.page}" rel="${rel}">${rel === 'prev' ? '← ' : ''}Lesson ${l.id}: ${l.title}${rel === 'next' ? ' →' : ''}</a>`;
  nav.innerHTML = [
    i > 0 ? link(LESSONS[i - 1], 'prev') : '',
    '<a href="index.html">All lessons</a>',
    i < LESSONS.length - 1 ? link(LESSONS[i + 1], 'next') : '',
  ].filter(Boolean).join('');
}

/** Display equations wider than the column scroll sideways: those get keyboard focus (so they
 *  can be scrolled without a mouse), the others do not. */
function scrollableMath() {
  const check = () => document.querySelectorAll('math[display=block]').forEach((m) => {
    if (m.scrollWidth > m.clientWidth + 1) m.tabIndex = 0;
    else m.removeAttribute('tabindex');
  });
  check();
  window.addEventListener('resize', check);
}

const WIDGETS = 'unrolled-lab, unrolled-train, unrolled-classify';

/**
 * Makes this page work offline: registers the site's service worker (../sw.js, at the root so
 * that its scope covers the widgets' workers in pkg/ too) and, once it controls the page and
 * every widget has started, sends it the page's URL and every URL the page has loaded (what was
 * loaded before the worker took control never went through it, so it is not cached yet). When
 * the worker has stored them, a note at the foot of the page says so and `body` gets
 * `data-offline-ready="true"`. Used by the lessons and the course page.
 */
export async function registerOffline() {
  if (!('serviceWorker' in navigator)) return;
  const note = Object.assign(document.createElement('p'), { className: 'offline-note' });
  note.setAttribute('role', 'status');
  (document.querySelector('main') ?? document.body).append(note);
  try {
    await navigator.serviceWorker.register('../sw.js');
    const worker = await controller();
    await widgetsStarted();
    const urls = [window.location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
    const r = await ask(worker, { type: 'keep', urls });
    if (r.error) throw new Error(r.error);
    if (r.missing.length) throw new Error(`${r.missing.length} of its files could not be stored`);
    note.textContent = 'Saved in this browser: this page now works offline too.';
    document.body.dataset.offlineReady = 'true';
  } catch (e) {
    note.textContent = `This page could not be saved for offline use (${e.message}); online it works as before.`;
  }
}

/** The service worker controlling this page, once there is one (it claims the page on activating). */
async function controller() {
  const sw = navigator.serviceWorker;
  if (sw.controller) return sw.controller;
  await new Promise((resolve) => {
    sw.addEventListener('controllerchange', resolve, { once: true });
    if (sw.controller) resolve();
  });
  return sw.controller;
}

/** Resolves once every widget on the page has started (or failed to) and drawn what it shows. */
async function widgetsStarted() {
  const els = [...document.querySelectorAll(WIDGETS)];
  await Promise.all(els.map((el) => customElements.whenDefined(el.localName)));
  while (els.some((el) => el.dataset.ready !== 'true' && !el.error)) await new Promise((r) => { setTimeout(r, 100); });
  await Promise.all(els.map((el) => el.settled?.()));
}

/** Posts `message` to service worker `worker` and resolves with its reply. */
function ask(worker, message) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = (e) => resolve(e.data);
    worker.postMessage(message, [port2]);
  });
}

/** The core, loaded only when the page needs a fact of it: a choice that is a cell, or a
 *  `[data-core]` / `[data-cell]` in the text. */
async function coreFor(predictions) {
  const named = Object.values(predictions).some((p) => Object.values(p.choices).some((c) => typeof c !== 'string'));
  if (!named && !document.querySelector('[data-core], [data-cell]')) return null;
  const { loadCore } = await import('../pkg/js/core.js');
  return loadCore();
}

/** Cell `name`'s label in the core's one table of cells ("RNN tanh", as the widgets name it). */
function cellLabel(core, name) {
  const cell = core.cell(name);
  if (!cell) throw new Error(`lesson: no cell ${name} in the core's table`);
  return cell.label;
}

/** The core's facts the text names, written into it (so no page repeats them as literals):
 *  `<span data-core="criterion">` the success a task counts as solved (`95 %`),
 *  `<span data-core="tolerance">` how near the target an answer is solved (`0.04`), and
 *  `<span data-cell="rnn_tanh">` a cell's label. */
function fillFromCore(core) {
  const facts = {
    criterion: () => percent(core.trainLimits.criterion),
    tolerance: () => figure(core.trainLimits.tolerance),
  };
  document.querySelectorAll('[data-core]').forEach((e) => {
    const f = facts[e.dataset.core];
    if (!f) throw new Error(`lesson: the core has no fact "${e.dataset.core}"`);
    const v = f();
    if (v.includes('NaN') || v.includes('undefined')) throw new Error(`lesson: the core does not say its ${e.dataset.core}`);
    e.textContent = v;
  });
  document.querySelectorAll('[data-cell]').forEach((e) => { e.textContent = cellLabel(core, e.dataset.cell); });
}

/** `predictions` with every choice given as `{cell: name}` written as "The <label>", the
 *  cell's label from the core's one table of cells (as the widgets name it: "The RNN tanh"). */
function withCellLabels(core, predictions) {
  const text = (c) => (typeof c === 'string' ? c : `The ${cellLabel(core, c.cell)}`);
  return Object.fromEntries(Object.entries(predictions).map(([k, p]) => [k, {
    ...p,
    choices: Object.fromEntries(Object.entries(p.choices).map(([v, c]) => [v, text(c)])),
  }]));
}

/**
 * Runs a lesson page: `lesson` is `{id, claims, predictions}` (see the module comment). Every
 * claim and prediction in the page must have its entry and every entry its place in the page.
 */
export async function runLesson(lesson) {
  const { id, claims } = lesson;
  const core = await coreFor(lesson.predictions);
  if (core) fillFromCore(core);
  const predictions = core ? withCellLabels(core, lesson.predictions) : lesson.predictions;
  const spans = [...document.querySelectorAll('.claim[data-claim]')];
  const boxes = [...document.querySelectorAll('.predict[data-predict]')];
  const missing = [
    ...spans.map((s) => s.dataset.claim).filter((c) => !claims[c]).map((c) => `claim ${c} has no setting`),
    ...Object.keys(claims).filter((c) => !spans.some((s) => s.dataset.claim === c)).map((c) => `claim ${c} is not in the text`),
    ...boxes.map((b) => b.dataset.predict).filter((c) => !predictions[c]).map((c) => `prediction ${c} has no setting`),
    ...Object.keys(predictions).filter((c) => !boxes.some((b) => b.dataset.predict === c)).map((c) => `prediction ${c} is not in the text`),
  ];
  if (missing.length) throw new Error(`lesson ${id}: ${missing.join('; ')}`);
  spans.forEach((s) => mountClaim(s, claims[s.dataset.claim]));
  boxes.forEach((b) => mountPrediction(b, id, b.dataset.predict, predictions[b.dataset.predict]));
  mountNav(id);
  scrollableMath();
  update(id, (p) => { p.total = boxes.length; });
  document.querySelectorAll('[data-after]').forEach((e) => { e.hidden = !(e.dataset.after in progressOf(id).answered); });
  registerOffline();
  window.__lesson = {
    id,
    claims: Object.keys(claims),
    predictions: Object.keys(predictions),
    /** The true answer of prediction `q`, read from the widget (what a reveal shows). */
    async answerOf(q) {
      const p = predictions[q];
      const base = p.baseline ? p.measure(await show(p.lab, p.baseline, p.iteration)) : undefined;
      return p.answer(await show(p.lab, p.config, p.iteration), base);
    },
    /** Applies claim `c`'s setting; `{holds, says}` from the widget's numbers. */
    async check(c) {
      const el = await show(claims[c].lab, claims[c].config, claims[c].iteration);
      return { holds: Boolean(claims[c].holds(el)), says: claims[c].says(el) };
    },
  };
  document.body.dataset.lessonReady = 'true';
}
