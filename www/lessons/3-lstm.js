// Lesson 3's claims and predictions: each names the widget and the exact setting that shows it,
// and reads its answer from the widget's numbers (see lesson.js).
import { bestOverBaseline, carryPath, carryPaths, cellOf, criterionOf, gateMean, leftPlateau, num, onlyJust, ratio, ratioC, runLesson, sequencesTo95 } from './lesson.js';

const DEFAULT = 'cells=rnn_tanh,lstm&T=50&H=16&focus=lstm';
const OPEN = 'cells=rnn_tanh,lstm&T=50&H=16&fb=5&focus=lstm';
const CEC = 'cells=lstm,lstm_no_forget&T=50&H=16&focus=lstm_no_forget';
/** The race: its config, and 10,000 sequences of 8 (the iteration the prediction trains it to). */
const RACE = 'T=50&budget=120';
const RACED = 10000 / 8;
const RACERS = { rnn_tanh: { cell: 'rnn_tanh' }, lstm: { cell: 'lstm' }, gru: { cell: 'gru' } };

/** The numbers claim `id` writes, in order (its <data> values). */
const textNumbers = (id) => [...document.querySelectorAll(`[data-claim="${id}"] data`)].map((d) => Number(d.value));

/** The racer nearest the plateau: the highest best loss over the constant guess's. */
const onPlateau = (el) => Object.keys(RACERS).reduce((a, b) => (bestOverBaseline(el, b) > bestOverBaseline(el, a) ? b : a));

const int = (x) => x.toLocaleString('en');

/** When racer `n` scored the criterion (95 %), and whether only just: at the race's last
 *  evaluation, after sitting on the plateau for most of it. */
const scored = (el, n) => {
  const s = sequencesTo95(el, n);
  const crit = criterionOf(el, n);
  if (!Number.isFinite(s)) return `not at ${crit}`;
  const just = onlyJust(el, n, RACED) ? `, only just: at the last evaluation before the cut-off, after sitting on the plateau until ${int(leftPlateau(el, n))} sequences` : '';
  return `${crit} after ${int(s)} sequences${just}`;
};

/** Each racer's best loss over the plateau's, and when it scored 95 %. */
const raceSays = (el) => Object.keys(RACERS).map((n) => `${el.session.entrantLabel(n)}: best held-out loss ${num(bestOverBaseline(el, n))} × the constant guess's, ${scored(el, n)}`).join('; ');

/** Cell `name`'s label in lab element `el` (the core's table of cells). */
const label = (el, name) => cellOf(el, name).info.label;

/** A number as the running text writes it, "5.5 × 10−10" (the <data> of claim `id`). */
function textNumber(id) {
  const t = document.querySelector(`[data-claim="${id}"] data`).textContent.replace(/\s+/g, ' ').replace('−', '-');
  const m = t.match(/^(-?[\d.]+)(?: × 10(-?\d+))?$/);
  if (!m) throw new Error(`lesson 3: claim ${id} writes "${t}", not a number`);
  return Number(`${m[1]}e${m[2] ?? 0}`);
}

/** A widget's number to the digits the text writes (2 significant: the third would depend on
 *  the last bits of the arithmetic, and the text must agree with the widget exactly). */
const two = (x) => Number(x.toPrecision(2));
const SUP = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
/** `two(x)` written as the text writes it: 5.5 × 10⁻¹⁰. */
const twoText = (x) => {
  const [m, e] = x.toExponential(1).split('e');
  return `${m} × 10${String(Number(e)).replace(/./g, (c) => SUP[c])}`;
};

/** ‖∂L/∂h‖ of the constant error carousel relative to lag 0, from lag `a` to lag `b`. */
const cecRange = (el, a, b) => Array.from({ length: b - a + 1 }, (_, i) => ratio(el, 'lstm_no_forget', a + i));

/** ‖∂L/∂c‖ relative to lag 0 at every lag. */
const cellGradients = (el, name) => carryPaths(el, name).map((_, k) => ratioC(el, name, k));

