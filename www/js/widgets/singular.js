// The singular values of W_hh as bars against σ = 1: the largest bounds how fast any vector can
// grow in one step (‖W x‖ ≤ σ_max ‖x‖), which the eigenvalues alone do not tell.
import { fmt } from '../format.js';
import { shownMatrix } from './trained.js';
import { attr, download, downloadButtons, downloadCanvas, fit, listen, timed, watchSize, whenVisible } from './common.js';

export const name = 'singular';
export const region = 'content';
export const controls = [];
export const title = 'Singular values';

export const template = () => `
<div class="sub-panel" id="panel-singular" data-widget="singular">
  <div class="panel-head sub">
    <h3>Singular values</h3>
    <div class="downloads" data-chart="singular-values"></div>
  </div>
  <div class="canvas-box short"><canvas id="singular" role="img" aria-label="Singular values of W_hh"></canvas></div>
</div>`;

export function mount(root, session) {
  const canvas = root.querySelector('#singular');
  downloadButtons(root.querySelector('.downloads'), 'singular values', (format) => {
    if (format === 'png') { downloadCanvas(canvas, 'unrolled-singular-values.png'); return; }
    session.guard(() => {
      const svg = session.lab.svg('singular-values', Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), {});
      download('unrolled-singular-values.svg', new Blob([svg], { type: 'image/svg+xml' }));
    });
  });
  const describe = () => {
    const { sv } = session.data;
    const above = sv.filter((v) => v > 1).length;
    attr(canvas, 'aria-label', `Singular values of ${shownMatrix(session)} from ${fmt(sv[0])} down to ${fmt(sv[sv.length - 1])}; ${above} of ${sv.length} above 1.`);
  };
  // Drawn only while on screen; the text is kept up to date always.
  const paint = whenVisible(root, session, () => timed('singular', () => {
    fit(canvas);
    session.guard(() => session.lab.draw_singular_values(canvas));
  }));
  const draw = () => {
    paint();
    session.afterDraw(describe);
  };
  watchSize(canvas, () => { if (session.data) draw(); });
  const off = listen(session, { change: (e) => { if (e.detail.kind === 'scene') draw(); } });
  return { destroy: () => { off(); paint.destroy(); }, redraw: draw };
}
