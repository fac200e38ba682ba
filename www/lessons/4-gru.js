// Lesson 4's claims and predictions: each names the widget and the exact setting that shows it,
// and reads its answer from the widget's numbers (see lesson.js).
import { criterionOf, gateMean, num, onlyJust, ratio, runLesson, sequencesTo95 } from './lesson.js';

const AT = (fb) => `cells=gru&T=50&H=16${fb === null ? '' : `&fb=${fb}`}`;
const BOTH = 'cells=lstm,gru&T=50&H=16&fb=5';
/** The race, and the iteration it is trained to for its claim and prediction: 10,000 sequences
 *  of 8, where the slower of the two (the LSTM, with the default seed) scores 95 %. */
const RACE = 'T=50&cells=lstm,gru&budget=120';
const RACED = 10000 / 8;

/** The numbers claim `id` writes, in order (its <data> values). */
const textNumbers = (id) => [...document.querySelectorAll(`[data-claim="${id}"] data`)].map((d) => Number(d.value));

/** When each reached 95 % (the criterion), in words: only just when at the last evaluation. */
const when = (el, name) => {
  const s = sequencesTo95(el, name);
  if (!Number.isFinite(s)) return `not within ${(RACED * 8).toLocaleString('en')} sequences`;
  return `after ${s.toLocaleString('en')} sequences${onlyJust(el, name, RACED) ? ' (only just: at the last evaluation before the cut-off)' : ''}`;
};

/** Lags `a` to `b`. */
const lags = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** The GRU's ‖∂L/∂h‖ over the LSTM's at lag `k`, each relative to its lag 0. */
const gap = (el, k) => ratio(el, 'gru', k) / ratio(el, 'lstm', k);

runLesson({
  id: '4',
  claims: {
    race: {
      lab: 'race',
      config: RACE,
      iteration: RACED,
      holds: (el) => {
        const [gru, lstm] = textNumbers('race');
        return sequencesTo95(el, 'gru') === gru && sequencesTo95(el, 'lstm') === lstm && onlyJust(el, 'lstm', RACED); // the text: the LSTM only just
      },
      says: (el) => `The GRU scored ${criterionOf(el, 'gru')} ${when(el, 'gru')}, the LSTM ${when(el, 'lstm')}.`,
    },
    default: {
      lab: 'gru',
      config: AT(null),
      holds: (el) => Math.abs(gateMean(el, 'gru') - 0.5) < 0.05 && ratio(el, 'gru', 40) < 1e-5,
      says: (el) => `Mean z = ${num(gateMean(el, 'gru'))}; lag 40: ${num(ratio(el, 'gru', 40))} × lag 0.`,
    },
    open: {
      lab: 'gru',
      config: AT(5),
      holds: (el) => gateMean(el, 'gru') > 0.99 && ratio(el, 'gru', 40) > 0.5,
      says: (el) => `Mean z = ${num(gateMean(el, 'gru'))}; lag 40: ${num(ratio(el, 'gru', 40))} × lag 0.`,
    },
    direct: {
      lab: 'both',
      config: BOTH,
      holds: (el) => lags(1, 45).every((k) => gap(el, k) > 2)
        && ratio(el, 'gru', 1) > 0.99 && ratio(el, 'lstm', 1) > 1 / 6 && ratio(el, 'lstm', 1) < 1 / 4,
      says: (el) => `Lag 1: GRU ${num(ratio(el, 'gru', 1))} ×, LSTM ${num(ratio(el, 'lstm', 1))} ×; the GRU's over the LSTM's from lag 1 to 45: at least ${num(Math.min(...lags(1, 45).map((k) => gap(el, k))))} (lag 40: GRU ${num(ratio(el, 'gru', 40))} ×, LSTM ${num(ratio(el, 'lstm', 40))} ×).`,
    },
    climb: {
      lab: 'both',
      config: BOTH,
      holds: (el) => lags(46, 49).every((k) => gap(el, k) < 2) && ratio(el, 'lstm', 49) > 5 * Math.min(...lags(1, 49).map((k) => ratio(el, 'lstm', k))),
      says: (el) => `The GRU's over the LSTM's: ${lags(44, 49).map((k) => `lag ${k} ${num(gap(el, k))}`).join(', ')}; the LSTM's lowest ${num(Math.min(...lags(1, 49).map((k) => ratio(el, 'lstm', k))))} ×, at lag 49 ${num(ratio(el, 'lstm', 49))} ×.`,
    },
  },
  predictions: {
    keep: {
      lab: 'gru',
      baseline: AT(-5),
      config: AT(5),
      measure: (el) => ratio(el, 'gru', 40),
      choices: { zero: 'Near 0', one: 'Near 1' },
      answer: (el, shut) => (ratio(el, 'gru', 40) > shut ? 'one' : 'zero'),
      explain: (el, shut) => `With z near 1 (bias 5, mean z = ${num(gateMean(el, 'gru'))}) the gradient at lag 40 is ${num(ratio(el, 'gru', 40))} × lag 0's; with z near 0 (bias −5) it was ${num(shut)} ×.`,
    },
    faster: {
      lab: 'race',
      config: RACE,
      iteration: RACED,
      choices: { gru: { cell: 'gru' }, lstm: { cell: 'lstm' } },
      answer: (el) => (sequencesTo95(el, 'gru') <= sequencesTo95(el, 'lstm') ? 'gru' : 'lstm'),
      explain: (el) => `In this race (seed ${el.session.state.seed}) the GRU scored ${criterionOf(el, 'gru')} ${when(el, 'gru')}, the LSTM ${when(el, 'lstm')}. Another seed is another race: try one in the exercises.`,
    },
  },
});
