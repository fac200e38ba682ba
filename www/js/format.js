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

/** 1, 2, 5 × 10^k at or above x (≥ 1). */
export function niceLimit(x) {
  if (!Number.isFinite(x) || x <= 1) return 1;
  const e = Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) {
    const v = m * 10 ** e;
    if (v >= x) return Number.isFinite(v) ? v : x; // near the largest double, x itself
  }
  return x;
}
