// The classifier's live charts: the training view's loss and success charts (drawn by the
// core's TrainingCharts from the log records; the success chart adds the long-range accuracy as
// a thin line), with captions and notes for the sentiment task.
import { chartWidget } from '../train/charts.js';

const last = (s) => s.entrants[0]?.parsed.at(-1);

function lossNote(s) {
  const e = s.entrants[0];
  const r = last(s);
  if (!r) return '';
  const first = e.parsed[0];
  const ln2 = Math.LN2;
  if (r.test_loss > 0.9 * ln2 && e.parsed.length < 3) return `Untrained, the held-out loss is about ln 2 = ${ln2.toFixed(3)}: the loss of answering 50 % for every sentence.`;
  return `Held-out loss now ${r.test_loss.toFixed(3)} (at the start ${first.test_loss.toFixed(3)}; ln 2 = 0.693 is a coin toss). The training loss (thin) is measured with dropout on, so it can sit above the held-out one.`;
}

function accuracyNote(s) {
  const r = last(s);
  if (!r) return '';
  const pct = (x) => `${(100 * x).toFixed(1)}\u00a0%`;
  const lr = r.test_accuracy_long_range;
  const parts = [`Now ${pct(r.test_accuracy)} of the held-out sentences right`];
  if (lr != null) parts.push(`${pct(lr)} of the long-range ones`);
  let out = `${parts.join(', ')}. Half the sentences are positive: 50\u00a0% is guessing.`;
  if (lr != null && r.test_accuracy - lr > 0.05) out += ' The long-range sentences lag: their deciding words (a “but”, a “not”) sit far from the words they change, and the model learns those links last.';
  return out;
}

export const CLASSIFY_CHARTS = [
  {
    name: 'cls-loss', chart: 'train-loss', title: 'Loss',
    caption: 'Cross-entropy on the 1000 held-out sentences (thick) and on the training batches (thin, dropout on) against the training sentences seen, both on log scales.',
    note: lossNote,
  },
  {
    name: 'cls-accuracy', chart: 'train-success', title: 'Accuracy',
    caption: 'The share of held-out sentences classified right (thick) and of the long-range ones among them (thin), against the training sentences seen. Dashed: 95\u00a0%.',
    note: accuracyNote,
  },
].map((c) => ({ ...chartWidget(c), modes: null }));
