// The classifier page: one ClassifySession composed of the classifier widgets, its settings in the URL
// hash (a link restores them, the typed sentence too), Copy link. The widgets and the
// session are loaded from pkg/, as the training page loads its own.
import { ClassifySession } from '../pkg/js/classify-session.js';
import { CLASSIFY_PANEL_NAMES, composeClassify } from '../pkg/js/widgets/classify/index.js';

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
    session = await ClassifySession.create(location.hash, { panels: CLASSIFY_PANEL_NAMES });
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
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); $('classify').focus(); });
  const view = composeClassify($('classify'), session, { hide: () => session.state.hide, keys: document });
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
  window.__unrolledClassify = { session, view };
  document.body.dataset.ready = 'true';
}
main();
