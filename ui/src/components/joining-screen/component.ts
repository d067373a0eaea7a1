import { html, nothing } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { t, type Lang } from '../../i18n/translate.js';

/** Joining (with Cancel) and leaving (no action): the unit is busy with the room. */
export class JoiningScreen extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { mode: {}, roomUri: { attribute: false }, lang: {}, pending: { type: Boolean }, support: { type: Boolean } };
  declare mode: 'joining' | 'leaving';
  declare roomUri: string | null;
  declare lang: Lang;
  declare pending: boolean;
  /** Calling IT support rather than a meeting room. */
  declare support: boolean;

  constructor() {
    super();
    this.mode = 'joining';
    this.roomUri = null;
    this.lang = 'da';
    this.pending = false;
    this.support = false;
  }

  override render() {
    const joining = this.mode === 'joining';
    return html`
      <section class="screen" aria-labelledby="title" aria-busy="true">
        <h1 id="title">${t(this.lang, !joining ? 'leaving.title' : this.support ? 'joining.support' : 'joining.title')}</h1>
        <div class="progress" role="progressbar" aria-labelledby="title"><div class="bar"></div></div>
        ${joining ? html`<p>${t(this.lang, 'joining.body')}</p>` : nothing}
        ${this.roomUri ? html`<p class="room">${this.roomUri.replace(/^sips?:/, '')}</p>` : nothing}
        ${joining ? html`
          <div class="actions">
            <button class="secondary big" data-test="cancel" ?disabled=${this.pending}
              @click=${() => this.emit('ui-action', { action: 'cancel' })}>${t(this.lang, 'joining.cancel')}</button>
          </div>` : nothing}
      </section>`;
  }
}

customElements.define('joining-screen', JoiningScreen);
