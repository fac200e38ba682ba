// The widgets, and the lab composed of them: the controls on one side, the charts on the other.
// `compose(root, session, options)` builds the panels inside `root` (a page's element or an
// element's shadow root), mounts each widget on the session, shows only the panels and controls
// asked for, and redraws when the container changes size.
import * as spectrumControls from './spectrum-controls.js';
import * as model from './model.js';
import * as clip from './clip.js';
import * as flow from './flow.js';
import * as eigen from './eigen.js';
import * as singular from './singular.js';
import * as chain from './chain.js';
import * as gates from './gates.js';
import * as trained from './trained.js';
import * as pytorch from './pytorch.js';

/** Every widget, in the order the full lab shows them. */
export const WIDGETS = [trained, spectrumControls, model, clip, pytorch, flow, eigen, singular, chain, gates];

/** Names that stand for several widgets (older links say `hide=spectrum`). */
const GROUPS = { spectrum: ['spectrum-controls', 'eigen', 'singular'] };

/** Every name `panels=` and `hide=` accept: widgets, their controls, and the groups. */
export const PANEL_NAMES = [...WIDGETS.flatMap((w) => [w.name, ...w.controls]), ...Object.keys(GROUPS)];

const expand = (names) => new Set(names.flatMap((n) => GROUPS[n] || [n]));

/**
 * Which widgets and controls are on: with `show` (a list of names; empty = everything) a widget
 * is on when it or one of its controls is named, and then only the named controls of it (all of
 * them when the widget itself is named); `hide` takes names off again.
 */
export function visibility(show, hide) {
  const on = expand(show);
  const off = expand(hide);
  const all = on.size === 0;
  const widgets = new Map();
  for (const w of WIDGETS) {
    const named = all || on.has(w.name);
    const some = w.controls.filter((c) => on.has(c));
    const visible = (named || some.length > 0) && !off.has(w.name);
    const controls = new Set(w.controls.filter((c) => (named || on.has(c)) && !off.has(c)));
    widgets.set(w.name, { visible, controls });
  }
  return widgets;
}

function html(text) {
  const t = document.createElement('template');
  t.innerHTML = text.trim();
  return t.content.firstElementChild;
}

/** The panels of every widget, in a controls column and a charts column. */
function buildLayout(core) {
  const layout = html('<div class="layout"><aside class="controls" aria-label="Controls"></aside><div class="content charts"></div></div>');
  const [aside, content] = layout.children;
  const panels = new Map();
  for (const w of WIDGETS) {
    const el = html(w.template(core));
    panels.set(w.name, el);
    (w.region === 'controls' ? aside : content).append(el);
  }
  // The singular values sit under the eigenvalues when both are on, else in a panel of their own.
  const singularHome = html('<section class="panel chart-panel" id="panel-singular-alone" hidden></section>');
  content.insertBefore(singularHome, panels.get('chain'));
  return { layout, panels, singularHome };
}

/** Shows what `vis` says; returns the names of the widgets that were hidden and are now shown. */
function applyShown({ layout, panels, singularHome }, vis) {
  const on = (name) => vis.get(name).visible;
  const sv = panels.get('singular');
  const home = on('eigen') ? panels.get('eigen') : singularHome;
  if (sv.parentElement !== home) home.append(sv);
  singularHome.hidden = on('eigen') || !on('singular');
  const shown = [];
  for (const w of WIDGETS) {
    const el = panels.get(w.name);
    const { visible, controls } = vis.get(w.name);
    if (visible && el.classList.contains('hidden-by-teacher')) shown.push(w.name);
    el.classList.toggle('hidden-by-teacher', !visible);
    el.querySelectorAll('[data-control]').forEach((c) => c.classList.toggle('hidden-by-teacher', !controls.has(c.dataset.control)));
  }
  // A panel that hides itself while it has nothing to show (Trained models) does not count.
  const any = (region) => WIDGETS.some((w) => w.region === region && on(w.name) && !panels.get(w.name).hidden);
  layout.classList.toggle('no-controls', !any('controls'));
  layout.classList.toggle('no-charts', !any('content'));
  // A chart whose neighbour in the two-column row is off takes the whole row.
  const eigenOn = on('eigen') || on('singular');
  panels.get('flow').classList.toggle('wide', !eigenOn);
  panels.get('eigen').classList.toggle('wide', !on('flow'));
  singularHome.classList.toggle('wide', !on('flow'));
  return shown;
}

