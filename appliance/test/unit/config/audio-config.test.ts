import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/validate.js';
import { isApplianceError } from '../../../src/core/errors.js';
import { mediaSettings } from '../../../src/unit.js';

const BASE = {
  unit: { id: 'U-1', name: 'Bed 1' },
  rooms: { ownRoomUri: 'sip:room@example.org' },
  sip: { proxy: { host: 'sip.example.org' } },
};

function withAudio(audio: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return validateConfig({ ...BASE, media: { audio }, ...extra });
}

describe('media.audio config', () => {
  it('defaults: microphone stages on but gain control, loop reference -18 dBFS, 80 ms jitter buffer, no loop device', () => {
    const a = withAudio({}).media.audio;
    expect(a.processing).toEqual({ echoCancel: true, noiseSuppression: true, gainControl: false, highPassFilter: true, echoSuppression: 'moderate' });
    expect(a.loop).toEqual({ referenceLevelDbfs: -18, maxBoostDb: 30 });
    expect(a.jitterBufferMs).toBe(80);
    expect(a.loopDevice).toBeUndefined();
  });

  it('refuses bad values with E_CONFIG_INVALID naming the field, loses nothing else', () => {
    for (const [audio, field] of [
      [{ loopDevice: 'hw:1 ! filesink' }, 'loopDevice'],
      [{ loop: { referenceLevelDbfs: 0 } }, 'referenceLevelDbfs'],
      [{ processing: { echoSuppression: 'extreme' } }, 'echoSuppression'],
      [{ jitterBufferMs: 5 }, 'jitterBufferMs'],
      [{ loop: { gain: 3 } }, 'loop'],
    ] as const) {
      try {
        withAudio(audio);
        expect.unreachable(`accepted ${JSON.stringify(audio)}`);
      } catch (e) {
        expect(isApplianceError(e) && e.code).toBe('E_CONFIG_INVALID');
        expect(String((e as Error).message)).toContain(field);
      }
    }
  });

  it('pi mode: the loop plays to its ALSA device; sim mode: to a WAV next to the speaker one, or a meter', () => {
    const pi = mediaSettings(withAudio({ loopDevice: 'plughw:CARD=Loop,DEV=0', loop: { referenceLevelDbfs: -20 } }, { hardware: { mode: 'pi' } }));
    expect(pi.loop).toEqual({ sink: { kind: 'alsa', device: 'plughw:CARD=Loop,DEV=0' }, referenceLevelDbfs: -20, maxBoostDb: 30 });
    expect(pi.audioProcessing?.echoCancel).toBe(true);
    expect(mediaSettings(withAudio({}, { hardware: { mode: 'pi' } })).loop).toBeNull();
    const sim = mediaSettings(validateConfig({ ...BASE, media: { simOutputDir: '/tmp/run' } }));
    expect(sim.loop?.sink).toEqual({ kind: 'file', path: '/tmp/run/loop-audio.wav' });
    expect(mediaSettings(validateConfig(BASE)).loop?.sink).toEqual({ kind: 'meter' });
  });
});
