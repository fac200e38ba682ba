// <unrolled-train>: the training view (the race), or any of its panels, inside someone else's
// page — the sibling of <unrolled-lab>.
//
//   <script type="module" src="…/unrolled-train.js"></script>
//   <unrolled-train config="task=adding&T=50&cells=rnn_tanh,lstm,gru" panels="train-transport train-race train-loss"></unrolled-train>
//
// `config` takes the training page's URL-hash syntax and keys; `panels` names the widgets to
// show (all when absent; docs/embedding.md lists them). Each element has its own session and
// worker on the one wasm module, lives in a shadow root, and fires `change` with
// `detail: { state, config }` when the learner changes a setting. The transport's keys (Space,
// S, R, F) work while focus is inside it. Set `autoplay` to start training when it appears.
import { TrainSession } from './js/train-session.js';
import { TRAIN_PANEL_NAMES, composeTrain } from './js/widgets/train/index.js';

const words = (s) => (s || '').split(/[\s,]+/).filter(Boolean);

export class UnrolledTrain extends HTMLElement {
  static observedAttributes = ['config', 'panels'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.session = null;
    this.view = null;
    this.starting = null;
  }

  connectedCallback() {
    if (this.starting) return;
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = new URL('./unrolled-lab.css', import.meta.url).href;
    this.notice = document.createElement('p');
    this.notice.className = 'element-notice';
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.shadowRoot.append(css, this.notice);
    if (!this.hasAttribute('tabindex')) this.tabIndex = -1;
    this.starting = this.start();
  }

  disconnectedCallback() {
    this.view?.destroy();
    this.session?.destroy();
    this.view = null;
    this.session = null;
    this.starting = null;
    this.shadowRoot.replaceChildren();
  }

  attributeChangedCallback(name, old, value) {
    if (old === value || !this.session) return;
    if (name === 'config') this.notices = this.session.load(value || '');
    else this.view.applyVisibility();
    this.say();
  }

  get config() { return this.session?.encode() ?? this.getAttribute('config') ?? ''; }

  async start() {
    let session;
    try {
      session = await TrainSession.create(this.getAttribute('config') || '', { panels: TRAIN_PANEL_NAMES });
    } catch (e) {
      this.error = `Could not start the engine (WebAssembly): ${e.message}`;
      this.say();
      return;
    }
    if (!this.isConnected) { session.destroy(); return; }
    this.session = session;
    this.notices = session.notices;
    this.view = composeTrain(this.shadowRoot, session, {
      show: () => words(this.getAttribute('panels')),
      hide: () => session.state.hide,
      keys: this,
    });
    session.addEventListener('state', () => {
      this.dispatchEvent(new CustomEvent('change', { detail: { state: structuredClone(session.state), config: session.encode() } }));
    });
    this.say();
    if (this.hasAttribute('autoplay')) session.play();
    this.dataset.ready = 'true';
  }

  say() {
    const unknown = words(this.getAttribute('panels')).filter((n) => !TRAIN_PANEL_NAMES.includes(n));
    const panels = unknown.length ? [`panels: unknown ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${TRAIN_PANEL_NAMES.join(', ')})`] : [];
    const messages = [this.error, ...(this.notices || []), ...panels].filter(Boolean);
    this.notice.textContent = messages.join(' · ');
    this.notice.hidden = messages.length === 0;
  }
}

if (!customElements.get('unrolled-train')) customElements.define('unrolled-train', UnrolledTrain);
