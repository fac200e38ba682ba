// The eigenvalues of W_hh on the complex plane, editable: drag a point with a mouse, a pen or a
// finger (a complex eigenvalue moves with its conjugate; a pair dropped on the real axis splits
// into two reals; a real one pulled off the axis pairs with a real neighbour near it), or select
// with n/p (around the circle) and move with the arrow keys. For H ≤ 8 each eigenvalue also has
// its own sliders. The learner's list `state.eigs` is what a link stores; the plane draws the
// eigenvalues the core computed from it, so the two are matched by nearest value.
import { fmt } from '../format.js';
import { matrixName, shownMatrix } from './trained.js';
import { attr, download, downloadButtons, downloadCanvas, fit, listen, put, setRange, timed, watchSize, whenVisible } from './common.js';

export const name = 'eigen';
export const region = 'content';
export const controls = ['eigen-sliders'];
export const title = 'Eigenvalues of W_hh';

export const template = () => `
<section class="panel chart-panel" id="panel-spectrum" data-widget="eigen">
  <div class="panel-head">
    <h2>Eigenvalues of W<sub>hh</sub></h2>
    <div class="downloads" data-chart="spectrum"></div>
  </div>
  <p class="caption" id="eig-trained-caption" hidden></p>
  <p class="caption" id="eig-caption">Inside the unit circle a linear recurrence forgets; outside, it explodes. Drag a point (a complex one moves with its conjugate; drop a pair on the real axis to split it, pull a real one off to pair it with a real neighbour), or focus the plane, press n/p to select and use the arrow keys.</p>
  <div class="canvas-box square"><canvas id="spectrum" role="img" aria-label="Eigenvalues in the complex plane" aria-describedby="eig-status" tabindex="0"></canvas></div>
  <p id="eig-status" class="status" role="status" aria-live="polite"></p>
  <div id="eig-sliders" class="eig-sliders" data-control="eigen-sliders"></div>
</section>`;

const MOUSE_RADIUS = 14; // px within which a press picks an eigenvalue
const TOUCH_RADIUS = 26; // a finger is less precise
const PAIR_REACH = 0.5; // a real eigenvalue pairs only with a real one this close

/** The computed eigenvalues as [re, im] pairs (tiny imaginary parts are real). */
export function currentEigs(session) {
  const e = session.data.eig;
  const out = [];
  for (let i = 0; i < e.length; i += 2) out.push([e[i], Math.abs(e[i + 1]) < 1e-12 ? 0 : e[i + 1]]);
  return out;
}

/** Makes sure the learner's list exists (taken from the computed eigenvalues). */
export function ensureEigs(session) {
  if (!session.state.eigs) session.state.eigs = currentEigs(session);
}

/**
 * The learner's list in the units on screen: with a ρ or σ scale active the core multiplied every
 * eigenvalue by one factor c = ρ(shown) / max|λ|.
 */
export function shownEigs(session) {
  const s = session.state;
  if (!s.eigs) return currentEigs(session);
  if (s.scale === 'none') return s.eigs;
  const max = Math.max(...s.eigs.map(([re, im]) => Math.hypot(re, im)));
  const c = max > 0 ? session.data.rho / max : 1;
  return s.eigs.map(([re, im]) => [re * c, im * c]);
}

/** Before an edit: the list becomes what is on screen and the scale stops applying. */
export function bakeScale(session) {
  session.state.eigs = shownEigs(session);
  session.state.scale = 'none';
}

/** Index of the conjugate partner of eigenvalue k (or -1 for a real one). */
function partner(eigs, k) {
  const [re, im] = eigs[k];
  if (im === 0) return -1;
  let best = -1;
  let bestD = Infinity;
  eigs.forEach(([r, i], m) => {
    if (m === k) return;
    const d = Math.abs(r - re) + Math.abs(i + im);
    if (d < bestD) { bestD = d; best = m; }
  });
  return best;
}

/** The real eigenvalue nearest to real eigenvalue k, within PAIR_REACH (or -1). */
function realNeighbour(eigs, k) {
  let m = -1;
  let best = PAIR_REACH;
  eigs.forEach(([r, i], j) => {
    const d = Math.abs(r - eigs[k][0]);
    if (j !== k && i === 0 && d <= best) { best = d; m = j; }
  });
  return m;
}

