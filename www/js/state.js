// A scene's state and its round trip through text: the lab page's URL hash and the element's
// `config` attribute use the same syntax (`cells=lstm&T=50&sv=1.1`). One declaration per key:
// its name, type, range or choices, default, and when it is written. The ranges and the defaults
// of the scene's fields come from the core (`scene_limits()`, `default_scene()`); the cells from
// its table (`cell_table()`). Decoding never fails: a key it cannot use becomes a notice naming it.

export const INPUTS = ['pulse', 'noise', 'sine', 'custom'];
export const INITS = ['orthogonal', 'pytorch', 'identity', 'gaussian', 'sparse'];

/**
 * Builds the key table for one core (its cells, limits and defaults). `panels` are the names
 * `hide=` accepts (widgets and their controls).
 */
export function keyTable(core, panels) {
  const L = core.limits;
  const D = core.defaults;
  const cells = core.cells.map((c) => c.name);
  const firstGated = core.cells.find((c) => c.gated && D.cells.includes(c.name))?.name ?? D.cells[0];
  const always = () => true;
  return [
    // Trained or imported models fix the cells and H: the link names them (`trained=`) instead.
    { key: 'cells', type: 'list', choices: cells, def: () => [...D.cells], write: (s) => !s.trained },
    { key: 'H', type: 'int', range: L.hidden_size, def: () => D.hidden_size, write: (s) => !s.trained },
    { key: 'T', type: 'int', range: L.steps, def: () => D.steps, write: always },
    { key: 'input', type: 'enum', choices: INPUTS, def: () => D.input, write: always },
    { key: 'custom', type: 'text', maxLength: 2000, def: () => '1, 0, 0, 0', write: (s) => s.input === 'custom' },
    { key: 'seed', type: 'int', range: L.seed, def: () => D.seed, write: always },
    { key: 'init', type: 'enum', choices: INITS, def: () => D.init, write: always },
    { key: 'scale', type: 'enum', choices: ['rho', 'sigma', 'none'], def: (s) => (s.eigs ? 'none' : D.scale), write: always },
    { key: 'sv', type: 'num', range: L.scale_value, digits: 4, def: () => D.scale_value, write: always },
    { key: 'rho', type: 'num', range: L.scale_value, alias: (s, v) => { s.scale = 'rho'; s.sv = v; } },
    { key: 'sigma', type: 'num', range: L.scale_value, alias: (s, v) => { s.scale = 'sigma'; s.sv = v; } },
    { key: 'nn', type: 'num', range: L.nonnormal, digits: 4, def: () => D.nonnormal, write: (s) => s.nn !== 0 },
    { key: 'eigs', type: 'eigs', range: L.eigenvalues, def: () => null, write: (s) => s.eigs !== null },
    { key: 'loss', type: 'enum', choices: ['last', 'every'], def: () => D.loss, write: always },
    { key: 'clip', type: 'enum', choices: ['none', 'norm', 'value'], def: () => D.clip, write: always },
    { key: 'ct', type: 'num', range: L.clip_threshold, precision: 4, def: () => D.clip_threshold, write: (s) => s.clip !== 'none' },
    { key: 'fb', type: 'num', range: L.carry_bias, digits: 3, def: () => D.carry_bias ?? null, write: (s) => s.fb !== null },
    { key: 'focus', type: 'enum', choices: cells, def: () => firstGated, write: always },
    { key: 'chain', type: 'enum', choices: cells, def: () => D.cells[0], write: always },
    { key: 't', type: 'int', range: (s) => ({ min: 0, max: s.T - 1 }), def: (s) => s.T - 1, write: always },
    { key: 'unit', type: 'int', range: (s) => ({ min: 0, max: s.H - 1 }), def: () => 0, write: always },
    { key: 'phase', type: 'enum', choices: ['fwd', 'bwd'], def: () => 'fwd', write: always },
    { key: 'show', type: 'flags', flags: { g: 'showG', j: 'showJ', th: 'showTh' }, write: always },
    { key: 'sel', type: 'int', range: (s) => ({ min: -1, max: s.H - 1 }), def: () => -1, write: (s) => s.sel >= 0 },
    { key: 'hide', type: 'list', choices: panels, def: () => [], write: (s) => s.hide.length > 0 },
    // Trained models from the training view or a PyTorch file (www/js/trained-store.js): the
    // hand-off's id, the sequence's seed, and whose W_hh block the spectrum shows (block −1: the
    // state's block); `wm` is a model of the race, or a layer·D + direction of an imported network.
    { key: 'trained', type: 'text', maxLength: 40, def: () => '', write: (s) => s.trained !== '' },
    { key: 'seq', type: 'int', range: L.seed, def: () => 0, write: (s) => s.trained !== '' },
    { key: 'wm', type: 'int', range: { min: 0, max: 15 }, def: () => 0, write: (s) => s.trained !== '' && s.wm > 0 },
    { key: 'wb', type: 'int', range: { min: -1, max: 3 }, def: () => -1, write: (s) => s.trained !== '' && s.wb >= 0 },
  ];
}

const field = (d) => (d.type === 'flags' ? null : d.key);

/** Does every complex eigenvalue have its conjugate in the list (as many times as itself)? */
function conjugatesPaired(eigs) {
  const key = (re, im) => `${re}:${im}`;
  const count = new Map();
  for (const [re, im] of eigs) count.set(key(re, im), (count.get(key(re, im)) || 0) + 1);
  return eigs.every(([re, im]) => im === 0 || count.get(key(re, im)) === count.get(key(re, -im)));
}

