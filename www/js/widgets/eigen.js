// The eigenvalues of W_hh on the complex plane, editable: drag a point with a mouse, a pen or a
// finger (a complex eigenvalue moves with its conjugate; a pair dropped on the real axis splits
// into two reals; a real one pulled off the axis pairs with a real neighbour near it), or select
// with n/p (around the circle) and move with the arrow keys. For H ≤ 8 each eigenvalue also has
// its own sliders. The learner's list `state.eigs` is what a link stores; the plane draws the
// eigenvalues the core computed from it, so the two are matched by nearest value.
import { fmt } from '../format.js';
import { download, downloadButtons, downloadCanvas, fit, listen, setRange, timed, watchSize, whenVisible } from './common.js';

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
  <p class="caption">Inside the unit circle a linear recurrence forgets; outside, it explodes. Drag a point (a complex one moves with its conjugate; drop a pair on the real axis to split it, pull a real one off to pair it with a real neighbour), or focus the plane, press n/p to select and use the arrow keys.</p>
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

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const canvas = $('spectrum');
  const status = $('eig-status');
  const lim = session.limits.eigenvalues.max;
  let rect = null; // the plot's rectangle in CSS pixels and its half-width in λ units
  let note = ''; // what the last edit did, if it needs saying

  /** Index in the drawn (computed) eigenvalues nearest to the learner's eigenvalue k. */
  const selToShown = (k) => {
    if (k < 0 || !session.data) return -1;
    if (!session.state.eigs) return k;
    const [re, im] = shownEigs(session)[k];
    const e = session.data.eig;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < e.length / 2; i += 1) {
      const d = Math.hypot(e[2 * i] - re, e[2 * i + 1] - im);
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  };

  /** Index in the learner's list of the drawn eigenvalue i. */
  const shownToSel = (i) => {
    const e = session.data.eig;
    let best = -1;
    let bestD = Infinity;
    shownEigs(session).forEach(([r, m], j) => {
      const d = Math.hypot(r - e[2 * i], m - e[2 * i + 1]);
      if (d < bestD) { bestD = d; best = j; }
    });
    return best;
  };

  /** Moves eigenvalue k to (re, im), with its conjugate; see the module comment for the rules. */
  const moveEig = (k, re, im, start) => {
    bakeScale(session);
    const eigs = session.state.eigs.map((e) => [...e]);
    const p = partner(eigs, k);
    re = Math.max(-lim, Math.min(lim, re));
    im = Math.max(-lim, Math.min(lim, im));
    const axis = 0.02 * Math.max(1, rect ? rect.lim : 1); // snap distance
    note = '';
    if (p >= 0) {
      if (Math.abs(im) < axis) {
        eigs[k] = [re, 0];
        eigs[p] = [re, 0];
        note = `λ${k + 1} and λ${p + 1} are now two real eigenvalues.`;
      } else {
        const sign = eigs[k][1] >= 0 ? 1 : -1;
        eigs[k] = [re, sign * Math.abs(im)];
        eigs[p] = [re, -sign * Math.abs(im)];
      }
    } else if (Math.abs(im) >= 2 * axis) {
      const m = realNeighbour(eigs, k);
      if (m >= 0) {
        eigs[k] = [re, im];
        eigs[m] = [re, -im];
        note = `λ${k + 1} left the real axis with λ${m + 1} as its conjugate.`;
      } else {
        eigs[k] = [re, 0];
        note = `λ${k + 1} stays real: complex eigenvalues of a real matrix come in conjugate pairs, and no other real eigenvalue is within ${PAIR_REACH} of it. Move one next to it first.`;
      }
    } else {
      eigs[k] = [re, 0];
    }
    session.set({ eigs, scale: 'none', sel: k }, start);
  };

  const toComplex = (e) => {
    const c = canvas.getBoundingClientRect();
    const px = e.clientX - c.left - rect.x;
    const py = e.clientY - c.top - rect.y;
    return [(px / rect.width) * 2 * rect.lim - rect.lim, rect.lim - (py / rect.height) * 2 * rect.lim];
  };

  const nearest = (re, im, radius) => {
    const e = session.data.eig;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < e.length / 2; i += 1) {
      const d = Math.hypot(e[2 * i] - re, e[2 * i + 1] - im);
      if (d < bestD) { bestD = d; best = i; }
    }
    return bestD * (rect.width / (2 * rect.lim)) <= radius ? best : -1;
  };

  let drag = -1;
  let grab = [0, 0]; // eigenvalue − pointer at the press: the point keeps its place under the finger
  canvas.addEventListener('pointerdown', (e) => {
    if (!rect || !rect.lim) return;
    const [re, im] = toComplex(e);
    const shown = nearest(re, im, e.pointerType === 'mouse' ? MOUSE_RADIUS : TOUCH_RADIUS);
    if (shown < 0) return;
    e.preventDefault();
    grab = [session.data.eig[2 * shown] - re, session.data.eig[2 * shown + 1] - im];
    drag = shownToSel(shown);
    session.state.sel = drag;
    canvas.setPointerCapture(e.pointerId);
    canvas.classList.add('dragging');
    draw();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag < 0) return;
    const [re, im] = toComplex(e);
    moveEig(drag, re + grab[0], im + grab[1], e.timeStamp);
  });
  const end = () => { drag = -1; canvas.classList.remove('dragging'); };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  canvas.addEventListener('keydown', (e) => {
    const s = session.state;
    const eigs = shownEigs(session);
    const key = e.key.toLowerCase();
    if (key === 'n' || key === 'p') {
      const order = aroundCircle(eigs);
      const at = Math.max(0, order.indexOf(s.sel));
      s.sel = order[(at + (key === 'n' ? 1 : order.length - 1)) % order.length];
      note = '';
      draw();
      session.emit('state');
      e.preventDefault();
      return;
    }
    const step = e.shiftKey ? 0.1 : 0.01;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (!d) return;
    e.preventDefault();
    if (s.sel < 0) s.sel = 0;
    const [re, im] = eigs[s.sel];
    let nim = im + (im < 0 ? -d[1] : d[1]);
    // A real eigenvalue leaves the axis in one press: up to just past the snap distance.
    const axis = 0.02 * Math.max(1, rect ? rect.lim : 1);
    if (im === 0 && d[1] !== 0) nim = Math.sign(d[1]) * Math.max(2 * axis, Math.abs(d[1]));
    moveEig(s.sel, re + d[0], nim, e.timeStamp);
  });
  canvas.addEventListener('focus', () => { if (session.state.sel < 0 && session.data) { session.state.sel = 0; draw(); } });

  downloadButtons(root.querySelector('.downloads'), 'spectrum', (format) => {
    if (format === 'png') { downloadCanvas(canvas, 'unrolled-spectrum.png'); return; }
    session.guard(() => {
      const svg = session.lab.svg('spectrum', Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), {});
      download('unrolled-spectrum.svg', new Blob([svg], { type: 'image/svg+xml' }));
    });
  });

  /** Per-eigenvalue sliders, for small H (each real eigenvalue, and each conjugate pair once). */
  const sliders = () => {
    const box = $('eig-sliders');
    const s = session.state;
    if (s.H > 8) { box.replaceChildren(); box.dataset.key = ''; return; }
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
          f.innerHTML = `<label for="${id}">λ${k + 1} ${part === 're' ? 'real' : 'imaginary'} part <output id="${id}-out"></output></label><input type="range" id="${id}" min="${part === 're' ? -lim : 0.01}" max="${lim}" step="0.01">`;
          box.append(f);
          f.querySelector('input').addEventListener('input', (e) => {
            const cur = shownEigs(session)[k];
            const v = Number(e.target.value);
            moveEig(k, part === 're' ? v : cur[0], part === 'im' ? v : cur[1], e.timeStamp);
          });
        }
      }
    }
    for (const k of items) {
      const [re, im] = eigs[k];
      setRange(root, `eig-${k}-re`, re, fmt(re), `eigenvalue ${k + 1} real part ${fmt(re)}`);
      if (im > 0) setRange(root, `eig-${k}-im`, im, fmt(im), `eigenvalue ${k + 1} imaginary part ±${fmt(im)}`);
    }
  };

  // The plane is drawn only while on screen (a phone's ρ slider sits far above it); its text is
  // kept up to date always.
  const paint = whenVisible(root, session, () => timed('spectrum', () => {
    const dpr = fit(canvas);
    const shown = selToShown(session.state.sel);
    const r = session.guard(() => session.lab.draw_spectrum(canvas, shown));
    if (r) rect = { x: r.x / dpr, y: r.y / dpr, width: r.width / dpr, height: r.height / dpr, lim: r.lim };
  }));
  function draw() {
    paint();
    session.afterDraw(() => {
      const { data, state } = session;
      const n = data.eig.length / 2;
      let inside = 0;
      for (let i = 0; i < n; i += 1) if (Math.hypot(data.eig[2 * i], data.eig[2 * i + 1]) < 1) inside += 1;
      const sel = state.sel >= 0 ? `Selected eigenvalue ${state.sel + 1}: λ${state.sel + 1} = ${describe(shownEigs(session)[state.sel])}. ` : '';
      canvas.setAttribute('aria-label', `Eigenvalues of W_hh in the complex plane: ${inside} of ${n} inside the unit circle; spectral radius ${fmt(data.rho)}. ${sel}`);
      status.textContent = `${sel}${note}`;
      sliders();
    });
  }
  watchSize(canvas, () => { if (session.data) draw(); });
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') draw(); } });
  return {
    destroy: () => { off(); paint.destroy(); },
    redraw: draw,
    get rect() { return rect; },
  };
}
