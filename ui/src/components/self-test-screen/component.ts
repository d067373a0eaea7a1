import { html, nothing } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { faultText, t, type Lang, type StringKey } from '../../i18n/translate.js';
import type { SelfTestCheck, SelfTestReport } from '../../protocol.js';

const ITEMS = ['camera', 'microphone', 'speaker', 'loop', 'network', 'registration'] as const;

/** Self-test: each part pass / fault / cannot be tested, and for a fault what to do. */
export class SelfTestScreen extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { report: { attribute: false }, lang: {}, pending: { type: Boolean }, supportAvailable: { type: Boolean } };
  declare report: SelfTestReport | undefined;
  declare lang: Lang;
  declare pending: boolean;
  declare supportAvailable: boolean;

  constructor() {
    super();
    this.report = undefined;
    this.lang = 'da';
    this.pending = false;
    this.supportAvailable = false;
  }

  private row(item: (typeof ITEMS)[number], check: SelfTestCheck | undefined) {
    const outcome = check?.outcome ?? 'pending';
    let what: string | typeof nothing = nothing;
    if (outcome === 'fail') what = `${check?.code ? `${faultText(this.lang, check.code)} ` : ''}${t(this.lang, `fix.${item}` as StringKey)}`;
    else if (outcome === 'not-available') what = t(this.lang, item === 'microphone' || item === 'speaker' ? 'na.echo' : 'na.probe');
    return html`
      <li class="row ${outcome}" data-test="check-${item}" data-outcome=${outcome}>
        <span class="name">${t(this.lang, `check.${item}` as StringKey)}</span>
        <span class="outcome"><span class="mark" aria-hidden="true">${outcome === 'pass' ? '✓' : outcome === 'fail' ? '✗' : '–'}</span> ${t(this.lang, `outcome.${outcome}` as StringKey)}</span>
        ${what === nothing ? nothing : html`<span class="fix">${what}</span>`}
      </li>`;
  }

  override render() {
    const r = this.report;
    const running = r?.state === 'running';
    const ran = r && r.state !== 'never-run';
    const summary = !ran ? t(this.lang, 'selfTest.intro') : running ? t(this.lang, 'selfTest.running') : r.state === 'aborted' ? t(this.lang, 'selfTest.aborted') : t(this.lang, 'selfTest.done');
    return html`
      <section class="screen" aria-labelledby="title">
        <div class="top">
          <h1 id="title">${t(this.lang, 'selfTest.title')}</h1>
          <p role="status" data-test="self-test-summary">${summary}</p>
        </div>
        ${ran ? html`<ul class="checks" tabindex="0" aria-labelledby="title">${ITEMS.map((item) => this.row(item, r.checks.find((c) => c.item === item)))}</ul>` : nothing}
        <div class="actions">
          <button class="secondary" data-test="back" @click=${() => this.emit('panel-nav', { to: 'home' })}>${t(this.lang, 'selfTest.back')}</button>
          ${this.supportAvailable && r?.checks.some((c) => c.outcome === 'fail') ? html`<button class="secondary" data-test="call-it"
            @click=${() => this.emit('ui-action', { action: 'call-support' })}>${t(this.lang, 'failed.callIt')}</button>` : nothing}
          <button class="primary big" data-test="run-self-test" ?disabled=${running || this.pending} aria-busy=${running ? 'true' : 'false'}
            @click=${() => this.emit('ui-action', { action: 'self-test' })}>${t(this.lang, running ? 'selfTest.running' : ran ? 'selfTest.again' : 'selfTest.run')}</button>
        </div>
      </section>`;
  }
}

customElements.define('self-test-screen', SelfTestScreen);
