import { html } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { locale, t, type Lang } from '../../i18n/translate.js';
import type { StatePayload } from '../../protocol.js';

/** Ready: which room a press joins, the next meeting, and the big Start button. */
export class ReadyScreen extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { status: { attribute: false }, lang: {}, pending: { type: Boolean } };
  declare status: StatePayload | null;
  declare lang: Lang;
  declare pending: boolean;

  constructor() {
    super();
    this.status = null;
    this.lang = 'da';
    this.pending = false;
  }

  private roomLabel(): string {
    const target = this.status?.joinTarget;
    if (!target) return '—';
    if (target.kind === 'meeting') return target.title || t(this.lang, 'ready.scheduled');
    return `${t(this.lang, 'ready.ownRoom')} (${(target.uri ?? '').replace(/^sips?:/, '')})`;
  }

  private nextLabel(): string {
    const next = this.status?.nextMeeting;
    if (!next) return t(this.lang, 'ready.noNext');
    const when = new Date(next.startsAt).toLocaleString(locale(this.lang), { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
    return next.title ? `${when} · ${next.title}` : when;
  }

  override render() {
    const reg = this.status?.registration ?? 'unregistered';
    const dot = reg === 'registered' || reg === 'not-configured' ? 'ok' : reg === 'failed' ? 'bad' : '';
    return html`
      <section class="screen" aria-labelledby="title">
        <h1 id="title">${t(this.lang, 'ready.title')}</h1>
        <dl>
          <dt>${t(this.lang, 'ready.joins')}</dt><dd data-test="room">${this.roomLabel()}</dd>
          <dt>${t(this.lang, 'ready.next')}</dt><dd data-test="next">${this.nextLabel()}</dd>
        </dl>
        <p class="registration muted"><span class="dot ${dot}" aria-hidden="true"></span><span data-test="registration">${t(this.lang, `reg.${reg}`)}</span></p>
        <div class="actions">
          <button class="primary big" data-test="start" ?disabled=${this.pending} aria-busy=${this.pending ? 'true' : 'false'}
            @click=${() => this.emit('ui-action', { action: 'join' })}>
            ${this.pending ? t(this.lang, 'ready.starting') : t(this.lang, 'ready.start')}
          </button>
        </div>
      </section>`;
  }
}

customElements.define('ready-screen', ReadyScreen);
