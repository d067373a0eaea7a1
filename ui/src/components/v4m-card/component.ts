import { html } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { t, type Lang } from '../../i18n/translate.js';

/** The V4M conversation prompts, for the meeting leader: shown on request, never stored. */
export class V4mCard extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { lang: {} };
  declare lang: Lang;

  constructor() {
    super();
    this.lang = 'da';
  }

  override render() {
    return html`
      <aside class="card" aria-labelledby="v4m-title" data-test="v4m-card">
        <h2 id="v4m-title">${t(this.lang, 'v4m.title')}</h2>
        <ol>
          <li>${t(this.lang, 'v4m.q1')}</li>
          <li>${t(this.lang, 'v4m.q2')}</li>
          <li>${t(this.lang, 'v4m.q3')}</li>
        </ol>
      </aside>`;
  }
}

customElements.define('v4m-card', V4mCard);
