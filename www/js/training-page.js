// The shell of a page made of one training session (the training view, the classifier view):
// the engine's start-up banner, the settings in the URL hash (a link restores them; `hide=`
// strips panels), the notices for what a link could not use, and Copy link.
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

/**
 * Starts a page made of one training session: `create(hash)` makes the session, `compose(root,
 * session, opts)` mounts its widgets in `#rootId`; the page's hash is the session's state, and
 * `window[expose]` holds `{session, view}` for tests.
 */
export async function startTrainingPage({ create, compose, rootId, expose }) {
  let session;
  try {
    session = await create(location.hash);
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
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); $(rootId).focus(); });
  const view = compose($(rootId), session, { hide: () => session.state.hide, keys: document });
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
  window[expose] = { session, view };
  document.body.dataset.wasmBuild = session.core.wasmBuild; // which core build runs (wasm-build.js)
  document.body.dataset.ready = 'true';
}