/** The default state of a key table. */
export function defaults(table) {
  const s = {};
  for (const d of table) {
    if (d.alias) continue;
    if (d.type === 'flags') for (const f of Object.values(d.flags)) s[f] = true;
    else s[field(d)] = d.def(s);
  }
  return s;
}

function parseNumber(d, raw, s, notices, int) {
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x)) {
    notices.push(`${d.key}: expected a number, got "${raw}"`);
    return undefined;
  }
  const r = typeof d.range === 'function' ? d.range(s) : d.range;
  const v = int ? Math.round(x) : x;
  if (int && v !== x) notices.push(`${d.key}: expected an integer, got ${raw}; using ${v}`);
  if (v < r.min || v > r.max) {
    const c = Math.min(r.max, Math.max(r.min, v));
    notices.push(`${d.key}=${raw} is outside ${r.min}–${r.max}; using ${c}`);
    return c;
  }
  return v;
}

function pick(list, raw) {
  return list.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
}

/** Reads one key's text into the state (or a notice). */
function decodeKey(d, raw, s, notices) {
  switch (d.type) {
    case 'int':
    case 'num': {
      const v = parseNumber(d, raw, s, notices, d.type === 'int');
      if (v === undefined) return;
      if (d.alias) d.alias(s, v);
      else s[d.key] = v;
      return;
    }
    case 'enum': {
      const v = pick(d.choices, raw);
      if (v) s[d.key] = v;
      else notices.push(`${d.key}: "${raw}" is not one of ${d.choices.join(', ')}`);
      return;
    }
    case 'list': {
      const items = raw.split(',').map((x) => x.trim()).filter(Boolean);
      const ok = items.map((x) => pick(d.choices, x)).filter(Boolean);
      const bad = items.filter((x) => !pick(d.choices, x));
      if (bad.length) notices.push(`${d.key}: unknown ${bad.map((b) => `"${b}"`).join(', ')} (known: ${d.choices.join(', ')})`);
      // in the order given (the first cell is the one the chain view starts with), once each
      if (ok.length || d.key !== 'cells') s[d.key] = [...new Set(ok)];
      return;
    }
    case 'text':
      s[d.key] = raw.slice(0, d.maxLength);
      return;
    case 'flags': {
      const on = raw.split(',').map((x) => x.trim()).filter(Boolean);
      const bad = on.filter((x) => !(x in d.flags));
      if (bad.length) notices.push(`${d.key}: unknown ${bad.map((b) => `"${b}"`).join(', ')} (known: ${Object.keys(d.flags).join(', ')})`);
      for (const [k, f] of Object.entries(d.flags)) s[f] = on.includes(k);
      return;
    }
    case 'eigs': {
      const e = raw.split(';').map((x) => x.split(':').map(Number));
      const lim = d.range.max;
      if (e.length !== s.H) notices.push(`eigs: expected H = ${s.H} eigenvalues re:im, got ${e.length}`);
      else if (!e.every((x) => x.length === 2 && x.every(Number.isFinite) && Math.hypot(...x) <= lim)) {
        notices.push(`eigs: expected ${s.H} pairs re:im with |λ| ≤ ${lim}`);
      } else if (!conjugatesPaired(e)) {
        notices.push('eigs: a real matrix has complex eigenvalues in conjugate pairs (re:im with re:−im); ignored');
      } else s.eigs = e;
      return;
    }
    default:
      throw new Error(`unknown key type ${d.type}`);
  }
}

/**
 * Decodes `cells=lstm&T=50…` into a full state (defaults for the keys not given) and the list of
 * notices for the keys it could not use as given. Keys are read in table order, so ranges that
 * depend on H and T see the decoded values.
 */
export function decode(table, text) {
  const p = new URLSearchParams(String(text || '').replace(/^#/, ''));
  const s = defaults(table);
  const notices = [];
  const known = new Set(table.map((d) => d.key));
  for (const k of p.keys()) if (!known.has(k)) notices.push(`${k}: unknown setting (ignored)`);
  for (const d of table) {
    if (p.has(d.key)) decodeKey(d, p.get(d.key), s, notices);
    // Defaults that depend on other keys (t = T − 1; scale = none when eigenvalues are given).
    else if (!d.alias && d.type !== 'flags' && ['t', 'scale'].includes(d.key)) s[d.key] = d.def(s);
  }
  // Keys that set the same thing another way (`rho`, `sigma`: the scale and its value): the last
  // one given in table order wins, and the link is told.
  const given = table.filter((d) => d.alias && p.has(d.key));
  if (given.length > 1) {
    const used = given.at(-1);
    notices.push(`${given.map((d) => d.key).join(' and ')}: one scale at a time; using ${used.key}=${p.get(used.key)}`);
  }
  if (p.has('eigs') && s.eigs && !p.has('scale') && !p.has('rho') && !p.has('sigma')) s.scale = 'none';
  return { state: s, notices };
}

function encodeValue(d, s) {
  const v = s[d.key];
  switch (d.type) {
    case 'num':
      return d.precision ? +v.toPrecision(d.precision) : +v.toFixed(d.digits);
    case 'list':
      return v.join(',');
    case 'flags':
      return Object.entries(d.flags).filter(([, f]) => s[f]).map(([k]) => k).join(',');
    case 'eigs':
      return v.map(([re, im]) => `${+re.toFixed(4)}:${+im.toFixed(4)}`).join(';');
    default:
      return v;
  }
}

/** Encodes a state as text that `decode` restores. */
export function encode(table, s) {
  const p = new URLSearchParams();
  for (const d of table) if (d.write && d.write(s)) p.set(d.key, encodeValue(d, s));
  return p.toString();
}

/** The core's scene config for a state. */
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
