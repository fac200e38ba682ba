// The classifier view composed of its widgets: settings, the data and the transport on one side;
// the live charts, the typed sentence opened up, padding and packing, the model comparison and the
// downloads on the other. `composeClassify(root, session, {show, hide, keys})` builds the panels
// in `root` (the page's element or an `<unrolled-classify>`'s shadow root), mounts each widget,
// shows the panels `show()` names (all when empty; a control's name shows its panel) minus those
// `hide()` names, and listens to the transport's keys on `keys`.
import * as transport from '../train/transport.js';
import * as setup from './setup.js';
import * as data from './data.js';
import * as sentence from './sentence.js';
import * as packing from './packing.js';
import * as exportsPanel from './exports.js';
import * as compare from './compare.js';
import { CLASSIFY_CHARTS } from './charts.js';

export const CLASSIFY_WIDGETS = [transport, setup, data, ...CLASSIFY_CHARTS, sentence, packing, compare, exportsPanel];
export const CLASSIFY_PANEL_NAMES = CLASSIFY_WIDGETS.flatMap((w) => [w.name, ...w.controls]);

function html(text) {
  const t = document.createElement('template');
  t.innerHTML = text.trim();
  return t.content.firstElementChild;
}

export function composeClassify(root, session, { show = () => [], hide = () => [], keys = root } = {}) {
  const layout = html('<div class="layout train-layout classify-layout"><aside class="controls" aria-label="Classifier settings"></aside><div class="content charts"></div></div>');
  const [aside, content] = layout.children;
  const panels = new Map();
  for (const w of CLASSIFY_WIDGETS) {
    const el = html(w.template(session.core));
    panels.set(w.name, el);
    (w.region === 'controls' ? aside : content).append(el);
  }
  root.append(layout);
  const mounted = new Map(CLASSIFY_WIDGETS.map((w) => [w.name, w.mount(panels.get(w.name), session)]));
  const applyVisibility = () => {
    const on = new Set(show());
    const off = new Set(hide());
    for (const w of CLASSIFY_WIDGETS) {
      const visible = (on.size === 0 || on.has(w.name) || w.controls.some((c) => on.has(c))) && !off.has(w.name);
      const el = panels.get(w.name);
      const was = el.classList.contains('hidden-by-teacher');
      el.classList.toggle('hidden-by-teacher', !visible);
      if (was && visible) mounted.get(w.name).redraw();
    }
    const any = CLASSIFY_WIDGETS.some((w) => w.region === 'controls' && !panels.get(w.name).classList.contains('hidden-by-teacher'));
    layout.classList.toggle('no-controls', !any);
  };
  applyVisibility();
  const onKey = (e) => {
    const tag = e.composedPath()[0].tagName;
    if (['INPUT', 'SELECT', 'TEXTAREA'].includes(tag)) return;
    if (tag === 'BUTTON' && (e.key === ' ' || e.key === 'Enter')) return;
    mounted.get('train-transport').keys(e);
  };
  keys.addEventListener('keydown', onKey);
  session.addEventListener('state', applyVisibility);
  return {
    mounted,
    applyVisibility,
    destroy() {
      keys.removeEventListener('keydown', onKey);
      session.removeEventListener('state', applyVisibility);
      for (const m of mounted.values()) m.destroy();
      layout.remove();
    },
  };
}
