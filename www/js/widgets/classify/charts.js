// The classifier's live charts: the training view's loss and success charts (drawn by the
// core's TrainingCharts from the log records; the success chart adds the long-range accuracy as
// a thin line), with captions and notes for the data in use (the shipped sentiment sentences or
// the learner's own: the chance level and ln K follow its classes).
import { chartWidget } from '../train/charts.js';

const last = (s) => s.entrants[0]?.parsed.at(-1);

/** The held-out share of the largest class: what always answering it scores. */
function chance(s) {
  const d = s.dataset?.summary;
  return d ? Math.max(...d.test_counts) / d.test : 0.5;
}

function lossNote(s) {
  const e = s.entrants[0];
  const r = last(s);
  if (!r) return '';
  const first = e.parsed[0];
  const K = s.classes.length;
  const lnK = Math.log(K);
  const odds = `${Math.round(100 / K)} %`;
  if (r.test_loss > 0.9 * lnK && e.parsed.length < 3) return `Untrained, the held-out loss is about ln ${K} = ${lnK.toFixed(3)}: the loss of answering ${odds} for each of the ${K} classes on every sentence.`;
  return `Held-out loss now ${r.test_loss.toFixed(3)} (at the start ${first.test_loss.toFixed(3)}; ln ${K} = ${lnK.toFixed(3)} is equal odds). ${gapNote(r.train_loss, r.test_loss)}`;
}

const num = (x) => (x >= 0.01 ? x.toFixed(3) : x.toExponential(1).replace('e-', '·10⁻').replace(/⁻(\d+)/, (_, d) => `⁻${[...d].map((c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[c]).join('')}`));

/**
 * What the two curves show now: which is above and by how much. Training (thin) far below the
 * held-out loss is overfitting: the model fits its training sentences better than it generalises.
 * Above it is dropout (on in training, off for the held-out loss) or a hard batch.
 */
export function gapNote(train, test) {
  if (!Number.isFinite(train)) return 'The training loss (thin) appears after the first training iterations.';
  const ratio = test / Math.max(train, 1e-300);
  if (Math.max(ratio, 1 / ratio) < 1.1) return `The training loss (thin, ${num(train)}) is about the held-out one (within 10\u00a0%): no sign of overfitting yet.`;
  if (train > test) return `The training loss (thin, ${num(train)}) is above the held-out one, ${(train / test).toFixed(1)}× it: it is measured with dropout on (the held-out loss without), on the last batches only.`;
  if (ratio < 1.5) return `The training loss (thin, ${num(train)}) is a little below the held-out one (which is ${ratio.toFixed(1)}× it): no clear sign of overfitting yet.`;
  if (ratio < 3) return `The training loss (thin, ${num(train)}) is below the held-out one (which is ${ratio.toFixed(1)}× it): the model starts to fit its training sentences better than new ones. If the gap keeps growing, that is overfitting.`;
  const size = ratio >= 10 ? `${Math.round(ratio).toLocaleString('en')} times` : `${ratio.toFixed(1)} times`;
  return `The training loss (thin, ${num(train)}) is far below the held-out one (which is ${size} it): the model fits its training sentences much better than new ones. A gap this large is overfitting: it has all but memorised its training sentences, so more training mostly lowers the thin curve, not the thick one (more data, more dropout or stopping earlier help the held-out sentences).`;
}

function accuracyNote(s) {
  const r = last(s);
  if (!r) return '';
  const pct = (x) => `${(100 * x).toFixed(1)}\u00a0%`;
  const lr = r.test_accuracy_long_range;
  const parts = [`Now ${pct(r.test_accuracy)} of the held-out sentences right`];
  if (lr != null) parts.push(`${pct(lr)} of the long-range ones`);
  const c = chance(s);
  let out = s.dataset?.source === 'own'
    ? `${parts.join(', ')}. The largest class is ${pct(c)} of the held-out sentences: always answering it scores that much.`
    : `${parts.join(', ')}. Half the sentences are positive: 50\u00a0% is guessing.`;
  if (lr != null && r.test_accuracy - lr > 0.05) out += ' The long-range sentences lag: their deciding words (a “but”, a “not”) sit far from the words they change, and the model learns those links last.';
  return out;
}

export const CLASSIFY_CHARTS = [
  {
    name: 'cls-loss', chart: 'train-loss', title: 'Loss',
    caption: 'Cross-entropy on the held-out sentences (thick) and on the training batches (thin, dropout on) against the training sentences seen, both on log scales.',
    note: lossNote,
  },
  {
    name: 'cls-accuracy', chart: 'train-success', title: 'Accuracy',
    caption: 'The share of held-out sentences classified right (thick) and of the long-range ones among them (thin), against the training sentences seen. Dashed: 95\u00a0%.',
    note: accuracyNote,
  },
].map((c) => ({ ...chartWidget(c), modes: null }));
