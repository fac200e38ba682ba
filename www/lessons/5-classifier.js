// Lesson 5's claims and predictions: each names the widget, the exact setting that shows it and,
// for a trained model, the exact iteration of its seeded run; each reads its answer from the
// numbers the classifier's panels show (the sentence panel's `shown`: the sentence as read and
// the model's explanation of it; the packing panel's: the batch, `packed_layout` and the packed
// and padded runs). See lesson.js.
import { num, percent, runLesson } from './lesson.js';

const BASE = 'E=16&H=16&budget=30';
const withText = (t) => `${BASE}&text=${encodeURIComponent(t)}`;
const NOT_GOOD = withText('The film was not good.');
const EXPECTED = withText('I expected to hate it, but I did not!');
/** The iteration the lesson's "trained" claims are made at: 300 × 32 = 9,600 sentences. */
const TRAINED = 300;

const pct = (p) => percent(p, 1);

/** What the sentence panel of classifier element `el` shows: `{enc, x}`. */
function sentence(el) {
  const s = el.classifier.mounted.get('cls-sentence').shown;
  if (!s?.x) throw new Error(`lesson: #${el.id} has read no sentence`);
  return s;
}

/** What the packing panel of `el` shows: `{batch, view, run}`. */
function packing(el) {
  const p = el.classifier.mounted.get('cls-packing').shown;
  if (!p) throw new Error(`lesson: #${el.id} has packed no batch`);
  return p;
}

/** The runs (one per direction) of the last layer. */
function lastLayer(el) {
  const { x } = sentence(el);
  const top = Math.max(...x.runs.map((r) => r.layer));
  return x.runs.filter((r) => r.layer === top).sort((a, b) => a.direction - b.direction);
}

const argmax = (v) => v.indexOf(Math.max(...v));

/** Every value of the gates i, f and o, over every layer, direction, word and unit. */
function gateValues(el) {
  return sentence(el).x.runs.flatMap((r) => ['i', 'f', 'o'].flatMap((g) => r.states[g].flat()));
}

/** The share of gate values below 0.1 or above 0.9. */
function decided(el) {
  const v = gateValues(el);
  return v.filter((g) => g < 0.1 || g > 0.9).length / v.length;
}

/** The prediction's class name, its probability, and the word of largest |saliency| with its
 *  saliency. */
function reading(el) {
  const { enc, x } = sentence(el);
  const k = argmax(x.saliency.map(Math.abs));
  return { label: el.session.classes[x.prediction], p: x.probabilities[x.prediction], top: enc.tokens[k], s: x.saliency[k] };
}

/** The saliency of the first occurrence of `word` in the sentence shown, or null without one. */
function saliencyOf(el, word) {
  const { enc, x } = sentence(el);
  const k = enc.tokens.indexOf(word);
  return k < 0 ? null : x.saliency[k];
}

/** The held-out accuracy of the record at `iteration` (what the accuracy chart draws). */
function recordAt(el, iteration) {
  const r = el.session.entrants[0]?.parsed.find((x) => x.iteration === iteration);
  if (!r) throw new Error(`lesson: #${el.id} has no record at iteration ${iteration}`);
  return r;
}

/** For each sentence of the packing batch: the largest difference between its h_n run packed
 *  and run over the padding (every layer and direction), relative to the packed h_n's size. */
function hnChange(el) {
  const { batch, run } = packing(el);
  const B = batch.rows.length;
  const H = run.hidden_size;
  const LD = run.packed.h_n.length / (B * H);
  return batch.rows.map((_, r) => {
    let diff = 0;
    let size = 0;
    for (let ld = 0; ld < LD; ld += 1) {
      for (let j = 0; j < H; j += 1) {
        const i = (ld * B + r) * H + j;
        diff = Math.max(diff, Math.abs(run.packed.h_n[i] - run.padded.h_n[i]));
        size = Math.max(size, Math.abs(run.packed.h_n[i]));
      }
    }
    return diff / size;
  });
}

