// The data the classifier trains on: the shipped sentiment sentences, or the learner's own file
// (paste it, choose it, or drop it on the panel): `text<TAB>label` lines or CSV `text,label`.
// The file is read by the core's importer in this browser (the same code as `unrolled train`'s
// `data.tsv`): a malformed file is refused with the core's message naming the line, and nothing
// leaves the browser. The test fraction and the split seed are the spec's `data.test_fraction`
// and `data.split_seed`. The summary says what was read: examples, classes, the split, the
// vocabulary, and where the file is kept.
import { esc, listen } from '../common.js';
import { num, numberFields } from './setup.js';
import { SHIPPED } from '../../classify-state.js';

export const name = 'cls-data';
export const region = 'controls';
export const controls = ['data', 'test', 'split'];
export const title = 'Data';

const NUM = new Intl.NumberFormat('en');
const n = (x) => NUM.format(x);

export const template = (core) => {
  const L = core.trainLimits;
  return `
<section class="panel" id="panel-cls-data" data-widget="cls-data">
  <h2>Data</h2>
  <div class="field row" data-control="data">
    <label for="cls-data-source">Train on</label>
    <select id="cls-data-source"><option value="${SHIPPED}">the shipped sentiment sentences</option><option value="own">your own data</option></select>
  </div>
  <p class="hint data-summary" id="cls-data-summary" role="status"></p>
  <div class="own-data" id="cls-own" hidden>
    <p class="hint">One example a line: <code>text&lt;TAB&gt;label</code>, or CSV <code>text,label</code> (quote a text that holds commas: <code>"good, not great",pos</code>). Labels: class names (<code>neg</code>, <code>pos</code>) or ids (0, 1, …); a header line is skipped. Read in this browser by the same code as <code>unrolled train</code>: nothing is sent anywhere.</p>
    <div class="field drop-zone" id="cls-drop">
      <label for="cls-paste">Paste your data here, or drop a file on this box</label>
      <textarea id="cls-paste" rows="5" spellcheck="false" autocomplete="off"></textarea>
    </div>
    <div class="buttons">
      <button type="button" id="cls-use-paste">Train on the pasted text</button>
    </div>
    <div class="field">
      <label for="cls-file">Or choose a file (.tsv, .csv, .txt)</label>
      <input type="file" id="cls-file" accept=".tsv,.csv,.txt,text/plain,text/csv,text/tab-separated-values">
    </div>
    ${num('cls-test', 'Held out for testing', 'test', `min="${L.test_fraction.min}" max="${L.test_fraction.max}" step="0.05"`)}
    ${num('cls-split', 'Split seed', 'split', `min="${L.seed.min}" max="${L.seed.max}" step="1"`)}
  </div>
  <p class="error" id="cls-data-error" role="alert" hidden></p>
</section>`;
};

/** The data set in one sentence (exported for tests). */
export function dataSummary(session) {
  const d = session.dataset;
  if (d.source === 'shipped') {
    return `The shipped sentiment sentences (docs/sentiment.md): 3,000 to train on, 1,000 held out (the long-range ones also scored apart), 2 classes, a ${n(d.vocabulary.length)}-token vocabulary.`;
  }
  const s = d.summary;
  const own = session.ownData;
  const classes = s.classes.map((c, k) => `${esc(c)} ${n(s.class_counts[k])}`).join(', ');
  const kept = own.kept
    ? 'Kept in this tab only: a reload keeps it; a copied link does not carry it.'
    : 'Too large for this tab\'s storage: a reload goes back to the shipped sentences.';
  return `Your data (${esc(own.name)}, fingerprint ${own.fp}): ${n(s.examples)} examples in ${s.classes.length} classes (${classes}); ${n(s.train)} to train on, ${n(s.test)} held out; a ${n(s.vocabulary.length)}-token vocabulary from the training part; the longest text ${n(s.longest)} tokens. ${kept}`;
}

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const say = (text) => { $('cls-data-error').textContent = text; $('cls-data-error').hidden = !text; };
  const syncNumbers = numberFields(root, session, say);
  let wantOwn = false; // "your own data" chosen, before any file is given

  const sync = () => {
    const own = session.state.data !== SHIPPED;
    $('cls-data-source').value = own || wantOwn ? 'own' : SHIPPED;
    $('cls-own').hidden = !(own || wantOwn);
    $('cls-data-summary').innerHTML = wantOwn && !own
      ? 'No data of yours yet: the model still trains on the shipped sentiment sentences. Paste, choose or drop a file below.'
      : dataSummary(session);
    if (session.dataError) say(session.dataError);
    syncNumbers();
  };

  const use = (bytes, name, label) => {
    try {
      session.useData(bytes, name);
      say('');
      wantOwn = false;
    } catch (e) {
      say(`${label} was not used: ${e.message}`);
    }
    sync();
  };

  $('cls-data-source').addEventListener('change', (e) => {
    say('');
    if (e.target.value === SHIPPED) { wantOwn = false; session.useShipped(); sync(); return; }
    wantOwn = true;
    if (session.own) session.set({ data: `own.${session.own.fp}` }); // the file given before
    sync();
    $('cls-paste').focus();
  });
  $('cls-use-paste').addEventListener('click', () => {
    const text = $('cls-paste').value;
    if (!text.trim()) { say('Nothing to use: paste text<TAB>label lines (or CSV) into the box first.'); return; }
    use(text, 'pasted text', 'The pasted text');
  });
  const readFile = async (file) => {
    if (!file) return;
    use(new Uint8Array(await file.arrayBuffer()), file.name, `The file “${file.name}”`);
  };
  $('cls-file').addEventListener('change', (e) => { readFile(e.target.files[0]); e.target.value = ''; });
  const drop = $('cls-drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer.files[0];
    if (file) { readFile(file); return; }
    const text = e.dataTransfer.getData('text/plain');
    if (text) { $('cls-paste').value = text; use(text, 'dropped text', 'The dropped text'); }
  });
  sync();
  const off = listen(session, { state: sync, data: sync });
  return { redraw() {}, destroy: off };
}
