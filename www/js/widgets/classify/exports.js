// Downloads of the classifier: the trained model as a `.safetensors` state_dict (F32, the
// course's dtype, or F64, exact; names as the course's module: `embedding.weight`, `lstm.…`,
// `fc.…`; its metadata names the classes in logit order) with its vocabulary as `vocab.json`
// (docs/safetensors.md says how PyTorch loads both and maps logits to labels),
// the log as JSON lines and CSV, and the training spec that reproduces the run with
// `unrolled train`.
import { PYTHON, download } from '../common.js';

export const name = 'cls-exports';
export const region = 'content';
export const controls = [];
export const title = 'Downloads';

export const template = () => `
<section class="panel wide" id="panel-cls-exports" data-widget="cls-exports">
  <h2>Downloads</h2>
  <div class="buttons">
    <button type="button" id="cls-st-f32">Model (.safetensors, F32)</button>
    <button type="button" id="cls-st-f64">Model (.safetensors, F64)</button>
    <button type="button" id="cls-vocab">Vocabulary (vocab.json)</button>
  </div>
  <p class="hint">The model as it is now, as the course's <code>LSTMClassifier</code>'s state_dict, loaded with</p>
  <pre class="code-hint"><code>model.load_state_dict(
    load_file("model.safetensors"))</code></pre>
  <p class="hint">with <code>len(json.load(open("vocab.json")))</code> as its vocab_size. The file's metadata names the classes in logit order (<code>json.loads(meta["classes"])</code>: logit k is class k). <a id="cls-python" href="${PYTHON}lstm_classifier.py" download>lstm_classifier.py</a> holds the course's class and these lines, and reads sentences as this page does: <code>python3 lstm_classifier.py model.safetensors vocab.json "The film was not good."</code> (needs <code>pip install torch safetensors</code>).</p>
  <div class="buttons">
    <button type="button" id="cls-jsonl">Log (JSON lines)</button>
    <button type="button" id="cls-csv">Log (CSV)</button>
    <button type="button" id="cls-spec">Spec to reproduce (JSON)</button>
  </div>
  <p class="hint">Run the spec natively with <code>unrolled train unrolled-classify-spec.json</code>: the same records as here for the first iterations; over thousands of iterations the two drift apart by rounding (the browser's build may fuse multiply-adds), so a long run gives the same recipe, not the same last digits.</p>
  <p class="error" id="cls-exports-error" role="alert" hidden></p>
</section>`;

export function mount(root, session) {
  const $ = (id) => root.querySelector(`#${id}`);
  const err = (t) => { $('cls-exports-error').textContent = t; $('cls-exports-error').hidden = !t; };
  const model = (dtype) => async () => {
    try {
      const bytes = await session.safetensors(dtype);
      err('');
      download(dtype === 'f32' ? 'model.safetensors' : 'model-f64.safetensors', new Blob([bytes], { type: 'application/octet-stream' }));
    } catch (e) { err(e.message); }
  };
  $('cls-st-f32').addEventListener('click', model('f32'));
  $('cls-st-f64').addEventListener('click', model('f64'));
  $('cls-vocab').addEventListener('click', () => download('vocab.json', new Blob([session.vocabularyJson()], { type: 'application/json' })));
  $('cls-jsonl').addEventListener('click', () => download('unrolled-classify-log.jsonl', new Blob([session.jsonl()], { type: 'application/jsonl' })));
  $('cls-csv').addEventListener('click', () => download('unrolled-classify-log.csv', new Blob([session.csv()], { type: 'text/csv' })));
  $('cls-spec').addEventListener('click', () => download('unrolled-classify-spec.json', new Blob([JSON.stringify(session.specs()[0].spec, null, 1)], { type: 'application/json' })));
  return { redraw() {}, destroy() {} };
}
