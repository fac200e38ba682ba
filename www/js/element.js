// What <unrolled-lab> and <unrolled-train> share: a shadow root with the widgets' styles and a
// notice line, one session created when the element is connected (the engine loads once per
// page), the `config` and `panels` attributes read again when they change, and the notices for
// what they could not use. A subclass says which session and which widgets:
//   static panelNames                 the names `panels` accepts
//   static createSession(text, opts)  a session from config text
//   mount(session)                    builds the widgets; returns { applyVisibility(), destroy() }
// Removed (and perhaps added again) while the engine loads, an element keeps only the session of
// its newest connection; a `config` set meanwhile is the one applied. A `label` attribute names
// the element in its landmarks' labels ("Controls: gradient flow"), so that several widgets on one
// page can be told apart in a screen reader's list of landmarks.

const words = (s) => (s || '').split(/[\s,]+/).filter(Boolean);

export class WidgetElement extends HTMLElement {
  static observedAttributes = ['config', 'panels', 'label'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.session = null;
    this.view = null;
    this.starting = null;
    this.generation = 0;
  }

  /** The names `panels` lists (space- or comma-separated). */
  get panelList() { return words(this.getAttribute('panels')); }

  connectedCallback() {
    if (this.starting) return;
    this.generation += 1;
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = new URL('../unrolled-lab.css', import.meta.url).href;
    this.notice = document.createElement('p');
    this.notice.className = 'element-notice';
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    this.shadowRoot.append(css, this.notice);
    this.starting = this.start();
  }

  disconnectedCallback() {
    this.generation += 1;
    this.view?.destroy();
    this.session?.destroy();
    this.view = null;
    this.session = null;
    this.starting = null;
    this.shadowRoot.replaceChildren();
  }

  attributeChangedCallback(name, old, value) {
    if (old === value || !this.session) return;
    if (name === 'label') { this.labelLandmarks(); return; }
    if (name === 'config') this.notices = this.session.load(this.configText());
    else this.view.applyVisibility();
    this.say();
  }

  /** Sets the `config` attribute to `text` and applies it even when the attribute already says
   *  so: the learner may have changed the state since (a lesson's "Show me" must show its own
   *  setting, not theirs). */
  applyConfig(text) {
    if (this.getAttribute('config') !== text) this.setAttribute('config', text);
    else if (this.session) this.attributeChangedCallback('config', null, text);
  }

  /** The text the session starts from: the `config` attribute (a subclass may add to it). */
  configText() { return this.getAttribute('config') || ''; }

  /** The state as config text (the same syntax as the attribute). */
  get config() { return this.session?.encode() ?? this.getAttribute('config') ?? ''; }

  async start() {
    const generation = this.generation;
    const initial = this.configText();
    let session;
    try {
      session = await this.constructor.createSession(initial, { panels: this.constructor.panelNames });
    } catch (e) {
      this.error = `Could not start the engine (WebAssembly): ${e.message}`;
      this.say();
      return;
    }
    if (generation !== this.generation || !this.isConnected) { session.destroy(); return; }
    const config = this.configText();
    if (config !== initial) session.load(config);
    this.session = session;
    this.notices = session.notices;
    this.error = '';
    this.view = this.mount(session);
    this.labelLandmarks();
    let queued = false;
    session.addEventListener('state', () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        this.dispatchEvent(new CustomEvent('change', { detail: { state: structuredClone(session.state), config: session.encode() } }));
      });
    });
    this.started(session);
    this.say();
    this.dataset.ready = 'true';
  }

  /** Adds the `label` attribute to the labels of the element's landmarks (its controls, its
   *  labelled scrolling regions): "Controls" becomes "Controls: gradient flow". */
  labelLandmarks() {
    const own = this.getAttribute('label');
    this.shadowRoot.querySelectorAll('aside[aria-label], [role=region][aria-label]').forEach((e) => {
      e.dataset.ownLabel ??= e.getAttribute('aria-label');
      e.setAttribute('aria-label', own ? `${e.dataset.ownLabel}: ${own}` : e.dataset.ownLabel);
    });
  }

  /** Runs once the widgets are mounted (a subclass draws or starts here). */
  started() {}

  /** Shows, inside the element, the last error and what `config` and `panels` could not use. */
  say() {
    const known = this.constructor.panelNames;
    const unknown = this.panelList.filter((n) => !known.includes(n));
    const panels = unknown.length ? [`panels: unknown ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${known.join(', ')})`] : [];
    const messages = [this.error, ...(this.notices || []), ...panels].filter(Boolean);
    this.notice.textContent = messages.join(' · ');
    this.notice.hidden = messages.length === 0;
  }
}
