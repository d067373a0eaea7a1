import { html, nothing } from 'lit';
// styleMap writes through CSSOM, which the server's CSP (no inline styles) allows.
import { styleMap } from 'lit/directives/style-map.js';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { t, type Lang } from '../../i18n/translate.js';
import { MEETING_MINUTES, elapsedSince, formatElapsed, meetingPhase } from '../../logic/meeting-time.js';

/** In the meeting: elapsed time against the 30-minute frame, a gentle warning at 25, Leave. */
export class InCallScreen extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { since: { type: Number }, skewMs: { type: Number }, lang: {}, pending: { type: Boolean }, now: { state: true } };
  /** When the call was established, on the server's clock (ms). */
  declare since: number;
  declare skewMs: number;
  declare lang: Lang;
  declare pending: boolean;
  declare now: number;
  private tick: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    this.since = Date.now();
    this.skewMs = 0;
    this.lang = 'da';
    this.pending = false;
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.now = Date.now();
    this.tick = setInterval(() => { this.now = Date.now(); }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
  }

  override render() {
    const elapsed = elapsedSince(this.since, this.now, this.skewMs);
    const phase = meetingPhase(elapsed);
    const fraction = Math.min(1, Math.max(0, elapsed / (MEETING_MINUTES * 60_000)));
    return html`
      <section class="screen ${phase}" aria-labelledby="title">
        <h1 id="title">${t(this.lang, 'inCall.title')}</h1>
        <div class="timer">
          <span class="muted">${t(this.lang, 'inCall.elapsed')}</span>
          <span class="elapsed" data-test="elapsed" role="timer">${formatElapsed(elapsed)}</span>
          <span>${t(this.lang, 'inCall.of', { minutes: MEETING_MINUTES })}</span>
        </div>
        <div class="frame" aria-hidden="true"><div class="fill" style=${styleMap({ width: `${(fraction * 100).toFixed(1)}%` })}></div></div>
        ${phase === 'normal' ? nothing : html`<p class="notice" role="status" data-test="time-notice">${phase === 'warn' ? t(this.lang, 'inCall.warn') : t(this.lang, 'inCall.over', { minutes: MEETING_MINUTES })}</p>`}
        <div class="actions">
          <button class="danger big" data-test="leave" ?disabled=${this.pending} aria-busy=${this.pending ? 'true' : 'false'}
            @click=${() => this.emit('ui-action', { action: 'leave' })}>
            ${this.pending ? t(this.lang, 'inCall.leaving') : t(this.lang, 'inCall.leave')}
          </button>
        </div>
      </section>`;
  }
}

customElements.define('in-call-screen', InCallScreen);
