// Lesson 1's claims and predictions: each names the widget and the exact setting that shows it,
// and reads its answer from the widget's numbers (see lesson.js).
import { cellOf, digits, num, ratio, runLesson } from './lesson.js';

const AT = (rho) => `cells=rnn_tanh&H=4&T=12&rho=${rho}`;
const STEPS = 11; // step 0 is lag 11 of 12 steps
const first = (el) => ratio(el, 'rnn_tanh', STEPS);
/** ‖h_t‖ and the input x_t at every step, as the chain's forward bars and equations show them. */
function states(el) {
  const c = cellOf(el, 'rnn_tanh');
  return { h: [...el.session.hNorms(c)], x: [...c.series.input] };
}
const after = (el) => states(el).h.slice(1);
/** What the tanh′ factors leave of the gradient over the 11 steps: W_hh here is ρ times a
 *  rotation (every singular value is ρ), so each step back scales it by exactly ρ, and the rest
 *  of the ratio at step 0 is theirs. */
const share = (el, rho) => first(el) / rho ** STEPS;

runLesson({
  id: '1',
  claims: {
    stays: {
      lab: 'chain',
      config: AT(0.9),
      holds: (el) => {
        const { h, x } = states(el);
        return x[0] === 1 && x.slice(1).every((v) => v === 0) && h.slice(1).every((v) => v >= 0.25 && v <= 0.35);
      },
      says: (el) => `Steps 1–11, input 0: ‖h_t‖ from ${num(Math.min(...after(el)))} to ${num(Math.max(...after(el)))}.`,
    },
    reaches: {
      lab: 'flow',
      config: AT(0.9),
      holds: (el) => first(el) > 0.15 && first(el) < 0.4,
      says: (el) => `At step 0 (lag 11): ${num(first(el))} × the gradient at step 11.`,
    },
    small: {
      lab: 'flow',
      config: AT(0.45),
      holds: (el) => first(el) < 1e-3,
      says: (el) => `At ρ = 0.45, step 0 gets ${num(first(el))} × the gradient at step 11.`,
    },
  },
  predictions: {
    back: {
      lab: 'flow',
      config: AT(0.9),
      choices: { grow: 'It grows', shrink: 'It shrinks' },
      answer: (el) => (first(el) > 1 ? 'grow' : 'shrink'),
      explain: (el) => `At ρ = 0.9 the gradient at step 0 is ${num(first(el))} × its size at step 11 (the chart below shows every step). Each step back multiplies it by W<sub>hh</sub><sup>T</sup>, which here scales its length by exactly ρ = 0.9, and by the tanh′ factors, each at most 1: both shrink it.`,
    },
    halve: {
      lab: 'flow',
      baseline: AT(0.9),
      config: AT(0.45),
      measure: (el) => ({ first: first(el), share: share(el, 0.9) }),
      choices: { more: 'More', same: 'About the same', less: 'Less' },
      answer: (el, base) => {
        const r = first(el) / base.first;
        if (r > 1.5) return 'more';
        return r < 1 / 1.5 ? 'less' : 'same';
      },
      explain: (el, base) => {
        const s = share(el, 0.45);
        // Factors to 5 digits, their products to 4, the final ratio to 3: what is shown multiplies out.
        const n = (text) => `<span class="n">${text}</span>`; // kept on one line
        const f = (x) => n(digits(x, 5));
        return `W<sub>hh</sub> here is ρ times a rotation: each step back scales the gradient's length by exactly ρ, and the tanh′ factors (each at most 1) take some more. Over the 11 steps to step 0:<br>`
          + `at ρ = 0.9: 0.9<sup>11</sup> × ${f(base.share)} = ${f(0.9 ** STEPS)} × ${f(base.share)} = ${n(digits(base.first, 4))};<br>`
          + `at ρ = 0.45: 0.45<sup>11</sup> × ${f(s)} = ${f(0.45 ** STEPS)} × ${f(s)} = ${n(digits(first(el), 4))}.<br>`
          + `Halving ρ divides what reaches step 0 by 2<sup>11</sup> = 2048 through W<sub>hh</sub>, and the tanh′ factors divide it by ${f(base.share / s)} more: 2048 × ${f(base.share / s)} = ${num(base.first / first(el))} times less.`;
      },
    },
  },
});
