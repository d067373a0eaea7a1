import { html, nothing } from 'lit';
// styleMap writes through CSSOM, which the server's CSP (no inline styles) allows.
import { styleMap } from 'lit/directives/style-map.js';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { compact, styles } from './styles.js';
import { t, type Lang } from '../../i18n/translate.js';
import { MEETING_MINUTES, elapsedSince, formatElapsed, meetingPhase } from '../../logic/meeting-time.js';
import { shownControls, DEFAULT_CONTROLS } from '../../logic/shown-controls.js';
import type { Controls, PanelAction, StatePayload } from '../../protocol.js';
import '../in-call-controls/component.js';
import '../v4m-card/component.js';

type Participants = NonNullable<StatePayload['participants']>;

/**
 * In the meeting: elapsed time against the 30-minute frame (a gentle warning at 25), who is
 * connected as far as the room tells, the controls, the optional V4M prompts, and Leave.
 */
export class InCallScreen extends BedsideElement {
  static override styles = [theme, styles, compact];
  static override properties = {
    since: { type: Number }, skewMs: { type: Number }, lang: {}, pending: { type: Boolean },
    pendingAction: { attribute: false }, controls: { attribute: false }, participants: { attribute: false },
    now: { state: true }, v4m: { state: true },
  };
  /** When the call was established, on the server's clock (ms). */
  declare since: number;
  declare skewMs: number;
  declare lang: Lang;
  /** A leave (or any action) is on its way. */
  declare pending: boolean;
  declare pendingAction: PanelAction | null;
  declare controls: Controls | undefined;
  declare participants: Participants | null;
  declare now: number;
  declare v4m: boolean;
  private tick: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    this.since = Date.now();
    this.skewMs = 0;
    this.lang = 'da';
    this.pending = false;
    this.pendingAction = null;
    this.controls = undefined;
    this.participants = null;
    this.now = Date.now();
    this.v4m = false;
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

  private who() {
    const p = this.participants;
    const far = p?.support
      ? t(this.lang, 'inCall.support')
      : p?.farEnd.displayName ?? `${t(this.lang, 'inCall.room')}${p ? ` (${p.farEnd.uri.replace(/^sips?:/, '')})` : ''}`;
    return html`
      <h2 class="label">${t(this.lang, 'inCall.participants')}</h2>
      <ul class="people" data-test="participants">
        <li>${t(this.lang, 'inCall.you')}</li>
        <li data-test="far-end">${far}</li>
      </ul>`;
  }

  /** One line, not two, when both are off: a small panel has room for one. */
  private stateNote(c: Controls) {
    if (c.micMuted && c.cameraPrivate) return html`<p class="state-note" data-test="state-note">${t(this.lang, 'inCall.bothNote')}</p>`;
    if (c.micMuted) return html`<p class="state-note" data-test="state-note">${t(this.lang, 'inCall.muteNote')}</p>`;
    if (c.cameraPrivate) return html`<p class="state-note" data-test="state-note">${t(this.lang, 'inCall.privacyNote')}</p>`;
    return nothing;
  }

  override render() {
    const elapsed = elapsedSince(this.since, this.now, this.skewMs);
    const phase = meetingPhase(elapsed);
    const fraction = Math.min(1, Math.max(0, elapsed / (MEETING_MINUTES * 60_000)));
    const shown = shownControls(this.controls ?? DEFAULT_CONTROLS, this.pendingAction);
    const leaving = this.pendingAction?.action === 'leave';
    return html`
      <section class="screen ${phase}" aria-labelledby="title">
        <div class="top">
          <h1 id="title">${t(this.lang, 'inCall.title')}</h1>
          <div class="timer">
            <span class="muted">${t(this.lang, 'inCall.elapsed')}</span>
            <span class="elapsed" data-test="elapsed" role="timer">${formatElapsed(elapsed)}</span>
            <span>${t(this.lang, 'inCall.of', { minutes: MEETING_MINUTES })}</span>
          </div>
        </div>
        <div class="frame" aria-hidden="true"><div class="fill" style=${styleMap({ width: `${(fraction * 100).toFixed(1)}%` })}></div></div>
        <div class="body">
          <div class="side">
            ${phase === 'normal' ? nothing : html`<p class="notice" role="status" data-test="time-notice">${phase === 'warn' ? t(this.lang, 'inCall.warn') : t(this.lang, 'inCall.over', { minutes: MEETING_MINUTES })}</p>`}
            ${this.stateNote(shown)}
            ${this.v4m ? html`<v4m-card lang=${this.lang}></v4m-card>` : this.who()}
            <button class="secondary v4m" data-test="v4m" aria-expanded=${this.v4m ? 'true' : 'false'}
              @click=${() => { this.v4m = !this.v4m; }}>${t(this.lang, this.v4m ? 'inCall.v4mClose' : 'inCall.v4m')}</button>
          </div>
          <div class="main">
            <in-call-controls .controls=${this.controls} .pending=${this.pendingAction} lang=${this.lang}></in-call-controls>
            <button class="danger big leave" data-test="leave" ?disabled=${this.pending && leaving} aria-busy=${leaving ? 'true' : 'false'}
              @click=${() => this.emit('ui-action', { action: 'leave' })}>
              ${leaving ? t(this.lang, 'inCall.leaving') : t(this.lang, 'inCall.leave')}
            </button>
          </div>
        </div>
      </section>`;
  }
}

customElements.define('in-call-screen', InCallScreen);
