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
