// Lesson 3's claims and predictions: each names the widget and the exact setting that shows it,
// and reads its answer from the widget's numbers (see lesson.js).
import { carryPath, carryPaths, gateMean, num, ratio, ratioC, runLesson } from './lesson.js';

const DEFAULT = 'cells=rnn_tanh,lstm&T=50&H=16';
const OPEN = 'cells=rnn_tanh,lstm&T=50&H=16&fb=5';
const CEC = 'cells=lstm,lstm_no_forget&T=50&H=16&focus=lstm_no_forget';

runLesson({
  id: '3',
  claims: {
    shut: {
      lab: 'gates',
      config: DEFAULT,
      holds: (el) => Math.abs(gateMean(el, 'lstm') - 0.5) < 0.05 && ratio(el, 'lstm', 40) < ratio(el, 'rnn_tanh', 40),
      says: (el) => `Mean f = ${num(gateMean(el, 'lstm'))}; lag 40: LSTM ${num(ratio(el, 'lstm', 40))} ×, tanh RNN ${num(ratio(el, 'rnn_tanh', 40))} ×.`,
    },
    open: {
      lab: 'gates',
      config: OPEN,
      holds: (el) => gateMean(el, 'lstm') > 0.99 && carryPath(el, 'lstm', 40) > 0.8 && ratioC(el, 'lstm', 40) >= 0.5,
      says: (el) => `Mean f = ${num(gateMean(el, 'lstm'))}; carry path at lag 40: ${num(carryPath(el, 'lstm', 40))}; ‖∂L/∂c‖ at lag 40: ${num(ratioC(el, 'lstm', 40))} × lag 0.`,
    },
    cec: {
      lab: 'cec',
      config: CEC,
      holds: (el) => carryPaths(el, 'lstm_no_forget').every((v) => v === 1),
      says: (el) => `LSTM without a forget gate: carry path ${num(carryPath(el, 'lstm_no_forget', 40))} at lag 40 (and 1 at every lag); LSTM: ${num(carryPath(el, 'lstm', 40))}.`,
    },
  },
  predictions: {
    untrained: {
      lab: 'gates',
      config: DEFAULT,
      choices: { lstm: 'The LSTM', rnn: 'The tanh RNN' },
      answer: (el) => (ratio(el, 'lstm', 40) > ratio(el, 'rnn_tanh', 40) ? 'lstm' : 'rnn'),
      explain: (el) => `At lag 40: LSTM ${num(ratio(el, 'lstm', 40))} × lag 0, tanh RNN ${num(ratio(el, 'rnn_tanh', 40))} ×. The forget gate averages ${num(gateMean(el, 'lstm'))}, and the cell multiplies the gradient by it at every step.`,
    },
  },
});
