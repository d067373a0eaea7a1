import { html, nothing } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { failureText, t, type Lang } from '../../i18n/translate.js';

/**
 * Something went wrong: the coded error in plain words, what a nurse can do about it, and
 * "call IT support". When retrying will not help, calling IT is the main action.
 */
export class FailureScreen extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { code: {}, advice: {}, lang: {}, pending: { type: Boolean }, supportAvailable: { type: Boolean } };
  declare code: string;
  declare advice: 'retry' | 'call-it-support';
  declare lang: Lang;
  declare pending: boolean;
  /** sip.supportUri is configured: the unit can dial IT itself. */
  declare supportAvailable: boolean;

  constructor() {
    super();
    this.code = 'E_CALL_DROPPED';
    this.advice = 'retry';
    this.lang = 'da';
    this.pending = false;
    this.supportAvailable = false;
  }

  override render() {
    const text = failureText(this.lang, this.code, this.advice);
    const itFirst = this.advice === 'call-it-support';
    const retry = html`<button class="${itFirst ? 'secondary' : 'primary big'}" data-test="retry" ?disabled=${this.pending}
      @click=${() => this.emit('ui-action', { action: 'join' })}>${t(this.lang, 'failed.retry')}</button>`;
    const callIt = this.supportAvailable
      ? html`<button class="${itFirst ? 'primary big' : 'secondary'}" data-test="call-it" ?disabled=${this.pending}
          @click=${() => this.emit('ui-action', { action: 'call-support' })}>${t(this.lang, 'failed.callIt')}</button>`
      : nothing;
    return html`
      <section class="screen" role="alert" aria-labelledby="title">
        <h1 id="title">${t(this.lang, 'failed.title')}</h1>
        <div class="body" tabindex="0">
          <p class="what" data-test="what">${text.what}</p>
          <p class="advice" data-test="advice">${text.advice}</p>
          ${itFirst && !this.supportAvailable ? html`<p class="advice" data-test="no-support">${t(this.lang, 'failed.noSupport')}</p>` : nothing}
          <h2>${t(this.lang, 'failed.tryTitle')}</h2>
          <ul data-test="troubleshooting">
            <li>${t(this.lang, 'failed.try1')}</li>
            <li>${t(this.lang, 'failed.try2')}</li>
            <li>${t(this.lang, 'failed.try3')}</li>
          </ul>
          <p class="muted" data-test="code">${t(this.lang, 'failed.code', { code: this.code })}</p>
        </div>
        <div class="actions">${itFirst ? html`${callIt}${retry}` : html`${retry}${callIt}`}</div>
      </section>`;
  }
}

customElements.define('failure-screen', FailureScreen);
