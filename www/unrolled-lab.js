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
// space step through time while focus is inside it. With the `accept-trained` attribute it shows
// the trained models a training view hands to this page (`#trained=<id>` in the page's address,
// what `<unrolled-train lab-href="this-page.html">` opens).
import { Session } from './js/session.js';
import { PANEL_NAMES, compose } from './js/widgets/index.js';
import { WidgetElement } from './js/element.js';

export class UnrolledLab extends WidgetElement {
  static panelNames = PANEL_NAMES;

  static createSession(text, options) { return Session.create(text, options); }

  /** `config`, and with `accept-trained` the trained models the page's address names. */
  configText() {
    const own = super.configText();
    const id = this.hasAttribute('accept-trained') && new URLSearchParams(window.location.hash.slice(1)).get('trained');
    return id ? `${own}${own ? '&' : ''}trained=${encodeURIComponent(id)}` : own;
  }

  /** The composed widgets (`compose`'s result). */
  get lab() { return this.view; }

  /** Resolves when the element has drawn everything for its current state. */
  async settled() {
    await this.starting;
    await this.session?.settled();
  }

  mount(session) {
    session.addEventListener('error', (e) => { this.error = e.detail.message; this.say(); });
    session.addEventListener('change', () => session.afterDraw(() => {
      if (!session.dead && this.error) { this.error = ''; this.say(); }
    }));
    return compose(this.shadowRoot, session, {
      show: () => this.panelList,
      hide: () => session.state.hide,
      keys: this,
    });
  }

  started(session) { session.update(); }
}

if (!customElements.get('unrolled-lab')) customElements.define('unrolled-lab', UnrolledLab);
