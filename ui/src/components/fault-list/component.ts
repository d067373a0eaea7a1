import { html, nothing } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { faultText, t, type Lang } from '../../i18n/translate.js';

/** Hardware faults the unit reports (loop, button, bedside pod), in plain words, until they clear. */
export class FaultList extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { faults: { attribute: false }, lang: {} };
  declare faults: ReadonlyArray<{ code: string; source: string }>;
  declare lang: Lang;

  constructor() {
    super();
    this.faults = [];
    this.lang = 'da';
  }

  override render() {
    if (this.faults.length === 0) return nothing;
    // One line per distinct code: a fault raised by two parts reads the same to a nurse.
    const codes = [...new Set(this.faults.map((f) => f.code))];
    return html`
      <div class="faults" role="status" aria-label=${t(this.lang, 'faults.title')} data-test="faults">
        ${codes.map((code) => html`<p data-code=${code}>${faultText(this.lang, code)}</p>`)}
      </div>`;
  }
}

customElements.define('fault-list', FaultList);
