// <unrolled-lab>: the lab, or any of its panels, inside someone else's page.
//
//   <script type="module" src="…/unrolled-lab.js"></script>
//   <unrolled-lab config="cells=lstm&T=50&sv=1.1" panels="rho flow"></unrolled-lab>
//
// `config` takes the lab page's URL-hash syntax and keys; `panels` names the widgets and controls
// to show (all when absent; see docs/embedding.md). Both are read again when they change. Each
// element has its own session (state, worker) on one wasm module shared by the page, lives in a
// shadow root (its ids and styles do not meet the page's), is sized by its container, and fires
// `change` with `detail: { state, config }` when the learner changes something. Keys ← → and
// space step through time while focus is inside it.
import { Session } from './js/session.js';
import { PANEL_NAMES, compose } from './js/widgets/index.js';

const words = (s) => (s || '').split(/[\s,]+/).filter(Boolean);

export class UnrolledLab extends HTMLElement {
  static observedAttributes = ['config', 'panels'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.session = null;
    this.lab = null;
    this.starting = null;
    this.generation = 0; // which connection a start belongs to (removed and re-added while loading)
  }

  connectedCallback() {
    if (this.starting) return;
    this.generation += 1;
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = new URL('./unrolled-lab.css', import.meta.url).href;
    this.notice = document.createElement('p');
    this.notice.className = 'element-notice';
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.shadowRoot.append(css, this.notice);
    this.starting = this.start();
  }

  disconnectedCallback() {
    this.generation += 1;
    this.lab?.destroy();
    this.session?.destroy();
    this.lab = null;
    this.session = null;
    this.starting = null;
    this.shadowRoot.replaceChildren();
  }

  attributeChangedCallback(name, old, value) {
    if (old === value || !this.session) return;
    if (name === 'config') this.notices = this.session.load(value || '');
    else this.lab.applyVisibility();
    this.say();
  }

  /** The state as config text (the same syntax as the attribute). */
  get config() { return this.session?.encode() ?? this.getAttribute('config') ?? ''; }

  /** Resolves when the element has drawn everything for its current state. */
  async settled() {
    await this.starting;
    await this.session?.settled();
  }

  async start() {
    const generation = this.generation;
    const initial = this.getAttribute('config') || '';
    let session;
    try {
      session = await Session.create(initial, { panels: PANEL_NAMES });
    } catch (e) {
      this.error = `Could not start the engine (WebAssembly): ${e.message}`;
      this.say();
      return;
    }
    // Removed (and perhaps added again, which started anew) while the engine loaded.
    if (generation !== this.generation || !this.isConnected) { session.destroy(); return; }
    // `config` may have changed while the engine loaded: the newest value wins.
    const config = this.getAttribute('config') || '';
    if (config !== initial) session.load(config);
    this.session = session;
    this.notices = session.notices;
    this.error = '';
    session.addEventListener('error', (e) => { this.error = e.detail.message; this.say(); });
    session.addEventListener('change', () => session.afterDraw(() => {
      if (!session.dead && this.error) { this.error = ''; this.say(); }
    }));
    this.lab = compose(this.shadowRoot, session, {
      show: () => words(this.getAttribute('panels')),
      hide: () => session.state.hide,
      keys: this,
    });
    let queued = false;
    session.addEventListener('state', () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        this.dispatchEvent(new CustomEvent('change', { detail: { state: structuredClone(session.state), config: session.encode() } }));
      });
    });
    session.update();
    this.say();
    this.dataset.ready = 'true';
  }

  /** Shows, inside the element, the last error and what `config` and `panels` could not use. */
  say() {
    const unknown = words(this.getAttribute('panels')).filter((n) => !PANEL_NAMES.includes(n));
    const panels = unknown.length ? [`panels: unknown ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${PANEL_NAMES.join(', ')})`] : [];
    const messages = [this.error, ...(this.notices || []), ...panels].filter(Boolean);
    this.notice.textContent = messages.join(' · ');
    this.notice.hidden = messages.length === 0;
  }
}

if (!customElements.get('unrolled-lab')) customElements.define('unrolled-lab', UnrolledLab);
