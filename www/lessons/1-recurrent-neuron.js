// Lesson 1's claims and predictions: each names the widget and the exact setting that shows it,
// and reads its answer from the widget's numbers (see lesson.js).
import { num, ratio, runLesson } from './lesson.js';

const AT = (rho) => `cells=rnn_tanh&H=4&T=12&rho=${rho}`;
const first = (el) => ratio(el, 'rnn_tanh', 11); // step 0 is lag 11 of 12 steps

runLesson({
  id: '1',
  claims: {
    reaches: {
      lab: 'flow',
      config: AT(0.9),
      holds: (el) => first(el) > 0.15 && first(el) < 0.4,
      says: (el) => `At step 0 (lag 11): ${num(first(el))} × the gradient at step 11.`,
    },
    small: {
      lab: 'flow',
      config: AT(0.5),
      holds: (el) => first(el) < 1e-3,
      says: (el) => `At ρ = 0.5, step 0 gets ${num(first(el))} × the gradient at step 11.`,
    },
  },
  predictions: {
    back: {
      lab: 'flow',
      config: AT(0.9),
      choices: { grow: 'It grows', shrink: 'It shrinks' },
      answer: (el) => (first(el) > 1 ? 'grow' : 'shrink'),
      explain: (el) => `At ρ = 0.9 the gradient at step 0 is ${num(first(el))} × its size at step 11 (the chart below shows every step). Each step back multiplies it by W<sub>hh</sub><sup>T</sup> and by tanh′ ≤ 1: here that shrinks it.`,
    },
    halve: {
      lab: 'flow',
      baseline: AT(0.9),
      config: AT(0.5),
      measure: first,
      choices: { more: 'More', same: 'About the same', less: 'Less' },
      answer: (el, base) => {
        const r = first(el) / base;
        if (r > 1.5) return 'more';
        return r < 1 / 1.5 ? 'less' : 'same';
      },
      explain: (el, base) => `Step 0 gets ${num(first(el))} × the gradient at step 11 at ρ = 0.5, against ${num(base)} × at ρ = 0.9: about ${num(base / first(el))} times less. Halving ρ roughly halves what survives each step, and over 11 steps that compounds: 0.5<sup>11</sup> ≈ 5 × 10⁻⁴.`,
    },
  },
});
