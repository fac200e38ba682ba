// The page's whole state, and its round trip through the URL hash (a link restores the view).
export const CELLS = ['rnn_tanh', 'rnn_relu', 'rnn_linear', 'lstm', 'gru'];
export const CELL_LABEL = {
  rnn_tanh: 'RNN tanh', rnn_relu: 'RNN ReLU', rnn_linear: 'RNN linear', lstm: 'LSTM', gru: 'GRU',
};
export const HIDEABLE = ['model', 'spectrum', 'clip', 'flow', 'chain', 'gates'];

export function defaults() {
  return {
    cells: ['rnn_tanh', 'lstm', 'gru'],
    H: 32, T: 100, input: 'pulse', custom: '1, 0, 0, 0', seed: 1, init: 'orthogonal',
    scale: 'rho', sv: 0.9, nn: 0, eigs: null, loss: 'last', clip: 'none', ct: 1,
    focus: 'lstm', chain: 'rnn_tanh', t: 99, unit: 0, phase: 'fwd',
    showG: true, showJ: true, showTh: true, sel: -1, hide: [], fb: null,
  };
}

const num = (v, lo, hi, d) => {
  if (v === null || v === '') return d; // absent from the hash: keep the default (Number(null) is 0)
  const x = Number(v);
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : d;
};
const int = (v, lo, hi, d) => Math.round(num(v, lo, hi, d));
const oneOf = (v, list, d) => (list.includes(v) ? v : d);

export function encode(s) {
  const p = new URLSearchParams();
  p.set('cells', s.cells.join(','));
  p.set('H', s.H);
  p.set('T', s.T);
  p.set('input', s.input);
  if (s.input === 'custom') p.set('custom', s.custom);
  p.set('seed', s.seed);
  p.set('init', s.init);
  p.set('scale', s.scale);
  p.set('sv', +s.sv.toFixed(4));
  if (s.nn) p.set('nn', +s.nn.toFixed(4));
  if (s.eigs) p.set('eigs', s.eigs.map(([re, im]) => `${+re.toFixed(4)}:${+im.toFixed(4)}`).join(';'));
  p.set('loss', s.loss);
  p.set('clip', s.clip);
  if (s.clip !== 'none') p.set('ct', +s.ct.toPrecision(4));
  p.set('focus', s.focus);
  p.set('chain', s.chain);
  p.set('t', s.t);
  p.set('unit', s.unit);
  p.set('phase', s.phase);
  p.set('show', [s.showG && 'g', s.showJ && 'j', s.showTh && 'th'].filter(Boolean).join(','));
  if (s.sel >= 0) p.set('sel', s.sel);
  if (s.hide.length) p.set('hide', s.hide.join(','));
  if (s.fb !== null) p.set('fb', +s.fb.toFixed(3));
  return p.toString();
}

export function decode(hash) {
  const s = defaults();
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (![...p.keys()].length) return s;
  if (p.has('cells')) {
    const c = p.get('cells').split(',').filter((x) => CELLS.includes(x));
    if (c.length) s.cells = c;
  }
  s.H = int(p.get('H'), 2, 64, s.H);
  s.T = int(p.get('T'), 10, 1000, s.T);
  s.input = oneOf(p.get('input'), ['pulse', 'noise', 'sine', 'custom'], s.input);
  if (p.has('custom')) s.custom = p.get('custom').slice(0, 2000);
  s.seed = int(p.get('seed'), 0, 999999, s.seed);
  s.init = oneOf(p.get('init'), ['orthogonal', 'pytorch', 'identity', 'gaussian', 'sparse'], s.init);
  s.scale = oneOf(p.get('scale'), ['rho', 'sigma', 'none'], s.scale);
  s.sv = num(p.get('sv'), 0, 3, s.sv);
  s.nn = num(p.get('nn'), 0, 1.5, 0);
  if (p.has('eigs')) {
    const e = p.get('eigs').split(';').map((x) => x.split(':').map(Number));
    if (e.length === s.H && e.every((x) => x.length === 2 && x.every(Number.isFinite))) s.eigs = e;
  }
  s.loss = oneOf(p.get('loss'), ['last', 'every'], s.loss);
  s.clip = oneOf(p.get('clip'), ['none', 'norm', 'value'], s.clip);
  s.ct = num(p.get('ct'), 1e-3, 1e3, s.ct);
  s.focus = oneOf(p.get('focus'), CELLS, s.focus);
  s.chain = oneOf(p.get('chain'), CELLS, s.chain);
  s.t = int(p.get('t'), 0, s.T - 1, s.T - 1);
  s.unit = int(p.get('unit'), 0, s.H - 1, 0);
  s.phase = oneOf(p.get('phase'), ['fwd', 'bwd'], s.phase);
  if (p.has('show')) {
    const sh = p.get('show').split(',');
    s.showG = sh.includes('g');
    s.showJ = sh.includes('j');
    s.showTh = sh.includes('th');
  }
  s.sel = int(p.get('sel'), -1, s.H - 1, -1);
  if (p.has('hide')) s.hide = p.get('hide').split(',').filter((x) => HIDEABLE.includes(x));
  if (p.has('fb')) s.fb = num(p.get('fb'), -4, 8, null);
  return s;
}

export function sceneConfig(s) {
  const custom = s.custom.split(/[\s,;]+/).filter((x) => x !== '').map(Number);
  return {
    cells: s.cells,
    hidden_size: s.H,
    steps: s.T,
    input: s.input,
    custom_input: s.input === 'custom' ? custom : [],
    seed: s.seed,
    init: s.init,
    eigenvalues: s.eigs,
    nonnormal: s.nn,
    scale: s.scale,
    scale_value: s.sv,
    loss: s.loss,
    clip: s.clip,
    clip_threshold: s.ct,
    analysis: true,
    carry_bias: s.fb,
  };
}
