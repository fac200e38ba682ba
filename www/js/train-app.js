// The training page: one TrainSession composed of the training widgets, its settings in the URL
// hash (a link restores them; `hide=` strips panels for a lesson), Copy link. The widgets and the
// session are the modules `<unrolled-train>` uses, loaded from pkg/.
import { TrainSession } from '../pkg/js/train-session.js';
import { TRAIN_PANEL_NAMES, composeTrain } from '../pkg/js/widgets/train/index.js';

const $ = (id) => document.getElementById(id);

function showBanner(msg) {
  const b = $('banner');
  b.textContent = msg;
  b.hidden = !msg;
}

function showNotices(notices) {
  const n = $('notices');
  n.replaceChildren(...notices.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
  n.parentElement.hidden = notices.length === 0;
}

async function main() {
  let session;
  try {
    session = await TrainSession.create(location.hash, { panels: TRAIN_PANEL_NAMES });
  } catch (e) {
    showBanner(`Could not start the engine (WebAssembly): ${e.message}`);
    return;
  }
  const flush = () => {
    const h = `#${session.encode()}`;
    if (location.hash !== h) history.replaceState(null, '', h);
  };
  session.addEventListener('state', flush);
  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) !== session.encode()) showNotices(session.load(location.hash));
  });
  session.addEventListener('error', (e) => { if (e.detail.fatal) showBanner(`${e.detail.message} Press Play to start again.`); });
  session.addEventListener('started', () => showBanner(''));
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); $('train').focus(); });
  const view = composeTrain($('train'), session, { hide: () => session.state.hide, keys: document });
  $('share').addEventListener('click', async () => {
    flush();
    try {
      await navigator.clipboard.writeText(location.href);
      $('share').textContent = 'Link copied';
      setTimeout(() => { $('share').textContent = 'Copy link'; }, 1800);
    } catch {
      $('share-link').value = location.href;
      $('share-link').parentElement.hidden = false;
      $('share-link').select();
    }
  });
  showNotices(session.notices);
  flush();
  window.__unrolledTrain = { session, view };
  document.body.dataset.wasmBuild = session.core.wasmBuild; // which core build runs (wasm-build.js)
  document.body.dataset.ready = 'true';
}
main();
