// Trained models handed from the training view to the lab. They are kept in this browser's
// localStorage under `unrolled-trained:<id>` (the lab's link names only the id: `#trained=<id>`),
// the newest KEEP hand-offs only. Each is `{specs, source, created}`: `specs` are the entrants'
// `unrolled train` specs with `model.params` (JSON text each), `source` says in words where they
// come from.
const PREFIX = 'unrolled-trained:';
const KEEP = 5;

function ids() {
  const out = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const k = localStorage.key(i);
    if (k?.startsWith(PREFIX)) out.push(k.slice(PREFIX.length));
  }
  return out.sort(); // ids start with the time they were made
}

/** Stores a hand-off; returns its id. Throws an Error that says why when storage refuses it. */
export function storeTrained({ specs, source }) {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const text = JSON.stringify({ specs, source, created: new Date().toISOString() });
  const old = ids();
  old.slice(0, Math.max(0, old.length - KEEP + 1)).forEach((k) => localStorage.removeItem(PREFIX + k));
  try {
    localStorage.setItem(PREFIX + id, text);
  } catch (e) {
    throw new Error(`This browser would not keep the trained models (${e.name}: ${e.message}); download the parameters instead.`);
  }
  return id;
}

/** The hand-off `id`, or null when this browser does not have it. */
export function loadTrained(id) {
  let text = null;
  try { text = localStorage.getItem(PREFIX + id); } catch { return null; }
  if (!text) return null;
  try {
    const t = JSON.parse(text);
    if (!Array.isArray(t.specs) || !t.specs.every((s) => typeof s === 'string')) return null;
    const models = t.specs.map((s) => JSON.parse(s).model);
    return { id, specs: t.specs, source: String(t.source || ''), cells: models.map((m) => m.cell), H: models[0]?.hidden_size };
  } catch {
    return null;
  }
}
