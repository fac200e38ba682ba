// What every widget does the same way: canvases sized to their box and the device's pixels,
// range inputs with their readout and spoken value, a User Timing measure per draw, drawing
// deferred while a panel is off-screen, downloads.

/** Sizes a canvas's backing store to its CSS box × devicePixelRatio; returns the ratio. */
export function fit(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  return dpr;
}

/** Runs `fn` and records a `draw:<name>` measure. */
export function timed(name, fn) {
  const start = performance.now();
  const r = fn();
  performance.measure(`draw:${name}`, { start, end: performance.now() });
  return r;
}

/**
 * Sets a range input (unless the learner is dragging it to exactly this value), its `<output>`
 * (`#<id>-out`) and its `aria-valuetext`.
 */
export function setRange(root, id, value, text, valuetext) {
  const el = root.querySelector(`#${id}`);
  if (!el) return;
  if (el.getRootNode().activeElement !== el || Number(el.value) !== Number(value)) el.value = value;
  const out = root.querySelector(`#${id}-out`);
  if (out) out.textContent = text;
  el.setAttribute('aria-valuetext', valuetext || text);
}

/** Sets a range input's bounds from one of the core's limits. */
export function bound(el, range) {
  el.min = range.min;
  el.max = range.max;
  if (range.step) el.step = range.step;
}

/**
 * Calls `draw` now when `el` is on screen, else when it scrolls into view (or when someone waits
 * for `session.settled()`). Returns the function to call on every change.
 */
export function whenVisible(el, session, draw) {
  let visible = true;
  let stale = false;
  const observer = new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible && stale && session.data) { stale = false; draw(); }
  });
  observer.observe(el);
  const off = session.onSettle(() => { if (stale && session.data) { stale = false; draw(); } });
  const request = () => {
    if (!visible) { stale = true; return; }
    stale = false;
    draw();
  };
  request.destroy = () => { observer.disconnect(); off(); };
  return request;
}

/** Subscribes to session events; returns one function that removes them all. */
export function listen(session, handlers) {
  for (const [type, fn] of Object.entries(handlers)) session.addEventListener(type, fn);
  return () => { for (const [type, fn] of Object.entries(handlers)) session.removeEventListener(type, fn); };
}

/** Saves a blob as a file. */
export function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function downloadCanvas(canvas, name) {
  canvas.toBlob((b) => download(name, b), 'image/png');
}

/** Adds PNG and SVG buttons to a `.downloads` box; `save(format)` does the rest. */
export function downloadButtons(box, what, save) {
  for (const f of ['PNG', 'SVG']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small';
    b.textContent = f;
    b.setAttribute('aria-label', `Download the ${what} chart as ${f}`);
    b.addEventListener('click', () => save(f.toLowerCase()));
    box.append(b);
  }
}

export const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