/** The sentences (row numbers) whose prediction differs packed and padded. */
function flipped(el) {
  const { run } = packing(el);
  return run.packed.predictions.map((p, r) => (p !== run.padded.predictions[r] ? r : -1)).filter((r) => r >= 0);
}

/** The position (in the padded batch) where direction `dir` of sentence `r` runs its first step. */
function firstStep(el, packed, dir, r) {
  const { view, batch } = packing(el);
  const g = packed ? view.runs.packed : view.runs.padded;
  const cells = dir === 0 ? g.forward : g.reverse;
  return cells.slice(r * batch.steps, (r + 1) * batch.steps).indexOf(0);
}

const classChoices = { negative: 'Negative', positive: 'Positive' };

runLesson({
  id: '5',
  claims: {
    unk: {
      lab: 'reader',
      config: withText('The movie was splendid.'),
      iteration: 0,
      holds: (el) => {
        const { enc } = sentence(el);
        const k = enc.tokens.indexOf('splendid');
        return k >= 0 && enc.unknown[k] && enc.ids[k] === 1;
      },
      says: (el) => {
        const { enc } = sentence(el);
        const k = enc.tokens.indexOf('splendid');
        return `“splendid” ${enc.unknown[k] ? 'is not' : 'is'} among the model's ${el.session.vocabulary.length} tokens: it reads id ${enc.ids[k]}, ${el.session.vocabulary[enc.ids[k]]}.`;
      },
    },
    halfopen: {
      lab: 'reader',
      config: NOT_GOOD,
      iteration: 0,
      holds: (el) => gateValues(el).every((g) => g > 0.1 && g < 0.9),
      says: (el) => { const v = gateValues(el); return `Gates i, f, o of both layers and directions: from ${num(Math.min(...v))} to ${num(Math.max(...v))}.`; },
    },
    coin: {
      lab: 'reader',
      config: NOT_GOOD,
      iteration: 0,
      holds: (el) => sentence(el).x.probabilities.every((p) => p >= 0.4 && p <= 0.6),
      says: (el) => el.session.classes.map((c, k) => `${c} ${pct(sentence(el).x.probabilities[k])}`).join(', ') + '.',
    },
    ends: {
      lab: 'reader',
      config: NOT_GOOD,
      iteration: 0,
      holds: (el) => {
        const [fwd, bwd] = lastLayer(el);
        return argmax(fwd.grad_h_norm) === fwd.grad_h_norm.length - 1 && argmax(bwd.grad_h_norm) === 0;
      },
      says: (el) => {
        const { enc } = sentence(el);
        const [fwd, bwd] = lastLayer(el);
        return `Flow → is largest at “${enc.tokens[argmax(fwd.grad_h_norm)]}” (word ${argmax(fwd.grad_h_norm) + 1} of ${enc.tokens.length}), flow ← at “${enc.tokens[argmax(bwd.grad_h_norm)]}” (word ${argmax(bwd.grad_h_norm) + 1}).`;
      },
    },
    rows: {
      lab: 'packing',
      config: BASE,
      iteration: 0,
      holds: (el) => {
        const { view, batch } = packing(el);
        const rows = view.layout.batch_sizes.reduce((a, n) => a + n, 0);
        return rows === view.layout.lengths.reduce((a, n) => a + n, 0) && rows < batch.rows.length * batch.steps;
      },
      says: (el) => {
        const { view, batch } = packing(el);
        return `data: ${view.layout.batch_sizes.reduce((a, n) => a + n, 0)} rows, the lengths ${view.layout.lengths.join(' + ')}; the padded batch: ${batch.rows.length} × ${batch.steps} = ${batch.rows.length * batch.steps} positions.`;
      },
    },
    sorted: {
      lab: 'packing',
      config: BASE,
      iteration: 0,
      holds: (el) => {
        const { lengths, sorted_indices: s, unsorted_indices: u, batch_sizes: bs } = packing(el).view.layout;
        return s.every((r, k) => k === 0 || lengths[s[k - 1]] >= lengths[r])
          && s.every((r, k) => u[r] === k)
          && bs.every((n, t) => t === 0 || n <= bs[t - 1]);
      },
      says: (el) => {
        const l = packing(el).view.layout;
        return `lengths [${l.lengths.join(', ')}], sorted_indices [${l.sorted_indices.join(', ')}], unsorted_indices [${l.unsorted_indices.join(', ')}], batch_sizes [${l.batch_sizes.join(', ')}].`;
      },
    },
    padstart: {
      lab: 'packing',
      config: BASE,
      iteration: 0,
      holds: (el) => {
        const { view, batch } = packing(el);
        const short = view.layout.lengths.map((n, r) => [n, r]).filter(([n]) => n < batch.steps);
        return short.length > 0 && short.every(([n, r]) => firstStep(el, false, 1, r) >= n && firstStep(el, true, 1, r) === n - 1);
      },
      says: (el) => {
        const { view, batch } = packing(el);
        const r = argmax(view.layout.lengths.map((n) => -n));
        const n = view.layout.lengths[r];
        return `Sentence ${r} (${n} tokens, ${batch.steps - n} pads): backward step 0 is at position ${firstStep(el, false, 1, r)} padded (a pad), at position ${firstStep(el, true, 1, r)} packed (its last word).`;
      },
    },
    untrained: {
      lab: 'packing',
      config: BASE,
      iteration: 0,
      holds: (el) => {
        const { lengths } = packing(el).view.layout;
        const longest = Math.max(...lengths);
        return hnChange(el).every((d, r) => lengths[r] === longest || d > 1e-6) && flipped(el).length === 0;
      },
      says: (el) => {
        const { run } = packing(el);
        const c = el.session.classes;
        return `h_n changes by ${hnChange(el).map(num).join(', ')} (relative); predictions packed: ${run.packed.predictions.map((k) => c[k]).join(', ')}; over the padding: ${run.padded.predictions.map((k) => c[k]).join(', ')}.`;
      },
    },
    learns: {
      lab: 'trained',
      config: NOT_GOOD,
      iteration: TRAINED,
      holds: (el) => recordAt(el, TRAINED).test_accuracy > 0.75,
      says: (el) => {
        const r = recordAt(el, TRAINED);
        return `Iteration ${TRAINED}: ${pct(r.test_accuracy)} of the held-out sentences right (long-range ones: ${pct(r.test_accuracy_long_range)}).`;
      },
    },
    decisive: {
      lab: 'trained',
      config: NOT_GOOD,
      iteration: TRAINED,
      holds: (el) => decided(el) > 0.1,
      says: (el) => `Iteration ${TRAINED}: ${pct(decided(el))} of the gate values on “The film was not good.” are below 0.1 or above 0.9.`,
    },
  },
  predictions: {
    dropout: {
      lab: 'reader',
      baseline: NOT_GOOD,
      config: `${NOT_GOOD}&dropout=0`,
      iteration: 0,
      measure: (el) => sentence(el).x.probabilities.slice(),
      choices: { same: 'No, the same answer', different: 'Yes, a different answer' },
      answer: (el, base) => (sentence(el).x.probabilities.every((p, k) => Math.abs(p - base[k]) < 1e-12) ? 'same' : 'different'),
      explain: (el, base) => {
        const c = el.session.classes;
        const k = c.indexOf('positive');
        return `With dropout 0.5, P(${c[k]}) = ${base[k].toFixed(6)}; with dropout 0, ${sentence(el).x.probabilities[k].toFixed(6)}. Dropout only acts while training; reading a sentence is evaluation (<code>model.eval()</code>), and the seed draws the same weights whatever p is. The widget now shows the model with dropout 0.`;
      },
    },
    ends: {
      lab: 'reader',
      config: NOT_GOOD,
      iteration: 0,
      choices: { first: 'At the first word', middle: 'Somewhere in the middle', last: 'At the last word' },
      answer: (el) => {
        const g = lastLayer(el)[1].grad_h_norm;
        const k = argmax(g);
        if (k === 0) return 'first';
        return k === g.length - 1 ? 'last' : 'middle';
      },
      explain: (el) => {
        const { enc } = sentence(el);
        const g = lastLayer(el)[1].grad_h_norm;
        return `Flow ← is ${num(g[0])} at “${enc.tokens[0]}” and ${num(g[g.length - 1])} at “${enc.tokens.at(-1)}”. The backward direction reads the sentence from its end, so its final state, <code>hidden[-1]</code>, is its state at the first word: there <code>fc</code> reads it.`;
      },
    },
    longest: {
      lab: 'packing',
      config: BASE,
      iteration: 0,
      choices: { shortest: 'The shortest', longest: 'The longest', all: 'All three', none: 'None of them' },
      answer: (el) => {
        const same = hnChange(el).map((d) => d < 1e-12);
        const { lengths } = packing(el).view.layout;
        const n = same.filter(Boolean).length;
        if (n === same.length) return 'all';
        if (n === 0) return 'none';
        const r = same.indexOf(true);
        if (n === 1 && lengths[r] === Math.max(...lengths)) return 'longest';
        return lengths[r] === Math.min(...lengths) ? 'shortest' : 'none';
      },
      explain: (el) => {
        const d = hnChange(el);
        const { lengths } = packing(el).view.layout;
        const T = packing(el).batch.steps;
        return `The largest change of h<sub>n</sub>, relative to its size: ${d.map((x, r) => `sentence ${r} (${lengths[r]} of ${T} tokens) ${num(x)}`).join(', ')}. Only a sentence with no pads is read the same way both times; every shorter one is read on past its end (forward) or from the last pad (backward).`;
      },
    },
    flip: {
      lab: 'packing',
      config: BASE,
      iteration: TRAINED,
      choices: { yes: 'Yes', no: 'No' },
      answer: (el) => (flipped(el).length ? 'yes' : 'no'),
      explain: (el) => {
        const { batch, run } = packing(el);
        const c = el.session.classes;
        const f = flipped(el);
        if (!f.length) return `Every sentence keeps its prediction: here the pads move the logits but not across the line. ${batch.rows.map((row, r) => `Sentence ${r}: ${c[run.packed.predictions[r]]}`).join('; ')}.`;
        return f.map((r) => `Sentence ${r}, “${batch.rows[r].tokens.join(' ')}” (${batch.rows[r].ids.length} tokens, ${batch.steps - batch.rows[r].ids.length} pads): packed ${c[run.packed.predictions[r]]}, over the padding ${c[run.padded.predictions[r]]}.`).join(' ')
          + ' The model was trained on packed batches: it never learnt what pads do to its states. Pass the lengths.';
      },
    },
    notgood: {
      lab: 'trained',
      config: NOT_GOOD,
      iteration: TRAINED,
      choices: classChoices,
      answer: (el) => reading(el).label,
      explain: (el) => {
        const r = reading(el);
        return `At iteration ${TRAINED} it says ${r.label}, ${pct(r.p)}. The word of largest saliency is “${r.top}”.`;
      },
    },
    expected: {
      lab: 'trained',
      config: EXPECTED,
      iteration: TRAINED,
      choices: classChoices,
      answer: (el) => reading(el).label,
      explain: (el) => {
        const r = reading(el);
        const words = ['hate', 'not'].filter((w) => saliencyOf(el, w) !== null).map((w) => `“${w}” ${num(saliencyOf(el, w))}`);
        return `At iteration ${TRAINED} it says ${r.label}, ${pct(r.p)}. In the saliency row the largest |s<sub>t</sub>| is at “${r.top}” (${num(r.s)})${words.length ? `; ${words.join(', ')}` : ''} (positive pushes towards the prediction, negative against it). `
          + 'Saliency is gradient × input: it measures how a small nudge of a word\'s embedding moves the log-odds of the prediction, not what removing the word would do, and not what the model “understands”. '
          + 'A word can also act by opening or shutting gates for the words read after it, in either direction, and draw little saliency of its own: to see what “but I did not” does, type the sentence without it and compare the prediction.';
      },
    },
  },
});