/** Order of the list around the circle (by angle, then modulus): n/p follow it. */
function aroundCircle(eigs) {
  const angle = ([re, im]) => (Math.atan2(im, re) + 2 * Math.PI) % (2 * Math.PI);
  return eigs.map((e, k) => k).sort((a, b) => angle(eigs[a]) - angle(eigs[b]) || Math.hypot(...eigs[a]) - Math.hypot(...eigs[b]));
}

const describe = ([re, im]) => `${fmt(re)} ${im < 0 ? '−' : '+'} ${fmt(Math.abs(im))}i (|λ| = ${fmt(Math.hypot(re, im))})`;

/**
 * The rules of a move: eigenvalue k of `eigs` (a copy is returned) goes to (re, im), clamped to
 * |λ| ≤ lim; a complex one takes its conjugate along and, dropped within `axis` of the real axis,
 * splits into two reals; a real one pulled past 2·axis pairs with a real neighbour within reach,
 * or stays real. Returns `{ eigs, note }`, the note saying what happened when it needs saying.
 */
export function moveRule(eigs0, k, re, im, axis, lim) {
  const eigs = eigs0.map((e) => [...e]);
  const r = Math.hypot(re, im);
  if (r > lim) { re *= lim / r; im *= lim / r; } // the core refuses |λ| beyond its limit
  const p = partner(eigs, k);
  if (p >= 0 && Math.abs(im) < axis) {
    eigs[k] = [re, 0];
    eigs[p] = [re, 0];
    return { eigs, note: `λ${k + 1} and λ${p + 1} are now two real eigenvalues.` };
  }
  if (p >= 0) {
    const sign = eigs[k][1] >= 0 ? 1 : -1;
    eigs[k] = [re, sign * Math.abs(im)];
    eigs[p] = [re, -sign * Math.abs(im)];
    return { eigs, note: '' };
  }
  if (Math.abs(im) < 2 * axis) {
    eigs[k] = [re, 0];
    return { eigs, note: '' };
  }
  const m = realNeighbour(eigs, k);
  if (m < 0) {
    eigs[k] = [re, 0];
    return { eigs, note: `λ${k + 1} stays real: complex eigenvalues of a real matrix come in conjugate pairs, and no other real eigenvalue is within ${PAIR_REACH} of it. Move one next to it first.` };
  }
  eigs[k] = [re, im];
  eigs[m] = [re, -im];
  return { eigs, note: `λ${k + 1} left the real axis with λ${m + 1} as its conjugate.` };
}

/** Index of the [re, im] in `list` nearest to (re, im): `{ index, dist }`. */
function nearestIn(list, re, im) {
  let index = -1;
  let dist = Infinity;
  list.forEach(([r, m], i) => {
    const d = Math.hypot(r - re, m - im);
    if (d < dist) { dist = d; index = i; }
  });
  return { index, dist };
}

/** The editor of one plane: selection, moves, pointer and keys. */
class Editor {
  constructor(canvas, session) {
    this.canvas = canvas;
    this.session = session;
    this.lim = session.limits.eigenvalues.max;
    this.rect = null; // the plot's rectangle in CSS pixels and its half-width in λ units
    this.note = ''; // what the last edit did, if it needs saying
    this.drag = -1;
    this.grab = [0, 0]; // eigenvalue − pointer at the press: the point stays under the finger
    this.onDraw = () => {};
  }

  get axis() { return 0.02 * Math.max(1, this.rect ? this.rect.lim : 1); } // snap distance

  /** Index in the drawn eigenvalues of the learner's eigenvalue k (−1 for none). */
  selToShown(k) {
    if (k < 0 || !this.session.data) return -1;
    if (!this.session.state.eigs) return k;
    return nearestIn(currentEigs(this.session), ...shownEigs(this.session)[k]).index;
  }

  /** Index in the learner's list of the drawn eigenvalue i. */
  shownToSel(i) {
    return nearestIn(shownEigs(this.session), ...currentEigs(this.session)[i]).index;
  }

