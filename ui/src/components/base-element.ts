import { LitElement } from 'lit';
import type { PanelAction } from '../protocol.js';
import type { Lang } from '../i18n/translate.js';

/** The events panel components send up to the app shell, by name. */
export interface BedsideEvents {
  'ui-action': PanelAction;
  'lang-change': { lang: Lang };
  /** Screens the panel opens itself, not driven by the call state. */
  'panel-nav': { to: 'self-test' | 'home' };
}

declare global {
  interface HTMLElementEventMap {
    'ui-action': CustomEvent<BedsideEvents['ui-action']>;
    'lang-change': CustomEvent<BedsideEvents['lang-change']>;
    'panel-nav': CustomEvent<BedsideEvents['panel-nav']>;
  }
}

/** Every panel component: Lit, plus a typed `emit` that crosses shadow roots. */
export class BedsideElement extends LitElement {
  protected emit<K extends keyof BedsideEvents>(type: K, detail: BedsideEvents[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}
