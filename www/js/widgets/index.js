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

/** Every widget, in the order the full lab shows them. */
export const WIDGETS = [spectrumControls, model, clip, flow, eigen, singular, chain, gates];

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

/**
 * Builds and mounts the lab in `root`. Options: `show()` and `hide()` give the current name lists;
 * `keys` is where ← → and space are listened to (default: `root`). Returns
 * `{ mounted, applyVisibility(), redraw(), destroy() }`, `mounted` keyed by widget name.
 */
export function compose(root, session, { show = () => [], hide = () => [], keys = root } = {}) {
  const layout = html('<div class="layout"><aside class="controls" aria-label="Controls"></aside><div class="content charts"></div></div>');
  const aside = layout.firstElementChild;
  const content = layout.lastElementChild;
  const panels = new Map();
  for (const w of WIDGETS) {
    const el = html(w.template(session.core));
    panels.set(w.name, el);
    if (w.region === 'controls') aside.append(el);
    else content.append(el);
  }
  root.append(layout);
  const mounted = new Map(WIDGETS.map((w) => [w.name, w.mount(panels.get(w.name), session)]));

  // The singular values sit under the eigenvalues when both are on, else in a panel of their own.
  const singularHome = html('<section class="panel chart-panel" id="panel-singular-alone"></section>');
  const place = (vis) => {
    const sv = panels.get('singular');
    const target = vis.get('eigen').visible ? panels.get('eigen') : singularHome;
    if (sv.parentElement !== target) target.append(sv);
    if (!singularHome.isConnected) content.insertBefore(singularHome, panels.get('chain'));
    singularHome.hidden = vis.get('eigen').visible || !vis.get('singular').visible;
  };

  let shownKey = null;
  const applyVisibility = () => {
    const key = `${show().join(',')}|${hide().join(',')}`;
    if (key === shownKey) return;
    shownKey = key;
    const vis = visibility(show(), hide());
    place(vis);
    const shown = [];
    for (const w of WIDGETS) {
      const { visible, controls } = vis.get(w.name);
      const el = panels.get(w.name);
      if (visible && el.classList.contains('hidden-by-teacher')) shown.push(w.name);
      el.classList.toggle('hidden-by-teacher', !visible);
      el.querySelectorAll('[data-control]').forEach((c) => c.classList.toggle('hidden-by-teacher', !controls.has(c.dataset.control)));
    }
    const any = (region) => WIDGETS.some((w) => w.region === region && vis.get(w.name).visible);
    layout.classList.toggle('no-controls', !any('controls'));
    layout.classList.toggle('no-charts', !any('content'));
    // A chart whose neighbour in the two-column row is off takes the whole row.
    const flowOn = vis.get('flow').visible;
    const eigenOn = vis.get('eigen').visible || vis.get('singular').visible;
    panels.get('flow').classList.toggle('wide', !eigenOn);
    panels.get('eigen').classList.toggle('wide', !flowOn);
    singularHome.classList.toggle('wide', !flowOn);
    // Widgets drawn while hidden had no size: draw the newly shown ones now.
    if (session.data) for (const n of shown) mounted.get(n)?.redraw?.();
  };
  applyVisibility();

  const redraw = () => {
    if (!session.data) return;
    for (const m of mounted.values()) m.redraw?.();
  };
  let lastWidth = -1;
  const resize = new ResizeObserver(() => {
    const w = layout.clientWidth;
    if (w !== lastWidth) { lastWidth = w; redraw(); }
  });
  resize.observe(layout);

  const onKey = (e) => {
    const tag = e.composedPath()[0].tagName; // the element inside a shadow root, not its host
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || tag === 'BUTTON' || tag === 'CANVAS') return;
    if (panels.get('chain').classList.contains('hidden-by-teacher')) return;
    mounted.get('chain').keys(e);
  };
  keys.addEventListener('keydown', onKey);
  session.addEventListener('state', applyVisibility);

  return {
    mounted,
    applyVisibility,
    redraw,
    destroy() {
      resize.disconnect();
      keys.removeEventListener('keydown', onKey);
      session.removeEventListener('state', applyVisibility);
      for (const m of mounted.values()) m.destroy();
      layout.remove();
    },
  };
}