  move(k, re, im, start) {
    if (this.session.trained) {
      // Trained weights are read, not placed: moving an eigenvalue would make a designed W.
      this.note = 'These are a trained matrix\'s eigenvalues: they can be selected and read, not moved (back to the designed scene to place your own).';
      this.session.set({ sel: k }, start);
      return;
    }
    bakeScale(this.session);
    const { eigs, note } = moveRule(this.session.state.eigs, k, re, im, this.axis, this.lim);
    this.note = note;
    this.session.set({ eigs, scale: 'none', sel: k }, start);
  }

  /** The pointer as a complex number, in the plot as it was when the drag began (the axes may
   * rescale while an eigenvalue moves outwards; the pointer's meaning must not). */
  toComplex(e) {
    const rect = this.drag >= 0 && this.dragRect ? this.dragRect : this.rect;
    const c = this.canvas.getBoundingClientRect();
    const px = e.clientX - c.left - rect.x;
    const py = e.clientY - c.top - rect.y;
    return [(px / rect.width) * 2 * rect.lim - rect.lim, rect.lim - (py / rect.height) * 2 * rect.lim];
  }

  pointerDown(e) {
    if (!this.rect || !this.rect.lim) return;
    const [re, im] = this.toComplex(e);
    const drawn = currentEigs(this.session);
    const { index, dist } = nearestIn(drawn, re, im);
    const radius = e.pointerType === 'mouse' ? MOUSE_RADIUS : TOUCH_RADIUS;
    if (dist * (this.rect.width / (2 * this.rect.lim)) > radius) return;
    e.preventDefault();
    this.grab = [drawn[index][0] - re, drawn[index][1] - im];
    this.dragRect = { ...this.rect };
    this.drag = this.shownToSel(index);
    this.session.state.sel = this.drag;
    this.canvas.setPointerCapture(e.pointerId);
    this.canvas.classList.add('dragging');
    this.onDraw();
  }

  pointerMove(e) {
    if (this.drag < 0) return;
    const [re, im] = this.toComplex(e);
    this.move(this.drag, re + this.grab[0], im + this.grab[1], e.timeStamp);
  }

  pointerEnd() {
    this.drag = -1;
    this.canvas.classList.remove('dragging');
  }

  /** n/p select around the circle; arrows move (Shift: 10×); a real one leaves the axis in one press. */
  key(e) {
    const s = this.session.state;
    const eigs = shownEigs(this.session);
    const key = e.key.toLowerCase();
    if (key === 'n' || key === 'p') {
      const order = aroundCircle(eigs);
      const at = Math.max(0, order.indexOf(s.sel));
      s.sel = order[(at + (key === 'n' ? 1 : order.length - 1)) % order.length];
      this.note = '';
      this.onDraw();
      this.session.emit('state');
      e.preventDefault();
      return;
    }
    const step = e.shiftKey ? 0.1 : 0.01;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (!d) return;
    e.preventDefault();
    if (s.sel < 0) s.sel = 0;
    const [re, im] = eigs[s.sel];
    const lift = im === 0 && d[1] !== 0;
    const toward = im + (im < 0 ? -d[1] : d[1]); // Up moves a pair apart, Down together
    // A pair pushed past the axis lands on it (and splits into two reals) instead of bouncing.
    const nim = lift ? Math.sign(d[1]) * Math.max(2 * this.axis, Math.abs(d[1])) : (toward * im <= 0 ? 0 : toward);
    this.move(s.sel, re + d[0], nim, e.timeStamp);
  }

  bind() {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => this.pointerDown(e));
    c.addEventListener('pointermove', (e) => this.pointerMove(e));
    c.addEventListener('pointerup', () => this.pointerEnd());
    c.addEventListener('pointercancel', () => this.pointerEnd());
    c.addEventListener('keydown', (e) => this.key(e));
    c.addEventListener('focus', () => {
      if (this.session.state.sel < 0 && this.session.data) { this.session.state.sel = 0; this.onDraw(); }
    });
  }
}

