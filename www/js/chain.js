// The unrolled network: the same cell at every step, drawn left to right around the current
// step, with a timeline of the whole sequence underneath. Forward phase: states fill in up to
// step t. Backward phase: the gradient ‖∂L/∂h_s‖ travels back from the end to step t.
import { fmt } from './format.js';

/** Draws the chain on `canvas`, whose CSS size is `size` ({w, h}; read from layout if absent). */
export function drawChain(canvas, d, size = { w: canvas.clientWidth, h: canvas.clientHeight }) {
  const dpr = window.devicePixelRatio || 1;
  const W = size.w;
  const Hc = size.h;
  if (canvas.width !== Math.round(W * dpr)) canvas.width = Math.round(W * dpr);
  if (canvas.height !== Math.round(Hc * dpr)) canvas.height = Math.round(Hc * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  paintChain(ctx, W, Hc, d);
}

/** The chain as SVG text, drawn by the same code through a recording context. */
export function chainSvg(W, Hc, d) {
  const ctx = new SvgContext(W, Hc);
  paintChain(ctx, W, Hc, d);
  return ctx.toString();
}

function paintChain(ctx, W, Hc, d) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, Hc);
  const { T, t, phase, color, hnorm, gnorm, input, label, marked = null } = d;
  const slots = Math.max(3, Math.min(T, Math.floor(W / 78)));
  const first = Math.max(0, Math.min(T - slots, t - Math.floor(slots / 2)));
  const cw = W / slots;
  const box = Math.min(56, cw * 0.62);
  const cy = 92;
  const hmax = Math.max(1e-300, ...hnorm.filter(Number.isFinite));
  const glog = gnorm.map((g) => (g > 0 && Number.isFinite(g) ? Math.log10(g) : null));
  const gl = glog.filter((x) => x !== null);
  const gmin = gl.length ? Math.min(...gl) : 0;
  const gmax = gl.length ? Math.max(...gl) : 1;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let k = 0; k < slots; k += 1) {
    const s = first + k;
    const x = cw * k + cw / 2;
    const shown = phase === 'fwd' ? s <= t : s >= t;
    // recurrent arrow from the previous step
    if (k > 0 || s > 0) {
      ctx.strokeStyle = '#9aa5b1';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x - cw + box / 2, cy);
      ctx.lineTo(x - box / 2 - 4, cy);
      ctx.stroke();
      ctx.fillStyle = '#9aa5b1';
      ctx.beginPath();
      ctx.moveTo(x - box / 2, cy);
      ctx.lineTo(x - box / 2 - 7, cy - 4);
      ctx.lineTo(x - box / 2 - 7, cy + 4);
      ctx.fill();
    }
    // the cell
    let fill = '#eef1f4';
    let alpha = 0;
    if (phase === 'fwd' && shown) {
      alpha = Number.isFinite(hnorm[s]) ? 0.15 + 0.85 * (hnorm[s] / hmax) : 1;
      fill = hexAlpha(color, alpha);
    }
    if (phase === 'bwd' && shown) {
      const g = glog[s];
      alpha = g === null ? (Number.isFinite(gnorm[s]) ? 0.1 : 1) : 0.15 + 0.85 * ((g - gmin) / Math.max(1e-9, gmax - gmin));
      fill = `rgba(213, 94, 0, ${alpha.toFixed(3)})`;
    }
    ctx.fillStyle = fill;
    ctx.strokeStyle = s === t ? '#14213d' : '#9aa5b1';
    ctx.lineWidth = s === t ? 3 : 1;
    roundRect(ctx, x - box / 2, cy - box / 2, box, box, 8);
    ctx.fill();
    ctx.stroke();
    // White text on strong fills, dark text on light ones (contrast).
    ctx.fillStyle = alpha > 0.55 ? '#ffffff' : '#1d232b';
    ctx.font = s === t ? 'bold 13px system-ui, sans-serif' : '12px system-ui, sans-serif';
    ctx.fillText(label, x, cy - 8);
    ctx.fillText(`t=${s}`, x, cy + 10);
    // input below, value above
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#59626e';
    ctx.strokeStyle = '#c2c8cf';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, cy + box / 2);
    ctx.lineTo(x, cy + box / 2 + 14);
    ctx.stroke();
    ctx.fillText(`x=${fmt(input[s], 2)}`, x, cy + box / 2 + 24);
    if (marked?.has(s)) { // a step the task's answer depends on (the adding problem's marked pairs)
      ctx.font = 'bold 11px system-ui, sans-serif';
      ctx.fillStyle = '#b4432a';
      ctx.fillText('marked', x, cy + box / 2 + 38);
    }
    if (shown) {
      ctx.fillStyle = '#1d232b';
      ctx.fillText(fmt(phase === 'fwd' ? hnorm[s] : gnorm[s], 2), x, cy - box / 2 - 12);
    }
  }
  ctx.textAlign = 'left';
  ctx.fillStyle = '#59626e';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(phase === 'fwd' ? 'above each step: ‖h_t‖' : 'above each step: ‖∂L/∂h_t‖', 2, 14);
  ctx.textAlign = 'center';
  if (first > 0) { ctx.fillStyle = '#59626e'; ctx.fillText('…', 8, cy); }
  if (first + slots < T) { ctx.fillStyle = '#59626e'; ctx.fillText('…', W - 8, cy); }
  // timeline of the whole sequence
  const ty = Hc - 52;
  const th = 34;
  const bw = W / T;
  ctx.fillStyle = '#f7f8fa';
  ctx.fillRect(0, ty, W, th);
  for (let s = 0; s < T; s += 1) {
    let v;
    if (phase === 'fwd') v = Number.isFinite(hnorm[s]) ? hnorm[s] / hmax : 1;
    else v = glog[s] === null ? (Number.isFinite(gnorm[s]) ? 0 : 1) : (glog[s] - gmin) / Math.max(1e-9, gmax - gmin);
    const active = phase === 'fwd' ? s <= t : s >= t;
    ctx.fillStyle = active ? (phase === 'fwd' ? color : '#d55e00') : '#c9ced4';
    const hgt = Math.max(1, v * th);
    ctx.fillRect(s * bw, ty + th - hgt, Math.max(1, bw - 0.5), hgt);
  }
  ctx.strokeStyle = '#14213d';
  ctx.lineWidth = 1.5;
  ctx.strokeRect(first * bw, ty - 2, slots * bw, th + 4);
  ctx.fillStyle = '#59626e';
  ctx.textAlign = 'left';
  ctx.font = '11px system-ui, sans-serif';
  const legend = phase === 'fwd' ? 'whole sequence: ‖h_t‖' : 'whole sequence: log ‖∂L/∂h_t‖';
  ctx.fillText(marked?.size ? `${legend}; ▼ marked steps` : legend, 2, ty + th + 10);
  if (marked?.size) { // the steps the answer depends on, pointed at from above the timeline
    ctx.fillStyle = '#b4432a';
    for (const m of marked) {
      const x = (m + 0.5) * bw;
      ctx.beginPath();
      ctx.moveTo(x, ty - 3);
      ctx.lineTo(x - 4, ty - 10);
      ctx.lineTo(x + 4, ty - 10);
      ctx.fill();
    }
    ctx.fillStyle = '#59626e';
  }
  ctx.textAlign = 'right';
  ctx.fillText(`T = ${T}`, W - 2, ty + th + 10);
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.lineTo(x + w - r, y);
  ctx.quadraticCurveTo(x + w, y, x + w, y + r);
  ctx.lineTo(x + w, y + h - r);
  ctx.quadraticCurveTo(x + w, y + h, x + w - r, y + h);
  ctx.lineTo(x + r, y + h);
  ctx.quadraticCurveTo(x, y + h, x, y + h - r);
  ctx.lineTo(x, y + r);
  ctx.quadraticCurveTo(x, y, x + r, y);
  ctx.closePath();
}

