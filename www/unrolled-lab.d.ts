// Types of the <unrolled-lab> element (see README.md). The wasm core's own types are in
// unrolled.d.ts (import "unrolled-lab/core").

/** `detail` of the element's `change` event. */
export interface UnrolledLabChange {
  /** The config text that restores this state (the `config` attribute's syntax). */
  config: string;
  /** The scene's state as an object (keys as in the config; see README.md). */
  state: Record<string, unknown>;
}

export declare class UnrolledLab extends HTMLElement {
  static observedAttributes: string[];
  /** The current state as config text. */
  readonly config: string;
  /** Resolves when everything for the current state is drawn (the worker's curves included). */
  settled(): Promise<void>;
  addEventListener(type: 'change', listener: (e: CustomEvent<UnrolledLabChange>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'unrolled-lab': UnrolledLab;
  }
}
