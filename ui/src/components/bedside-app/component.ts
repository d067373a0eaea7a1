import { html, nothing } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { isLang, refusalText, t, type Lang } from '../../i18n/translate.js';
import type { PanelAction } from '../../protocol.js';
import { initialViewState, screenFor, type Screen, type ViewState } from '../../store/view-state.js';
import '../ready-screen/component.js';
import '../joining-screen/component.js';
import '../in-call-screen/component.js';
import '../failure-screen/component.js';
import '../self-test-screen/component.js';
import '../fault-list/component.js';

const LANG_KEY = 'bedside.lang';

// A kiosk profile may have storage disabled (it throws then): the panel works without it.
function readSetting(key: string): string | null {
  try { return localStorage.getItem(key); } catch { return null; }
}
function writeSetting(key: string, value: string): void {
  try { localStorage.setItem(key, value); } catch { /* not remembered; still switched */ }
}

/** The shell: who the unit is, the language switch, the connection banner, and the screen the state calls for. */
export class BedsideApp extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { view: { attribute: false }, lang: { reflect: true }, selfTestOpen: { state: true } };
  declare view: ViewState;
  declare lang: Lang;
  /** The self-test screen was opened from Ready (it is not a call state). */
  declare selfTestOpen: boolean;
  /** Set by main.ts; components only emit. */
  onAction: (action: PanelAction) => void = () => {};

  constructor() {
    super();
    this.view = initialViewState;
    const saved = readSetting(LANG_KEY);
    this.lang = isLang(saved) ? saved : 'da';
    this.selfTestOpen = false;
    this.addEventListener('ui-action', (e) => this.onAction(e.detail));
    this.addEventListener('panel-nav', (e) => { this.selfTestOpen = e.detail.to === 'self-test'; });
    this.addEventListener('lang-change', (e) => {
      this.lang = e.detail.lang;
      writeSetting(LANG_KEY, e.detail.lang);
    });
  }

  protected override willUpdate(): void {
    // A call (from the button or another panel) closes the self-test; back at Ready it stays closed.
    const screen = screenFor(this.view);
    if (this.selfTestOpen && screen !== 'ready' && screen !== 'failed' && screen !== 'connecting') this.selfTestOpen = false;
  }

  protected override updated(): void {
    document.documentElement.lang = this.lang;
    document.title = t(this.lang, 'app.title');
  }

  private header() {
    const unit = this.view.status?.unit;
    const where = unit ? [
      unit.ward && t(this.lang, 'location.ward', { ward: unit.ward }),
      unit.room && t(this.lang, 'location.room', { room: unit.room }),
      unit.bed && t(this.lang, 'location.bed', { bed: unit.bed }),
    ].filter(Boolean).join(' · ') : '';
    const other: Lang = this.lang === 'da' ? 'en' : 'da';
    return html`
      <header>
        <div class="who">
          <p class="name" data-test="unit-name">${unit?.name ?? t(this.lang, 'app.title')}</p>
          ${where ? html`<p class="where" data-test="unit-where">${where}</p>` : nothing}
        </div>
        ${this.currentScreen() === 'ready' ? html`<button class="secondary lang" data-test="open-self-test"
          @click=${() => this.emit('panel-nav', { to: 'self-test' })}>${t(this.lang, 'selfTest.open')}</button>` : nothing}
        <button class="secondary lang" data-test="lang" lang=${other} aria-label=${t(this.lang, 'lang.switchLabel')}
          @click=${() => this.emit('lang-change', { lang: other })}>${t(this.lang, 'lang.switch')}</button>
      </header>`;
  }

  /** The call state decides, except that Ready may give way to the self-test the nurse opened. */
  private currentScreen(): Screen | 'self-test' {
    const screen = screenFor(this.view);
    return this.selfTestOpen && (screen === 'ready' || screen === 'failed') ? 'self-test' : screen;
  }

  private screen() {
    const v = this.view;
    const s = v.status;
    const pending = v.pending !== null;
    const support = s?.support?.available ?? false;
    switch (this.currentScreen()) {
      case 'self-test': return html`<self-test-screen .report=${s?.selfTest} lang=${this.lang} ?pending=${pending} ?supportAvailable=${support}></self-test-screen>`;
      case 'connecting': return html`<p data-test="connecting">${t(this.lang, 'conn.connecting')}</p>`;
      case 'ready': return html`<ready-screen .status=${s} lang=${this.lang} ?pending=${pending}></ready-screen>`;
      case 'joining': return html`<joining-screen mode="joining" .roomUri=${s?.call.roomUri ?? null} lang=${this.lang} ?pending=${pending} ?support=${s?.participants?.support ?? false}></joining-screen>`;
      case 'leaving': return html`<joining-screen mode="leaving" .roomUri=${s?.call.roomUri ?? null} lang=${this.lang}></joining-screen>`;
      case 'in-call': return html`<in-call-screen .since=${s?.call.since ?? 0} .skewMs=${v.skewMs} lang=${this.lang} ?pending=${pending}
        .pendingAction=${v.pending?.request ?? null} .controls=${s?.controls} .participants=${s?.participants ?? null}></in-call-screen>`;
      case 'failed': return html`<failure-screen code=${s?.call.failure?.code ?? 'E_CALL_DROPPED'} advice=${s?.call.failure?.advice.action ?? 'retry'} lang=${this.lang} ?pending=${pending} ?supportAvailable=${support}></failure-screen>`;
    }
  }

  override render() {
    const reconnecting = this.view.connection === 'reconnecting';
    const refused = this.view.refused && this.view.refused.code !== 'E_WS_MESSAGE' ? this.view.refused : null;
    return html`
      <div class="layout" data-screen=${this.currentScreen()} data-connection=${this.view.connection}>
        ${this.header()}
        <!-- Over the header, not under it: a small panel keeps the whole screen in view while it waits. -->
        ${reconnecting ? html`<p class="banner" role="status" data-test="reconnecting">${t(this.lang, 'conn.reconnecting')}</p>` : nothing}
        <fault-list .faults=${this.view.status?.faults ?? []} lang=${this.lang}></fault-list>
        ${refused ? html`<p class="refused" role="status" data-test="refused">${refusalText(this.lang, refused.code)}</p>` : nothing}
        <main class=${reconnecting ? 'stale' : ''} ?inert=${reconnecting}>${this.screen()}</main>
      </div>`;
  }
}

customElements.define('bedside-app', BedsideApp);
