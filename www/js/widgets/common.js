// What every widget does the same way: canvases sized to their box and the device's pixels,
// range inputs with their readout and spoken value, a User Timing measure per draw, drawing
// deferred while a panel is off-screen, downloads.

// CSS sizes of the canvases, kept by a ResizeObserver: reading clientWidth while drawing forces
// a layout of the whole page whenever something on it changed since the last frame (a slider's
// readout, a caption), and a redraw used to pay that once per chart.
const sizes = new WeakMap();
let observer = null;

/**
 * Keeps `canvas`'s CSS size at hand for `fit` and `cssSize` (read from layout only here and
 * when the browser reports a change) and calls `redraw` when it changes.
 */
export function watchSize(canvas, redraw) {
  sizes.set(canvas, { w: canvas.clientWidth, h: canvas.clientHeight, redraw });
  observer ||= new ResizeObserver((entries) => {
    for (const e of entries) {
      const s = sizes.get(e.target);
      if (!s) continue;
      const w = e.target.clientWidth; // layout is up to date inside the observer: no cost
      const h = e.target.clientHeight;
      if (w === s.w && h === s.h) continue;
      s.w = w;
      s.h = h;
      s.redraw?.();
    }
  });
  observer.observe(canvas);
}

/** A canvas's CSS width and height (from `watchSize` when it watches the canvas). */
export function cssSize(canvas) {
  const s = sizes.get(canvas);
  return s ? { w: s.w, h: s.h } : { w: canvas.clientWidth, h: canvas.clientHeight };
}

/** Sizes a canvas's backing store to its CSS box × devicePixelRatio; returns the ratio. */
export function fit(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const css = cssSize(canvas);
  const w = Math.max(1, Math.round(css.w * dpr));
  const h = Math.max(1, Math.round(css.h * dpr));
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
 * Writes `el[prop] = value` only when it differs. A write of the same value still invalidates the
 * element's style (and `innerHTML` re-parses), which every slider move would pay for each readout.
 */
export function put(el, prop, value) {
  if (el && el[prop] !== value) el[prop] = value;
}

/** Sets an attribute only when it differs (see `put`). */
export function attr(el, name, value) {
  if (el && el.getAttribute(name) !== value) el.setAttribute(name, value);
}

const shownHTML = new WeakMap();
/** Sets `innerHTML` only when the markup differs from what was last set here (see `put`). */
export function html(el, markup) {
  if (!el || shownHTML.get(el) === markup) return;
  el.innerHTML = markup;
  shownHTML.set(el, markup);
}

/**
 * Sets a range input (unless the learner is dragging it to exactly this value), its `<output>`
 * (`#<id>-out`) and its `aria-valuetext`.
 */
export function setRange(root, id, value, text, valuetext) {
  const el = root.querySelector(`#${id}`);
  if (!el) return;
  const dragging = el.getRootNode().activeElement === el && Number(el.value) === Number(value);
  if (!dragging) put(el, 'value', String(value));
  put(root.querySelector(`#${id}-out`), 'textContent', text);
  attr(el, 'aria-valuetext', valuetext || text);
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

/** Saves an SVG chart as a PNG of the same picture (title included), at `scale` × its size, so
 *  the two downloads of one chart show the same thing. */
export async function downloadSvgAsPng(svg, width, height, name, scale = 2) {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width * scale;
    canvas.height = height * scale;
    canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
    downloadCanvas(canvas, name);
  } finally {
    URL.revokeObjectURL(url);
  }
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

/** The state a cell's carry path runs along, in words: the cell state where the cell has one
 *  (`c`, the LSTMs), else the hidden state (the GRU's h_t = (1 − z)·n + z·h_{t−1}). */
/** Where the Python beside the pages' downloads is (pkg/python/: pytorch_lab.py, lstm_classifier.py). */
export const PYTHON = new URL('../../python/', import.meta.url).href;

export const carriedState = (info) => (info.states.some((s) => s.name === 'c') ? 'cell state' : 'hidden state');
