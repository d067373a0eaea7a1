import { html } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { failureText, t, type Lang } from '../../i18n/translate.js';

/** Something went wrong: the coded error in plain words, and what a nurse can do about it. */
export class FailureScreen extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { code: {}, advice: {}, lang: {}, pending: { type: Boolean } };
  declare code: string;
  declare advice: 'retry' | 'call-it-support';
  declare lang: Lang;
  declare pending: boolean;

  constructor() {
    super();
    this.code = 'E_CALL_DROPPED';
    this.advice = 'retry';
    this.lang = 'da';
    this.pending = false;
  }

  override render() {
    const text = failureText(this.lang, this.code, this.advice);
    return html`
      <section class="screen" role="alert" aria-labelledby="title">
        <h1 id="title">${t(this.lang, 'failed.title')}</h1>
        <p class="what" data-test="what">${text.what}</p>
        <p class="advice" data-test="advice">${text.advice}</p>
        <p class="muted" data-test="code">${t(this.lang, 'failed.code', { code: this.code })}</p>
        <div class="actions">
          <!-- Retrying is always allowed; it is the main action only when it is likely to help. -->
          <button class="${this.advice === 'retry' ? 'primary' : 'secondary'} big" data-test="retry" ?disabled=${this.pending}
            @click=${() => this.emit('ui-action', { action: 'join' })}>${t(this.lang, 'failed.retry')}</button>
        </div>
      </section>`;
  }
}

customElements.define('failure-screen', FailureScreen);
