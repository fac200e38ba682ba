// Gate heatmaps: axes and legend drawn once by the Rust chart code (a static layer), cells as a
// T×H RGBA image (putImageData) on a small canvas scaled by CSS. The selected step is a CSS
// marker, so scrubbing redraws nothing.
import { draw_heatmap_frame } from '../unrolled.js';
import { fmt } from './format.js';

/** The heatmaps of one cell, titled from the core's cell table (pre-activations left out). */
export function heatmapList(info, names) {
  const titles = new Map([...info.blocks, ...info.states].map((b) => [b.name, b.title]));
  const order = names.filter((n) => !n.startsWith('pre_'));
  if (info.carry && !order.includes('carry_path')) order.push('carry_path');
  return order.map((name) => ({
    name,
    title: name === 'carry_path' ? info.carry.title : titles.get(name) || name,
  }));
}

export class Heatmaps {
  constructor(root, tip, onPick) {
    this.root = root;
    this.tip = tip;
    this.onPick = onPick;
    this.items = new Map();
    this.key = '';
  }

  /** Rebuilds the figures when the cell, the sizes or the canvas size changed. */
  layout(lab, cellIndex, info, T, H, dl) {
    const names = lab.series_names(cellIndex);
    const list = heatmapList(info, names);
    const key = `${info.name}|${T}|${H}|${list.map((x) => x.name).join(',')}`;
    if (key === this.key) return;
    this.key = key;
    this.root.replaceChildren();
    this.items.clear();
    for (const { name, title } of list) {
      const fig = document.createElement('figure');
      fig.className = 'heatmap';
      fig.style.margin = '0';
      const frame = document.createElement('canvas');
      frame.className = 'frame';
      frame.setAttribute('role', 'img');
      // Labelled from the start: its values are described once drawn (off-screen panels and the
      // worker's carry path are drawn later).
      frame.setAttribute('aria-label', `Heatmap of ${title}: ${H} units by ${T} steps.`);
      const cells = document.createElement('canvas');
      cells.className = 'cells';
      cells.width = T;
      cells.height = H;
      cells.setAttribute('aria-hidden', 'true');
      const marker = document.createElement('div');
      marker.className = 'marker';
      const flags = document.createElement('div');
      flags.className = 'flags';
      flags.hidden = true;
      flags.innerHTML = 'overflow: <span class="flag nan"></span> NaN <span class="flag pinf"></span> +∞ <span class="flag ninf"></span> −∞';
      const dlBox = document.createElement('div');
      dlBox.className = 'dl';
      for (const fmtName of ['PNG', 'SVG']) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'small';
        b.textContent = fmtName;
        b.setAttribute('aria-label', `Download ${title} as ${fmtName}`);
        b.addEventListener('click', () => dl(name, fmtName.toLowerCase()));
        dlBox.append(b);
      }
      fig.append(frame, cells, marker, dlBox, flags);
      this.root.append(fig);
      const item = { name, title, fig, frame, cells, marker, flags, values: null, scale: null, rect: null, frameKey: '' };
      cells.addEventListener('mousemove', (e) => this.hover(item, e, T, H));
      cells.addEventListener('mouseleave', () => { this.tip.hidden = true; });
      cells.addEventListener('click', (e) => {
        const t = Math.floor((e.offsetX / cells.clientWidth) * T);
        this.onPick(Math.min(T - 1, Math.max(0, t)));
      });
      this.items.set(name, item);
    }
  }

  /** Puts new values in (and redraws a frame only when its scale or size changed). */
  update(lab, cellIndex, T, H, t) {
    for (const item of this.items.values()) {
      if (item.name === 'carry_path' && !lab.has_analysis(cellIndex)) {
        // computed by the worker; drawn when it arrives
        item.values = null;
        continue;
      }
      item.values = lab.series(cellIndex, item.name);
      item.scale = lab.heatmap_scale(cellIndex, item.name); // the core decides, as for `render`
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(item.frame.clientWidth * dpr);
      const h = Math.round(item.frame.clientHeight * dpr);
      const frameKey = `${w}x${h}|${item.scale.kind}|${item.scale.limit}`;
      if (frameKey !== item.frameKey) {
        item.frame.width = w;
        item.frame.height = h;
        const r = draw_heatmap_frame(item.frame, item.title, '', H, T, item.scale.kind, item.scale.limit, -1);
        // Plot rectangle in the figure's CSS pixels (the frame sits below the buttons' strip).
        item.rect = {
          x: item.frame.offsetLeft + r.x / dpr, y: item.frame.offsetTop + r.y / dpr,
          width: r.width / dpr, height: r.height / dpr,
        };
        Object.assign(item.cells.style, {
          left: `${item.rect.x}px`, top: `${item.rect.y}px`,
          width: `${item.rect.width}px`, height: `${item.rect.height}px`,
        });
        item.frameKey = frameKey;
      }
      const rgba = lab.heatmap_rgba(cellIndex, item.name, item.scale.kind, item.scale.limit);
      item.cells.getContext('2d').putImageData(new ImageData(rgba, T, H), 0, 0);
      item.frame.setAttribute('aria-label', this.describe(item, T, H));
      item.flags.hidden = item.values.every(Number.isFinite);
    }
    this.mark(t, T);
  }

  describe(item, T, H) {
    let lo = Infinity;
    let hi = -Infinity;
    let bad = 0;
    for (const v of item.values) {
      if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } else bad += 1;
    }
    const range = Number.isFinite(lo) ? `values from ${fmt(lo)} to ${fmt(hi)}` : 'no finite values';
    return `Heatmap of ${item.title}: ${H} units by ${T} steps, ${range}${bad ? `, ${bad} not finite` : ''}.`;
  }

  mark(t, T) {
    for (const item of this.items.values()) {
      if (!item.rect) continue;
      item.cells.style.visibility = item.values ? 'visible' : 'hidden';
      const w = item.rect.width / T;
      Object.assign(item.marker.style, {
        left: `${item.rect.x + t * w - 1}px`, top: `${item.rect.y - 2}px`,
        width: `${Math.max(w, 1) + 2}px`, height: `${item.rect.height + 4}px`,
      });
    }
  }

  hover(item, e, T, H) {
    const t = Math.min(T - 1, Math.floor((e.offsetX / item.cells.clientWidth) * T));
    const u = Math.min(H - 1, Math.floor((e.offsetY / item.cells.clientHeight) * H));
    const v = item.values ? item.values[t * H + u] : NaN;
    this.tip.textContent = `${item.title} — step ${t}, unit ${u}: ${Number.isFinite(v) ? v.toPrecision(6) : fmt(v)}`;
    this.tip.style.left = `${e.clientX + 12}px`;
    this.tip.style.top = `${e.clientY + 12}px`;
    this.tip.hidden = false;
  }

  /** A PNG of one heatmap: the frame with the cells drawn into it. */
  composite(name) {
    const item = this.items.get(name);
    const dpr = window.devicePixelRatio || 1;
    const c = document.createElement('canvas');
    c.width = item.frame.width;
    c.height = item.frame.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(item.frame, 0, 0);
    ctx.imageSmoothingEnabled = false;
    const r = item.rect;
    const x = (r.x - item.frame.offsetLeft) * dpr;
    const y = (r.y - item.frame.offsetTop) * dpr;
    ctx.drawImage(item.cells, x, y, r.width * dpr, r.height * dpr);
    return c;
  }
}