runLesson({
  id: '3',
  claims: {
    plateau: {
      lab: 'race',
      config: RACE,
      iteration: RACED,
      holds: (el) => {
        const [seen, gru, lstm] = textNumbers('plateau');
        return seen === RACED * 8 && bestOverBaseline(el, 'rnn_tanh') > 0.9 && !Number.isFinite(sequencesTo95(el, 'rnn_tanh'))
          && sequencesTo95(el, 'gru') === gru && sequencesTo95(el, 'lstm') === lstm
          && onlyJust(el, 'lstm', RACED) && !onlyJust(el, 'gru', RACED) // the text: the LSTM only just,
          && leftPlateau(el, 'lstm') > RACED * 8 / 2; // after most of the race on the plateau
      },
      says: (el) => `${raceSays(el)}.`,
    },
    shut: {
      lab: 'gates',
      config: DEFAULT,
      holds: (el) => Math.abs(gateMean(el, 'lstm') - 0.5) < 0.05 && ratio(el, 'lstm', 40) < ratio(el, 'rnn_tanh', 40),
      says: (el) => `Mean f = ${num(gateMean(el, 'lstm'))}; lag 40: LSTM ${num(ratio(el, 'lstm', 40))} ×, ${label(el, 'rnn_tanh')} ${num(ratio(el, 'rnn_tanh', 40))} ×.`,
    },
    product: {
      lab: 'gates',
      config: DEFAULT,
      holds: (el) => two(carryPath(el, 'lstm', 40)) === textNumber('product') && carryPath(el, 'lstm', 40) > 0.5 ** 40,
      says: (el) => `The forget path ∏f of the best-kept unit at lag 40: ${twoText(carryPath(el, 'lstm', 40))} (0.5⁴⁰ = ${twoText(0.5 ** 40)}); mean f = ${num(gateMean(el, 'lstm'))}.`,
    },
    open: {
      lab: 'gates',
      config: OPEN,
      holds: (el) => gateMean(el, 'lstm') > 0.99 && carryPath(el, 'lstm', 40) > 0.8 && ratioC(el, 'lstm', 40) >= 1,
      says: (el) => `Mean f = ${num(gateMean(el, 'lstm'))}; carry path at lag 40: ${num(carryPath(el, 'lstm', 40))}; ‖∂L/∂c‖ at lag 40: ${num(ratioC(el, 'lstm', 40))} × lag 0.`,
    },
    cec: {
      lab: 'cec',
      config: CEC,
      holds: (el) => carryPaths(el, 'lstm_no_forget').every((v) => v === 1) && cellGradients(el, 'lstm_no_forget').every((v) => v >= 1),
      says: (el) => `LSTM without a forget gate: carry path ${num(carryPath(el, 'lstm_no_forget', 40))} at lag 40 (and 1 at every lag); ‖∂L/∂c‖ at its lowest ${num(Math.min(...cellGradients(el, 'lstm_no_forget')))} × lag 0. LSTM: carry path ${num(carryPath(el, 'lstm', 40))}.`,
    },
    cech: {
      lab: 'cec',
      config: CEC,
      holds: (el) => {
        const level = cecRange(el, 4, 40);
        return ratio(el, 'lstm_no_forget', 4) < 0.05 && Math.max(...level) <= 2 * Math.min(...level);
      },
      says: (el) => {
        const level = cecRange(el, 4, 40);
        return `Constant error carousel, ‖∂L/∂h‖ ÷ lag 0: ${num(ratio(el, 'lstm_no_forget', 1))} at lag 1, ${num(ratio(el, 'lstm_no_forget', 4))} at lag 4, then between ${num(Math.min(...level))} and ${num(Math.max(...level))} out to lag 40.`;
      },
    },
  },
  predictions: {
    untrained: {
      lab: 'gates',
      config: DEFAULT,
      choices: { lstm: { cell: 'lstm' }, rnn: { cell: 'rnn_tanh' } },
      answer: (el) => (ratio(el, 'lstm', 40) > ratio(el, 'rnn_tanh', 40) ? 'lstm' : 'rnn'),
      explain: (el) => `At lag 40: LSTM ${num(ratio(el, 'lstm', 40))} × lag 0, ${label(el, 'rnn_tanh')} ${num(ratio(el, 'rnn_tanh', 40))} ×. The forget gate averages ${num(gateMean(el, 'lstm'))}, and the cell multiplies the gradient by it at every step.`,
    },
    plateau: {
      lab: 'race',
      config: RACE,
      iteration: RACED,
      choices: RACERS,
      answer: onPlateau,
      explain: (el) => `After ${int(RACED * 8)} sequences: ${raceSays(el)}. The dashed line of the loss chart is the constant guess.`,
    },
  },
});
