// The training view composed of its widgets: the settings and the transport on one side, the
// race in words and the live charts on the other. `composeTrain(root, session, options)` builds
// the panels inside `root` (the page's element or an element's shadow root), mounts each widget,
// shows the panels `show()` names (all when empty) minus `hide()`, and listens to the transport's
// keys on `keys`.
import * as setup from './setup.js';
import * as transport from './transport.js';
import * as race from './race.js';
import * as exportsPanel from './exports.js';
import { CHARTS, chartWidget } from './charts.js';

export const TRAIN_WIDGETS = [transport, setup, race, ...CHARTS.map(chartWidget), exportsPanel];
export const TRAIN_PANEL_NAMES = TRAIN_WIDGETS.flatMap((w) => [w.name, ...w.controls]);

function html(text) {
  const t = document.createElement('template');
  t.innerHTML = text.trim();
  return t.content.firstElementChild;
}

export function composeTrain(root, session, { show = () => [], hide = () => [], keys = root } = {}) {
  const layout = html('<div class="layout train-layout"><aside class="controls" aria-label="Training settings"></aside><div class="content charts"></div></div>');
  const [aside, content] = layout.children;
  const panels = new Map();
  for (const w of TRAIN_WIDGETS) {
    const el = html(w.template(session.core));
    panels.set(w.name, el);
    (w.region === 'controls' ? aside : content).append(el);
  }
  root.append(layout);
  const mounted = new Map(TRAIN_WIDGETS.map((w) => [w.name, w.mount(panels.get(w.name), session)]));
  const applyVisibility = () => {
    const on = new Set(show());
    const off = new Set(hide());
    for (const w of TRAIN_WIDGETS) {
      const inMode = !w.modes || w.modes.includes(session.state.mode);
      const visible = inMode && (on.size === 0 || on.has(w.name) || w.controls.some((c) => on.has(c))) && !off.has(w.name);
      const el = panels.get(w.name);
      const was = el.classList.contains('hidden-by-teacher');
      el.classList.toggle('hidden-by-teacher', !visible);
      el.querySelectorAll('[data-control]').forEach((c) => c.classList.toggle('hidden-by-teacher', off.has(c.dataset.control)));
      if (was && visible) mounted.get(w.name).redraw();
    }
    const any = (region) => TRAIN_WIDGETS.some((w) => w.region === region && !panels.get(w.name).classList.contains('hidden-by-teacher'));
    layout.classList.toggle('no-controls', !any('controls'));
  };
  applyVisibility();
  const onKey = (e) => {
    const tag = e.composedPath()[0].tagName;
    if (['INPUT', 'SELECT', 'TEXTAREA'].includes(tag)) return;
    if (tag === 'BUTTON' && (e.key === ' ' || e.key === 'Enter')) return; // the button's own action
    mounted.get('train-transport').keys(e);
  };
  keys.addEventListener('keydown', onKey);
  session.addEventListener('state', applyVisibility);
  return {
    mounted,
    applyVisibility,
    redraw: () => { for (const m of mounted.values()) m.redraw(); },
    destroy() {
      keys.removeEventListener('keydown', onKey);
      session.removeEventListener('state', applyVisibility);
      for (const m of mounted.values()) m.destroy();
      layout.remove();
    },
  };
}
