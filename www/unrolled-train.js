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
// S, R, F) work while focus is inside it. Set `autoplay` to start training the first time it is on
// screen.
//
// For lessons and tests: `settled()` resolves once every panel shows the run as it is, and
// `trainTo(n)` brings every entrant to exactly iteration n of its seeded run (a multiple of 25).
import { TrainSession } from './js/train-session.js';
import { TRAIN_PANEL_NAMES, composeTrain } from './js/widgets/train/index.js';
import { WidgetElement } from './js/element.js';

export class UnrolledTrain extends WidgetElement {
  static panelNames = TRAIN_PANEL_NAMES;

  static createSession(text, options) { return TrainSession.create(text, options); }

  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = -1;
    super.connectedCallback();
  }

  /** Resolves when every panel shows the run as it is now. */
  async settled() {
    await this.starting;
    await this.session?.settled();
  }

  /** Brings every entrant to exactly iteration `n` of its seeded run (see TrainSession.trainTo). */
  async trainTo(n) {
    await this.starting;
    if (!this.session) throw new Error(this.error || 'unrolled-train: the engine did not start');
    await this.session.trainTo(n);
  }

  mount(session) {
    return composeTrain(this.shadowRoot, session, {
      show: () => this.panelList,
      hide: () => session.state.hide,
      keys: this,
    });
  }

  /** With `autoplay`, training starts the first time the element is on screen (a race far down
   *  a lesson does not take the learner's cores before they get there). */
  started(session) {
    if (!this.hasAttribute('autoplay')) return;
    const seen = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      seen.disconnect();
      if (this.session === session && !session.dead && !session.running && !session.started) session.play();
    });
    seen.observe(this);
    this.autoplay = seen;
  }

  disconnectedCallback() {
    this.autoplay?.disconnect();
    this.autoplay = null;
    super.disconnectedCallback();
  }
}

if (!customElements.get('unrolled-train')) customElements.define('unrolled-train', UnrolledTrain);
