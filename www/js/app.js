// The lab page: one session composed of every widget, with its state in the URL hash (a link
// restores the view, `hide=` strips panels for a lesson), Copy link and Reset. The widgets and
// the session are the same modules `<unrolled-lab>` uses, loaded from pkg/.
import { Session } from '../pkg/js/session.js';
import { PANEL_NAMES, compose } from '../pkg/js/widgets/index.js';

const $ = (id) => document.getElementById(id);

function showBanner(msg, reload) {
  const b = $('banner');
  b.replaceChildren(document.createTextNode(msg));
  if (reload) {
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.textContent = 'Reload the page';
    btn.addEventListener('click', () => location.reload());
    b.append(btn);
  }
  b.hidden = false;
}

/** Keys of the link it could not use as written, named (the rest of the link still applies). */
function showNotices(notices) {
  const n = $('notices');
  n.replaceChildren(...notices.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
  n.parentElement.hidden = notices.length === 0;
}

/**
 * The URL hash holds the whole state. history.replaceState is slow (about 10 ms here on a busy
 * 2-core machine, a dropped frame while a slider moves) and browsers ignore it beyond ~200 calls
 * per 10 s, so the hash is written once the state has rested for 250 ms (a drag writes it when it
 * stops), and at once before the link is copied, the page is left or a test reads it.
 */
function hashAdapter(session) {
  let timer = null;
  let trained = session.state.trained; // the trained models of the current history entry
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    const h = `#${session.encode()}`;
    if (location.hash === h) return;
    // Opening or leaving trained models is a place to come Back to; other changes refine this one.
    if (session.state.trained !== trained) history.pushState(null, '', h);
    else history.replaceState(null, '', h);
    trained = session.state.trained;
  };
  session.addEventListener('state', () => {
    clearTimeout(timer);
    timer = setTimeout(flush, 250);
  });
  window.addEventListener('pagehide', flush);
  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) !== session.encode()) showNotices(session.load(location.hash));
    trained = session.state.trained;
  });
  return flush;
}

/** Copy link: to the clipboard, or (where that is refused, e.g. in a cross-origin frame) shown to copy by hand. */
function bindShare(flush) {
  const button = $('share');
  const field = $('share-link');
  button.addEventListener('click', async () => {
    flush();
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = 'Link copied';
      setTimeout(() => { button.textContent = 'Copy link'; }, 1800);
    } catch {
      field.value = location.href;
      field.parentElement.hidden = false;
      field.focus();
      field.select();
    }
  });
}

async function main() {
  let session;
  const opened = location.hash; // Reset returns here, to the scene the link opened
  try {
    session = await Session.create(opened, { panels: PANEL_NAMES });
  } catch (e) {
    showBanner(`Could not start the engine (WebAssembly): ${e.message}`, true);
    return;
  }
  session.addEventListener('error', (e) => showBanner(
    e.detail.fatal ? `${e.detail.message} Your settings are in the link; reload to continue.` : e.detail.message,
    e.detail.fatal,
  ));
  session.addEventListener('change', (e) => session.afterDraw(() => {
    if (!session.dead) $('banner').hidden = true;
    if (e.detail.kind === 'scene') document.body.dataset.analysis = 'pending';
  }));
  session.addEventListener('analysis', () => session.afterDraw(() => { document.body.dataset.analysis = 'ready'; }));
  // The skip link moves focus to the lab without touching the hash (which holds the state).
  document.querySelector('.skip').addEventListener('click', (e) => {
    e.preventDefault();
    $('lab').focus();
  });
  const lab = compose($('lab'), session, { hide: () => session.state.hide, keys: document });
  const flush = hashAdapter(session);
  bindShare(flush);
  $('reset').addEventListener('click', (e) => {
    history.pushState(null, '', opened || location.pathname);
    showNotices(session.load(opened, e.timeStamp));
  });
  session.update(); // its notices include what the first computation could not use (`trained`)
  showNotices(session.notices);
  window.__unrolled = {
    session,
    get lab() { return session.lab; },
    get state() { return session.state; },
    get data() { return session.data; },
    get spectrumRect() { return lab.mounted.get('eigen').rect; },
    settled: () => session.settled().then(flush),
    panic: () => session.guard(() => session.core.wasm.panic_for_test()), // test hook
  };
  document.body.dataset.wasmBuild = session.core.wasmBuild; // which core build runs (wasm-build.js)
  document.body.dataset.ready = 'true';
}
main();
