// Gradient flow through time: ‖∂L/∂h_t‖ (solid) and the worst case ‖∂h_T/∂h_t‖₂ (dotted) against
// the lag, both relative to lag 0, with the theory dashed on top, and beside the chart what this
// scene shows in words, above all where it shows the opposite of what a learner expects (see
// notes.js). With a loss at every step the dotted curve bounds only the last step's share: the
// caption says so.
import { fmt } from '../format.js';
import { attr, download, downloadButtons, downloadCanvas, fit, listen, put, timed, watchSize } from './common.js';
import { carryButtons } from './model.js';
import { awayFromLag0, flowNotes, trend } from './notes.js';

export const name = 'flow';
export const region = 'content';
export const controls = ['curves', 'notes'];
export const title = 'Gradient flow through time';

export const template = () => `
<section class="panel chart-panel" id="panel-flow" data-widget="flow">
  <div class="panel-head">
    <h2>Gradient flow through time</h2>
    <div class="downloads" data-chart="gradient-flow"></div>
  </div>
  <p class="caption">How much of the loss at the end still reaches <span id="flow-step">step T−1−k</span>, <span id="flow-reference">relative to lag 0 (every curve starts at 1)</span>. On a log scale, vanishing is a line going down, exploding a line going up. Solid: ‖∂L/∂h<sub>t</sub>‖. Dotted: the worst case ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖<sub>2</sub>, the most any loss at the last step could keep. Dashed, on top: the theory — ρ<sup>k</sup> for the linear RNN, the bound σ<sub>max</sub><sup>k</sup> for tanh/ReLU.<span id="flow-loss-note"></span></p>
  <div class="toggles" role="group" aria-label="Curves shown" data-control="curves">
    <label><input type="checkbox" id="show-gradient"> ‖∂L/∂h<sub>t</sub>‖</label>
    <label><input type="checkbox" id="show-jacobian"> ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖ (worst case)</label>
    <label><input type="checkbox" id="show-theory"> theory</label>
  </div>
  <div class="canvas-box tall"><canvas id="flow" role="img" aria-label="Gradient flow chart"></canvas></div>
  <div class="notes" id="flow-notes" data-control="notes" aria-live="polite"></div>
  <button type="button" class="small notes-more" id="flow-notes-more" data-control="notes" aria-controls="flow-notes" hidden>More below ▾</button>
  <p class="summary" id="flow-summary" aria-live="polite"></p>
</section>`;

const LAG0 = 'relative to lag 0 (every curve starts at 1)';

/** What the curves are relative to, in the caption's words: as the chart's registry decided. */
function referenceText(cells) {
  const away = cells.map((d) => [d, awayFromLag0(d)]).filter(([, e]) => e);
  if (!away.length) return LAG0;
  const each = away.map(([d, e]) => `${cells.length > 1 ? `${d.info.label}: ` : ''}at lag ${e.lag}`).join(', ');
  return `the solid curve relative to its largest value, ${each} (lag 0 gets ${away.every(([d]) => d.gradByLag[0] === 0) ? 'nothing' : 'almost nothing'}: the loss enters at other steps), the others relative to lag 0`;
}

const LOSS_EVERY = ' Here the loss is taken at every step: ‖∂L/∂h<sub>t</sub>‖ also collects each later step\'s own loss, so it can lie above the dotted curve, which bounds only the last step\'s share.';

/** The chart's curves as the learner ticked them. */
export const flowOptions = (s) => ({ gradient: s.showG, jacobian: s.showJ, theory: s.showTh });

