import { html } from 'lit';
import { BedsideElement } from '../base-element.js';
import { theme } from '../theme.js';
import { styles } from './styles.js';
import { loopSymbol } from '../loop-symbol.js';
import { t, type Lang } from '../../i18n/translate.js';
import type { ControlAction, Controls, PanelAction } from '../../protocol.js';
import { DEFAULT_CONTROLS, shownControls } from '../../logic/shown-controls.js';

/**
 * Microphone, camera privacy, speaker volume and the hearing loop. Each button says the
 * state it is in; a tap shows the new state at once (the daemon confirms it a moment later).
 */
export class InCallControls extends BedsideElement {
  static override styles = [theme, styles];
  static override properties = { controls: { attribute: false }, pending: { attribute: false }, lang: {} };
  declare controls: Controls | undefined;
  declare pending: PanelAction | null;
  declare lang: Lang;

  constructor() {
    super();
    this.controls = undefined;
    this.pending = null;
    this.lang = 'da';
  }

  private send(control: ControlAction): void {
    this.emit('ui-action', { action: 'control', control });
  }

  override render() {
    const c = shownControls(this.controls ?? DEFAULT_CONTROLS, this.pending);
    const busy = (type: ControlAction['type']) => (this.pending?.action === 'control' && this.pending.control.type === type ? 'true' : 'false');
    return html`
      <div class="controls">
        <button class="toggle ${c.micMuted ? 'off' : 'on'}" data-test="mic" aria-busy=${busy('mic-mute')}
          @click=${() => this.send({ type: 'mic-mute', muted: !c.micMuted })}>
          ${t(this.lang, c.micMuted ? 'inCall.micOff' : 'inCall.micOn')}
        </button>
        <button class="toggle ${c.cameraPrivate ? 'off' : 'on'}" data-test="camera" aria-busy=${busy('camera-private')}
          @click=${() => this.send({ type: 'camera-private', private: !c.cameraPrivate })}>
          ${t(this.lang, c.cameraPrivate ? 'inCall.cameraOff' : 'inCall.cameraOn')}
        </button>
        <div class="volume">
          <button class="secondary step" data-test="volume-down" aria-label=${t(this.lang, 'inCall.volumeDown')} ?disabled=${c.speakerVolume <= 0}
            @click=${() => this.send({ type: 'speaker-volume-step', direction: 'down' })}>−</button>
          <p class="level"><span>${t(this.lang, 'inCall.volume')}</span> <output data-test="volume" aria-live="polite">${c.speakerVolume}</output></p>
          <button class="secondary step" data-test="volume-up" aria-label=${t(this.lang, 'inCall.volumeUp')} ?disabled=${c.speakerVolume >= 100}
            @click=${() => this.send({ type: 'speaker-volume-step', direction: 'up' })}>+</button>
        </div>
        <button class="toggle loop ${c.loopEnabled ? 'on' : 'neutral'}" data-test="loop" aria-busy=${busy('loop')}
          @click=${() => this.send({ type: 'loop', enabled: !c.loopEnabled })}>
          ${loopSymbol}<span>${t(this.lang, c.loopEnabled ? 'inCall.loopOn' : 'inCall.loopOff')}</span>
        </button>
      </div>`;
  }
}

customElements.define('in-call-controls', InCallControls);