/** Per-eigenvalue sliders, for small H (each real eigenvalue, and each conjugate pair once). */
function drawSliders(root, box, session, editor) {
  const s = session.state;
  if (s.H > 8 || session.trained) { box.replaceChildren(); box.dataset.key = ''; return; }
  const { lim } = editor;
  const eigs = shownEigs(session);
  const items = [];
  eigs.forEach(([, im], k) => { if (im >= 0) items.push(k); });
  const key = `${s.H}|${items.join(',')}|${eigs.map((e) => (e[1] === 0 ? 'r' : 'c')).join('')}`;
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.replaceChildren();
    for (const k of items) {
      for (const part of eigs[k][1] > 0 ? ['re', 'im'] : ['re']) {
        const f = document.createElement('div');
        f.className = 'field';
        const id = `eig-${k}-${part}`;
        const { step } = session.limits.eigenvalues;
        f.innerHTML = `<label for="${id}">λ${k + 1} ${part === 're' ? 'real' : 'imaginary'} part <output id="${id}-out"></output></label><input type="range" id="${id}" min="${part === 're' ? -lim : step}" max="${lim}" step="${step}">`;
        box.append(f);
        f.querySelector('input').addEventListener('input', (e) => {
          const cur = shownEigs(session)[k];
          const v = Number(e.target.value);
          editor.move(k, part === 're' ? v : cur[0], part === 'im' ? v : cur[1], e.timeStamp);
        });
      }
    }
  }
  for (const k of items) {
    const [re, im] = eigs[k];
    setRange(root, `eig-${k}-re`, re, fmt(re), `eigenvalue ${k + 1} real part ${fmt(re)}`);
    if (im > 0) setRange(root, `eig-${k}-im`, im, fmt(im), `eigenvalue ${k + 1} imaginary part ±${fmt(im)}`);
  }
}

export function mount(root, session) {
  const canvas = root.querySelector('#spectrum');
  const status = root.querySelector('#eig-status');
  const editor = new Editor(canvas, session);
  editor.bind();
  downloadButtons(root.querySelector('.downloads'), 'spectrum', (format) => {
    if (format === 'png') { downloadCanvas(canvas, 'unrolled-spectrum.png'); return; }
    session.guard(() => {
      const svg = session.lab.svg('spectrum', Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), {});
      download('unrolled-spectrum.svg', new Blob([svg], { type: 'image/svg+xml' }));
    });
  });

  // The plane is drawn only while on screen (a phone's ρ slider sits far above it); its text is
  // kept up to date always.
  const paint = whenVisible(root, session, () => timed('spectrum', () => {
    const dpr = fit(canvas);
    const r = session.guard(() => session.lab.draw_spectrum(canvas, editor.selToShown(session.state.sel)));
    if (r) editor.rect = { x: r.x / dpr, y: r.y / dpr, width: r.width / dpr, height: r.height / dpr, lim: r.lim };
  }));
  const draw = () => {
    paint();
    session.afterDraw(() => {
      const { data, state } = session;
      const inside = currentEigs(session).filter((e) => Math.hypot(...e) < 1).length;
      const sel = state.sel >= 0 ? `Selected eigenvalue ${state.sel + 1}: λ${state.sel + 1} = ${describe(shownEigs(session)[state.sel])}. ` : '';
      attr(canvas, 'aria-label', `Eigenvalues of ${shownMatrix(session)} in the complex plane: ${inside} of ${data.eig.length / 2} inside the unit circle; spectral radius ${fmt(data.rho)}. ${sel}`);
      put(status, 'textContent', `${sel}${editor.note}`);
      const trained = Boolean(session.trained && (data.task || data.imported));
      put(root.querySelector('#eig-caption'), 'hidden', trained);
      put(root.querySelector('#eig-trained-caption'), 'hidden', !trained);
      if (trained) put(root.querySelector('#eig-trained-caption'), 'textContent', `The eigenvalues of ${matrixName(session)}, as trained: inside the unit circle a linear recurrence through it would forget, outside it would grow. Select one with n/p to read it; trained weights are not moved here.`);
      drawSliders(root, root.querySelector('#eig-sliders'), session, editor);
    });
  };
  editor.onDraw = draw;
  watchSize(canvas, () => { if (session.data) draw(); });
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') draw(); } });
  return {
    destroy: () => { off(); paint.destroy(); },
    redraw: draw,
    get rect() { return editor.rect; },
  };
}
