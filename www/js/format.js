// Number formatting shared by the page's readouts.
export function fmt(x, digits = 3) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e4 || a < 1e-3 ? x.toExponential(digits - 1) : x.toPrecision(digits);
  return s.replace('-', '−');
}

/** A number for running text to `n` significant digits, with the minus sign (−, not a hyphen)
 *  and powers of ten for the very large or small: `−0.48`, `5.5 × 10⁻¹⁰`. */
export function figure(x, n = 3) {
  if (!Number.isFinite(x)) return fmt(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) {
    const [m, e] = x.toExponential(n - 1).split('e');
    return `${m.replace('-', '−')} × 10${e.replace('+', '').replace('-', '⁻').replace(/\d/g, (c) => SUP[c])}`;
  }
  return String(Number(x.toPrecision(n))).replace('-', '−');
}
const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** A share as a whole percentage, rounded down, so a share just under a threshold never reads as
 *  the threshold (0.949 is 94, not 95): what every success percentage in words is rounded by. */
export const percentOf = (x) => Math.floor(100 * x + 1e-9);

/** `percentOf(x)` with its sign, a no-break space keeping the two together: `94 %`; with
 *  `decimals`, rounded down to that many (`94.9 %`). */
export const percent = (x, decimals = 0) => {
  const k = 10 ** decimals;
  return `${(Math.floor(100 * k * x + 1e-9) / k).toFixed(decimals)}\u00a0%`;
};

/** Items as a learner reads a list: `a`, `a and b`, `a, b and c`. */
export const listWords = (xs) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** The indefinite article for `phrase`, by how its first word sounds: an initialism (all
 *  capitals, as the cells' labels are) is read letter by letter ("an LSTM", "an RNN tanh", "a
 *  GRU"), a number as a number ("an 8-layer", "an 11-layer", "a 2-layer"), a word by its first
 *  letter ("a bidirectional"). */
export function article(phrase) {
  const word = String(phrase).trim().split(/[\s-]/)[0];
  if (/^\d/.test(word)) {
    const n = word.match(/^\d+/)[0];
    return /^8/.test(n) || (/^1[18]/.test(n) && n.length % 3 === 2) ? 'an' : 'a';
  }
  if (/^[A-Z]{2,}/.test(word)) return 'AEFHILMNORSX'.includes(word[0]) ? 'an' : 'a';
  return /^[aeiou]/i.test(word) && !/^(uni|use|one|eu)/i.test(word) ? 'an' : 'a';
}
