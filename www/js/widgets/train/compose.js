// One training view composed of its widgets, for the training page and the classifier alike: the
// widgets whose `region` is 'controls' in an aside, the others beside it. `composeView(root,
// session, widgets, {className, label}, {show, hide, keys})` builds each widget's panel inside
// `root` (the page's element or an element's shadow root) and mounts it; shows the panels
// `show()` names (all when empty; a control's name shows its panel) that suit the session's
// mode, minus the panels and controls `hide()` names; and sends the keys pressed on `keys`
// (outside a field) to the transport.

function html(text) {
  const t = document.createElement('template');
  t.innerHTML = text.trim();
  return t.content.firstElementChild;
}

/** Whether a key press belongs to the element it happened on rather than to the transport. */
function ownKey(e) {
  const tag = e.composedPath()[0].tagName;
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(tag)) return true;
  return tag === 'BUTTON' && (e.key === ' ' || e.key === 'Enter'); // the button's own action
}

export function composeView(root, session, widgets, { className, label }, { show = () => [], hide = () => [], keys = root } = {}) {
  const layout = html(`<div class="layout train-layout ${className}"><aside class="controls" aria-label="${label}"></aside><div class="content charts"></div></div>`);
  const [aside, content] = layout.children;
  const panels = new Map();
  for (const w of widgets) {
    const el = html(w.template(session.core));
    panels.set(w.name, el);
    (w.region === 'controls' ? aside : content).append(el);
  }
  root.append(layout);
  const mounted = new Map(widgets.map((w) => [w.name, w.mount(panels.get(w.name), session)]));
  const applyVisibility = () => {
    const on = new Set(show());
    const off = new Set(hide());
    for (const w of widgets) {
      const inMode = !w.modes || w.modes.includes(session.state.mode);
      const named = on.size === 0 || on.has(w.name) || w.controls.some((c) => on.has(c));
      const visible = inMode && named && !off.has(w.name);
      const el = panels.get(w.name);
      const was = el.classList.contains('hidden-by-teacher');
      el.classList.toggle('hidden-by-teacher', !visible);
      el.querySelectorAll('[data-control]').forEach((c) => c.classList.toggle('hidden-by-teacher', off.has(c.dataset.control)));
      if (was && visible) mounted.get(w.name).redraw();
    }
    const anyControls = widgets.some((w) => w.region === 'controls' && !panels.get(w.name).classList.contains('hidden-by-teacher'));
    layout.classList.toggle('no-controls', !anyControls);
  };
  applyVisibility();
  const onKey = (e) => {
    if (!ownKey(e)) mounted.get('train-transport').keys(e);
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
