import type { MediaEngine } from '../../../appliance/src/ports/media-engine.js';
export { ScriptedSignaling } from '../../../appliance/test/support/scripted-signaling.js';

/** A media engine that holds nothing: the suites test the button and LED path, not media. */
export const idleEngine = {
  stats: () => ({ audio: null, video: null }),
  release: async () => undefined,
  setControls: () => undefined,
} as unknown as MediaEngine;
