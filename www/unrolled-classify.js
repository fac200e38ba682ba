// <unrolled-classify>: the classifier view (the course's LSTM text classifier), or any of its
// panels, inside someone else's page — the sibling of <unrolled-lab> and <unrolled-train>.
//
//   <script type="module" src="…/unrolled-classify.js"></script>
//   <unrolled-classify config="E=16&H=16&budget=30&text=The film was not good." panels="cls-sentence"></unrolled-classify>
//
// `config` takes the classifier page's URL-hash syntax and keys; `panels` names the widgets to
// show (all when absent; docs/embedding.md lists them). Each element has its own session, model
// and worker on the one wasm module, lives in a shadow root, and fires `change` with
// `detail: { state, config }` when the learner changes a setting. A new `config` that changes
// only the sentence (`text`), `speed` or `hide` keeps the model as trained so far; any other
// change starts a new, untrained model, as on the page. The transport's keys (Space, S, R, F)
// work while focus is inside it.
//
// For lessons and tests: `settled()` resolves once every panel shows the model as it is, and
// `trainTo(n)` brings the model to exactly iteration n of its seeded run (a multiple of 25).
import { ClassifySession } from './js/classify-session.js';
import { decode } from './js/classify-state.js';
import { CLASSIFY_PANEL_NAMES, composeClassify } from './js/widgets/classify/index.js';
import { WidgetElement } from './js/element.js';

export class UnrolledClassify extends WidgetElement {
  static panelNames = CLASSIFY_PANEL_NAMES;

  static createSession(text, options) { return ClassifySession.create(text, options); }

  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = -1;
    super.connectedCallback();
  }

  /** A `config` that differs from the state only in keys that keep the run is applied with
   *  `set` (the model stays as trained); any other goes through `load` (a new model). */
  attributeChangedCallback(name, old, value) {
    const s = this.session;
    if (name === 'config' && s && old !== value) {
      const { state, notices } = decode(s.table, value || '');
      const strip = (st) => JSON.stringify(Object.fromEntries(Object.entries(st).filter(([k]) => !s.keepRun.includes(k))));
      if (strip(state) === strip(s.state)) {
        s.set(Object.fromEntries(s.keepRun.map((k) => [k, state[k]])));
        this.notices = notices;
        this.say();
        return;
      }
    }
    super.attributeChangedCallback(name, old, value);
  }

  /** The composed widgets (`composeClassify`'s result: `mounted` maps a panel to its widget). */
  get classifier() { return this.view; }

  /** Resolves when every panel shows the model as it is now. */
  async settled() {
    await this.starting;
    await this.session?.settled();
  }

  /** Brings the model to exactly iteration `n` of its seeded run (see ClassifySession.trainTo). */
  async trainTo(n) {
    await this.starting;
    if (!this.session) throw new Error(this.error || 'unrolled-classify: the engine did not start');
    await this.session.trainTo(n);
  }

  mount(session) {
    return composeClassify(this.shadowRoot, session, {
      show: () => this.panelList,
      hide: () => session.state.hide,
      keys: this,
    });
  }
}

if (!customElements.get('unrolled-classify')) customElements.define('unrolled-classify', UnrolledClassify);
