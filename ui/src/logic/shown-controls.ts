import type { Controls, PanelAction } from '../protocol.js';

export const VOLUME_STEP = 10;

/** What the daemon starts with; shown until the first state (a daemon of the first slice sends no controls). */
export const DEFAULT_CONTROLS: Controls = { micMuted: false, cameraPrivate: false, speakerVolume: 60, speakerMuted: false, loopEnabled: false, loopGainDb: 0 };

/** The controls as the panel should show them: the daemon's, with a tap not yet confirmed already applied. */
export function shownControls(c: Controls, pending: PanelAction | null): Controls {
  if (!pending || pending.action !== 'control') return c;
  const a = pending.control;
  switch (a.type) {
    case 'mic-mute': return { ...c, micMuted: a.muted };
    case 'camera-private': return { ...c, cameraPrivate: a.private };
    case 'speaker-mute': return { ...c, speakerMuted: a.muted };
    case 'loop': return { ...c, loopEnabled: a.enabled };
    case 'speaker-volume': return { ...c, speakerVolume: Math.min(100, Math.max(0, a.volume)), speakerMuted: false };
    case 'speaker-volume-step': return { ...c, speakerVolume: Math.min(100, Math.max(0, c.speakerVolume + (a.direction === 'up' ? VOLUME_STEP : -VOLUME_STEP))), speakerMuted: false };
    case 'loop-gain': return c;
  }
}