const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The part of the canvas 2D API `paintChain` uses, recorded as SVG elements. */
class SvgContext {
  constructor(w, h) {
    this.w = w;
    this.h = h;
    this.out = [];
    this.path = '';
    this.fillStyle = '#000';
    this.strokeStyle = '#000';
    this.lineWidth = 1;
    this.font = '10px sans-serif';
    this.textAlign = 'start';
    this.textBaseline = 'alphabetic';
  }

  beginPath() { this.path = ''; }
  moveTo(x, y) { this.path += `M${x.toFixed(2)} ${y.toFixed(2)}`; }
  lineTo(x, y) { this.path += `L${x.toFixed(2)} ${y.toFixed(2)}`; }
  quadraticCurveTo(cx, cy, x, y) { this.path += `Q${cx.toFixed(2)} ${cy.toFixed(2)} ${x.toFixed(2)} ${y.toFixed(2)}`; }
  closePath() { this.path += 'Z'; }
  fill() { this.out.push(`<path d="${this.path}" fill="${esc(this.fillStyle)}"/>`); }
  stroke() { this.out.push(`<path d="${this.path}" fill="none" stroke="${esc(this.strokeStyle)}" stroke-width="${this.lineWidth}"/>`); }
  fillRect(x, y, w, h) { this.out.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" fill="${esc(this.fillStyle)}"/>`); }
  strokeRect(x, y, w, h) { this.out.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" fill="none" stroke="${esc(this.strokeStyle)}" stroke-width="${this.lineWidth}"/>`); }
  fillText(text, x, y) {
    const anchor = { center: 'middle', right: 'end', end: 'end' }[this.textAlign] || 'start';
    const base = this.textBaseline === 'middle' ? ' dominant-baseline="middle"' : '';
    this.out.push(`<text x="${x.toFixed(2)}" y="${y.toFixed(2)}" text-anchor="${anchor}"${base} fill="${esc(this.fillStyle)}" style="font: ${esc(this.font)}">${esc(text)}</text>`);
  }

  toString() {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.w}" height="${this.h}" viewBox="0 0 ${this.w} ${this.h}">${this.out.join('')}</svg>`;
  }
}

function hexAlpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${Math.max(0, Math.min(1, a)).toFixed(3)})`;
}

const sig = (v) => fmt(v, 4);

/**
 * The step's equations for one unit, with the live numbers: the cell's lines from the core's
 * table (`{{x}}` series x at step t, `{{x@-1}}` at t − 1, `{{1-x}}` one minus it), then in the
 * backward phase the gradient norms of the step.
 */
export function equations(d) {
  const { info, t, j, H, get, phase, flow } = d;
  const at = (name, s = t) => (s < 0 ? 0 : get(name)[s * H + j]);
  const fill = (line) => line.replace(/\{\{(1-)?([a-z_]+)(@-1)?\}\}/g, (_, one, name, prev) => {
    const v = at(name, prev ? t - 1 : t);
    return sig(one ? 1 - v : v);
  });
  // With several input features (a task's input, e.g. the adding problem's value and marker), all of them.
  const x = d.inputs ? `(${d.inputs.map((v) => sig(v[t])).join(', ')})` : sig(get('input')[t]);
  const lines = [`step t = ${t}, unit j = ${j}, input x_t = ${x}`, ...info.equations.map(fill)];
  if (phase === 'bwd') {
    lines.push('');
    lines.push(`‖∂L/∂h_t‖ = ${sig(flow.grad[t])}    ‖∂h_T/∂h_t‖ = ${sig(flow.jac[t])}    (lag k = ${d.T - 1 - t})`);
    const carry = info.carry ? `    ${info.carry.path} (largest over units) = ${sig(flow.carry[t])}` : '';
    if (flow.gradC) lines.push(`‖∂L/∂c_t‖ = ${sig(flow.gradC[t])}${carry}`);
    else if (carry) lines.push(carry.trim());
  }
  return lines.join('\n');
}