function summary(session) {
  const { state, data } = session;
  const k = Math.min(state.T - 1, 50);
  const parts = data.cells.map((d) => {
    const o = d.summary.overflow_backward !== null || d.summary.overflow_forward !== null ? ' (overflow)' : '';
    return `${d.info.label} ${trend(d.gradByLag, k, awayFromLag0(d))}${o}`;
  });
  return `‖∂L/∂h‖ from lag 0 to lag ${k}: ${parts.join('; ')}. ρ(W) = ${fmt(data.rho)}, σ_max(W) = ${fmt(data.sigma)}.`;
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const canvas = $('flow');
  const notes = $('flow-notes');
  const toggle = (id, key) => $(id).addEventListener('change', (e) => session.set({ [key]: e.target.checked }, e.timeStamp));
  toggle('show-gradient', 'showG');
  toggle('show-jacobian', 'showJ');
  toggle('show-theory', 'showTh');
  downloadButtons(root.querySelector('.downloads'), 'gradient flow', (format) => {
    if (format === 'png') { downloadCanvas(canvas, 'unrolled-gradient-flow.png'); return; }
    session.guard(() => {
      const svg = session.lab.svg('gradient-flow', Math.round(canvas.clientWidth), Math.round(canvas.clientHeight), flowOptions(session.state));
      download('unrolled-gradient-flow.svg', new Blob([svg], { type: 'image/svg+xml' }));
    });
  });

  // The notes are rebuilt only when which notes show changes; while a slider moves, their numbers
  // are rewritten in place.
  let shape = '';
  const drawNotes = () => {
    const list = flowNotes(session);
    const key = list.map((n) => `${n.id}:${n.kind || ''}:${n.carry ? 'carry' : ''}:${n.action?.text || ''}`).join('|');
    if (key === shape) {
      list.forEach((n, i) => {
        const p = notes.children[i];
        if (p.noteText !== n.text) { p.firstChild.innerHTML = n.text; p.noteText = n.text; }
        p.noteAction = n.action;
        p.syncCarry?.();
      });
      return;
    }
    shape = key;
    notes.replaceChildren(...list.map((n) => {
      const p = document.createElement('p');
      p.className = `note ${n.kind || ''}`;
      p.dataset.note = n.id;
      const text = document.createElement('span');
      text.innerHTML = n.text;
      p.append(text);
      p.noteText = n.text;
      p.noteAction = n.action;
      if (n.carry) {
        const box = document.createElement('span');
        box.className = 'buttons inline';
        p.syncCarry = carryButtons(box, session);
        p.syncCarry();
        p.append(' ', box);
      }
      if (n.action) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'small';
        b.textContent = n.action.text;
        b.addEventListener('click', (e) => session.set(p.noteAction.patch(session.state), e.timeStamp));
        p.append(' ', b);
      }
      return p;
    }));
  };

  // On a phone the docked chart keeps its notes in a short box: when they run past its edge, the
  // edge fades, a button scrolls on, and the box takes keyboard focus (it scrolls).
  const more = $('flow-notes-more');
  const cue = () => {
    // Only the docked box on a phone is capped (its max-height); elsewhere nothing is read from
    // the layout (a style read here, not a layout: 5 ms a frame at H = 64, T = 1000).
    if (getComputedStyle(notes).maxHeight === 'none') {
      if (notes.hasAttribute('data-more') || !more.hidden) { notes.removeAttribute('data-more'); put(more, 'hidden', true); }
      for (const a of ['tabindex', 'role', 'aria-label']) if (notes.hasAttribute(a)) notes.removeAttribute(a);
      return;
    }
    const over = notes.scrollHeight - notes.clientHeight > 1;
    const below = over && notes.scrollTop + notes.clientHeight < notes.scrollHeight - 1;
    notes.toggleAttribute('data-more', below);
    put(more, 'hidden', !below);
    if (over) {
      attr(notes, 'tabindex', '0');
      attr(notes, 'role', 'region');
      attr(notes, 'aria-label', 'Notes on the chart (scrolls)');
    } else {
      for (const a of ['tabindex', 'role', 'aria-label']) notes.removeAttribute(a);
    }
  };
  // After an update, in the next frame: reading the box's heights forces a layout, which inside
  // `update` doubled the time of the page's text (1 ms of a 5 ms drag step, measured).
  let cuePending = false;
  const cueLater = () => {
    if (cuePending) return;
    cuePending = true;
    requestAnimationFrame(() => { cuePending = false; cue(); });
  };
  notes.addEventListener('scroll', cue, { passive: true });
  more.addEventListener('click', () => notes.scrollBy({ top: Math.max(20, notes.clientHeight - 24), behavior: 'smooth' }));
  watchSize(notes, cue);

  let lossShown = null;
  const describe = () => {
    const s = session.state;
    put($('show-gradient'), 'checked', s.showG);
    put($('show-jacobian'), 'checked', s.showJ);
    put($('show-theory'), 'checked', s.showTh);
    if (lossShown !== s.loss) { $('flow-loss-note').innerHTML = s.loss === 'every' ? LOSS_EVERY : ''; lossShown = s.loss; }
    put($('flow-reference'), 'textContent', referenceText(session.data.cells));
    // An imported reverse run counts its lag from its own last step, t = 0 (the axis says so too).
    const v = session.data.imported;
    put($('flow-step'), 'textContent', v?.runs[v.run].direction === 1 ? 'step k (this reverse run ends at t = 0, so lag k is step k)' : 'step T−1−k');
    const text = summary(session);
    put($('flow-summary'), 'textContent', text);
    attr(canvas, 'aria-label', `Gradient flow chart. ${text}`);
    drawNotes();
    cueLater();
  };
  const draw = () => {
    timed('flow', () => {
      fit(canvas);
      session.guard(() => session.lab.draw_gradient_flow(canvas, flowOptions(session.state)));
    });
    session.afterDraw(describe);
  };
  watchSize(canvas, () => { if (session.data) draw(); });
  const off = listen(session, {
    change: (e) => { if (e.detail.kind === 'scene') draw(); },
    analysis: draw,
  });
  return { destroy: off, redraw: draw };
}
