// Trained models handed to the lab: from the training view, or a PyTorch model opened from a
// `.safetensors` file. They are kept in this browser's localStorage under `unrolled-trained:<id>`
// (the lab's link names only the id: `#trained=<id>`), the newest KEEP hand-offs only. Each is
// `{specs, source, created}`: `specs` are the entrants' `unrolled train` specs with
// `model.params` (JSON text each), `source` says in words where they come from; or, for a file,
// `{kind: 'imported', safetensors, name, cell, H, runs, source, created}` with the file's bytes as
// base64 (the core reads them again on every scene: one reader). A file too big for localStorage
// is kept in this page's memory only (`memory`), and says so.
const PREFIX = 'unrolled-trained:';
const KEEP = 5;
const memory = new Map();

/** A new hand-off's id (ids start with the time they were made). */
const newId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

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
  const id = newId();
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

/** The bytes as base64 text. */
export function toBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * Stores a PyTorch model opened from a file (its bytes, and what the core recognised in it:
 * `description` from `import_safetensors`); returns `{id, kept}`, `kept` false when this browser
 * would not keep it (then it lives until the page is closed).
 */
export function storeImported(bytes, name, description) {
  const id = newId();
  const d = description;
  const runs = d.num_layers * (d.bidirectional ? 2 : 1);
  const entry = { kind: 'imported', safetensors: toBase64(bytes), name, cell: d.cell, H: d.hidden_size, runs, source: `Opened from ${name}.`, created: new Date().toISOString() };
  const old = ids();
  old.slice(0, Math.max(0, old.length - KEEP + 1)).forEach((k) => localStorage.removeItem(PREFIX + k));
  try {
    localStorage.setItem(PREFIX + id, JSON.stringify(entry));
    return { id, kept: true };
  } catch {
    memory.set(id, entry);
    return { id, kept: false };
  }
}

/** An imported entry as the session reads it. */
function importedEntry(id, t) {
  if (typeof t.safetensors !== 'string' || !(t.H > 0) || !(t.runs > 0)) return null;
  return { id, kind: 'imported', safetensors: t.safetensors, name: String(t.name || ''), source: String(t.source || ''), cells: [t.cell], H: t.H, runs: t.runs };
}

/** The hand-off `id`, or null when this browser does not have it. */
export function loadTrained(id) {
  if (memory.has(id)) return importedEntry(id, memory.get(id));
  let text = null;
  try { text = localStorage.getItem(PREFIX + id); } catch { return null; }
  if (!text) return null;
  try {
    const t = JSON.parse(text);
    if (t.kind === 'imported') return importedEntry(id, t);
    if (!Array.isArray(t.specs) || !t.specs.every((s) => typeof s === 'string')) return null;
    const models = t.specs.map((s) => JSON.parse(s).model);
    return { id, specs: t.specs, source: String(t.source || ''), cells: models.map((m) => m.cell), H: models[0]?.hidden_size };
  } catch {
    return null;
  }
}
