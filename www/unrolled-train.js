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
import { WidgetElement } from './js/element.js';

export class UnrolledTrain extends WidgetElement {
  static panelNames = TRAIN_PANEL_NAMES;

  static createSession(text, options) { return TrainSession.create(text, options); }

  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = -1;
    super.connectedCallback();
  }

  mount(session) {
    return composeTrain(this.shadowRoot, session, {
      show: () => this.panelList,
      hide: () => session.state.hide,
      keys: this,
    });
  }

  started(session) {
    if (this.hasAttribute('autoplay')) session.play();
  }
}

if (!customElements.get('unrolled-train')) customElements.define('unrolled-train', UnrolledTrain);
