// Types of the package's three elements, <unrolled-lab>, <unrolled-train> and <unrolled-classify>
// (docs/embedding.md: their attributes, config keys and panel names). unrolled-lab.js exports the
// class UnrolledLab; unrolled-train.js and unrolled-classify.js export UnrolledTrain and
// UnrolledClassify, typed here as the interfaces of their elements (what
// `document.querySelector('unrolled-classify')` returns). The wasm core's own types are in
// unrolled.d.ts (import "unrolled-lab/core"). e2e/tests/classify.test.mjs checks that every member
// declared here exists on the real elements and that none of their public methods is left out.

/** `detail` of an element's `change` event (all three elements). */
export interface UnrolledLabChange {
  /** The config text that restores this state (the `config` attribute's syntax). */
  config: string;
  /** The state as an object (keys as in the config; see docs/embedding.md). */
  state: Record<string, unknown>;
}

/** What the three elements share (js/element.js). Attributes: `config` (the page's URL-hash
 *  syntax and keys) and `panels` (space- or comma-separated panel and control names; all when
 *  absent), both read again when they change, and `label` (a name added to the labels of the
 *  element's landmarks, "Controls: gradient flow", so several elements on one page can be told
 *  apart). A `change` event fires when the learner changes a setting. */
export interface UnrolledWidgetElement extends HTMLElement {
  /** The current state as config text (the `config` attribute's syntax). */
  readonly config: string;
  /** The names the `panels` attribute lists. */
  readonly panelList: string[];
  /** What the current `config` could not use, one message each (also shown inside the element). */
  notices: string[] | undefined;
  /** Sets `config` to `text` and applies it even when the attribute already says so (the learner
   *  may have changed the state since). */
  applyConfig(text: string): void;
  addEventListener(type: 'change', listener: (e: CustomEvent<UnrolledLabChange>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** The composed widgets of an element: `mounted` maps a panel's name to its widget. */
export interface UnrolledView {
  mounted: Map<string, unknown>;
  applyVisibility(): void;
  destroy(): void;
}

/** <unrolled-lab>: the lab, or some of its panels and controls. Attribute `accept-trained` (no
 *  value): take `trained=<id>` from the page's own address, as the training view's hand-over
 *  writes it. */
export declare class UnrolledLab extends HTMLElement {
  static observedAttributes: string[];
  /** The names `panels` (and `hide=` in `config`) accept. */
  static panelNames: string[];
  /** The composed lab (`compose`'s result). */
  readonly lab: UnrolledView | null;
  /** Resolves when everything for the current state is drawn (the worker's curves included). */
  settled(): Promise<void>;
}
export interface UnrolledLab extends UnrolledWidgetElement {}

/** <unrolled-train>: the training race, or some of its panels. Attributes: `autoplay` (no value:
 *  start training the first time the element is on screen) and `lab-href` (the page that
 *  "Open the trained models in the lab" opens; default `index.html`). */
export interface UnrolledTrain extends UnrolledWidgetElement {
  /** Resolves once every panel shows the run as it is now (every record that arrived drawn). */
  settled(): Promise<void>;
  /** Brings every entrant to exactly iteration `n` of its seeded run, paused there: `n` a
   *  multiple of 25 (the evaluation period); starts again from 0 when the run was played or is
   *  past `n`; with `until=solved` an entrant that meets the criterion first stops there; rejects
   *  with a message when `n` is not such a multiple or an entrant's budget runs out before it. */
  trainTo(n: number): Promise<void>;
}

/** <unrolled-classify>: the text classifier (the course's LSTMClassifier), or some of its panels.
 *  A new `config` that changes only `text`, `speed` or `hide` keeps the model as trained so far;
 *  any other change starts a new, untrained model. */
export interface UnrolledClassify extends UnrolledWidgetElement {
  /** The composed classifier view (`composeClassify`'s result); the sentence and packing
   *  widgets' `shown` is what they draw. */
  readonly classifier: UnrolledView | null;
  /** Resolves once every panel shows the model as it is now. */
  settled(): Promise<void>;
  /** Brings the model to exactly iteration `n` of its seeded run, paused there: `n` a multiple
   *  of 25 (the evaluation period); resets first when the model is past `n`; rejects with a
   *  message when `n` is not such a multiple or the budget runs out before it. */
  trainTo(n: number): Promise<void>;
}

declare global {
  interface HTMLElementTagNameMap {
    'unrolled-lab': UnrolledLab;
    'unrolled-train': UnrolledTrain;
    'unrolled-classify': UnrolledClassify;
  }
}