/**
 * On a phone the lab page docks the gradient-flow chart at the top while everything scrolls under
 * it (CSS). While another chart (the eigenvalue plane, the singular values, the chain, the gates)
 * is what sits in the middle of the screen, the learner is looking at that one: the layout gets
 * `chart-in-view` and the dock shrinks to the chart alone, so it no longer covers what they
 * scrolled to. Returns the observer (to disconnect).
 */
function watchChartsInView(layout, panels, singularHome) {
  const charts = [...['eigen', 'chain', 'gates'].map((n) => panels.get(n)), singularHome];
  const inView = new Set();
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) inView.add(e.target);
      else inView.delete(e.target);
    }
    const want = inView.size > 0;
    if (want === layout.classList.contains('chart-in-view')) return;
    // The dock's height moves everything below it. Shrinking, keep the chart that reached the
    // middle where it was on screen (the browser's own scroll anchoring did not, with the dock
    // sticky); growing back, let the content move down with the dock's edge, so what was just
    // below it (a slider and its label) is not covered.
    const ref = entries[entries.length - 1].target;
    const before = ref.getBoundingClientRect().top;
    layout.classList.toggle('chart-in-view', want);
    const moved = ref.getBoundingClientRect().top - before;
    if (want && Math.abs(moved) > 0.5) window.scrollBy(0, moved);
  }, { rootMargin: '-45% 0px -45% 0px' }); // the middle tenth of the screen
  for (const c of charts) io.observe(c);
  return io;
}

/** Is this key press for the page (not typed into a control or the eigenvalue plane)? */
function forThePage(e) {
  const tag = e.composedPath()[0].tagName; // the element inside a shadow root, not its host
  return !['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'CANVAS'].includes(tag);
}

/** A list of names, or a function that gives the current one. */
const lister = (x) => (typeof x === 'function' ? x : () => x || []);

/**
 * Builds and mounts the lab in `root`. Options: `show` and `hide` are name lists, or functions
 * that give the current lists (read again on every state change); `keys` is where ← → and space
 * are listened to (default: `root`). Returns `{ mounted, applyVisibility(), redraw(), destroy() }`,
 * `mounted` keyed by widget name. Call `session.update()` afterwards to compute and draw.
 */
export function compose(root, session, { show: showOpt = [], hide: hideOpt = [], keys = root } = {}) {
  const [show, hide] = [lister(showOpt), lister(hideOpt)];
  const built = buildLayout(session.core);
  const { layout, panels } = built;
  root.append(layout);
  const mounted = new Map(WIDGETS.map((w) => [w.name, w.mount(panels.get(w.name), session)]));
  const redraw = (names = [...mounted.keys()]) => {
    if (session.data) for (const n of names) mounted.get(n).redraw?.();
  };

  let shownKey = null;
  const applyVisibility = () => {
    const key = `${show().join(',')}|${hide().join(',')}|${session.trained ? 'trained' : ''}`;
    if (key === shownKey) return;
    shownKey = key;
    redraw(applyShown(built, visibility(show(), hide()))); // drawn while hidden, they had no size
  };
  applyVisibility();

  let lastWidth = -1;
  const resize = new ResizeObserver(() => {
    if (layout.clientWidth !== lastWidth) { lastWidth = layout.clientWidth; redraw(); }
  });
  resize.observe(layout);
  // Only the page docks its chart; inside an element (a shadow root) it is never docked.
  const charts = root instanceof ShadowRoot ? null : watchChartsInView(layout, panels, built.singularHome);
  const onKey = (e) => {
    if (forThePage(e) && !panels.get('chain').classList.contains('hidden-by-teacher')) mounted.get('chain').keys(e);
  };
  keys.addEventListener('keydown', onKey);
  session.addEventListener('state', applyVisibility);

  return {
    mounted,
    applyVisibility,
    redraw: () => redraw(),
    destroy() {
      resize.disconnect();
      charts?.disconnect();
      keys.removeEventListener('keydown', onKey);
      session.removeEventListener('state', applyVisibility);
      for (const m of mounted.values()) m.destroy();
      layout.remove();
    },
  };
}
