import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS } from '../../../src/core/controls.js';
import { isApplianceError } from '../../../src/core/errors.js';
import { dspElement, farEndChain, loopShaping, micChain, outputSink } from '../../../src/adapters/gstreamer/audio-chains.js';
import { controlProperties, launchProperties, loopGain, speakerGain } from '../../../src/adapters/gstreamer/audio-controls.js';
import { DEFAULT_AUDIO_PROCESSING, type LoopOutputSetting } from '../../../src/adapters/gstreamer/media-settings.js';

const LOOP: LoopOutputSetting = { sink: { kind: 'alsa', device: 'plughw:CARD=Loop,DEV=0' }, referenceLevelDbfs: -18, maxBoostDb: 30 };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isApplianceError(e) ? e.code : 'not an ApplianceError';
  }
  return undefined;
}

describe('microphone chain', () => {
  it('runs capture -> 48 kHz mono S16 -> webrtcdsp reading the named probe -> level -> mute', () => {
    const f = micChain({ kind: 'alsa', device: 'plughw:CARD=Mic,DEV=0' }, { processing: DEFAULT_AUDIO_PROCESSING, echoProbe: 'echo_probe_7', controls: DEFAULT_CONTROLS });
    expect(f.launch).toBe(
      'alsasrc name=mic device="plughw:CARD=Mic,DEV=0" buffer-time=40000 latency-time=10000 ! audioconvert ! audioresample ' +
        '! audio/x-raw,format=S16LE,rate=48000,channels=1 ' +
        '! webrtcdsp name=aec probe=echo_probe_7 echo-cancel=true echo-suppression-level=moderate noise-suppression=true gain-control=false high-pass-filter=true ' +
        '! level name=mic_level interval=250000000 post-messages=true ! volume name=mic_mute mute=false',
    );
    expect(f.devices).toEqual(['mic']);
  });

  it('starts muted when the controls say so, and without the canceller when nothing is played', () => {
    const f = micChain({ kind: 'test-tone', freqHz: 440 }, { processing: DEFAULT_AUDIO_PROCESSING, echoProbe: null, controls: { ...DEFAULT_CONTROLS, micMuted: true } });
    expect(f.launch).toContain('volume name=mic_mute mute=true');
    expect(f.launch).toContain('echo-cancel=false');
    expect(f.launch).not.toContain('probe=');
    expect(f.devices).toEqual([]);
  });

  it('leaves webrtcdsp out when every stage is off', () => {
    const off = { echoCancel: false, noiseSuppression: false, gainControl: false, highPassFilter: false, echoSuppression: 'low' as const };
    expect(dspElement(off, 'p')).toBeNull();
    expect(dspElement({ ...off, echoCancel: true }, null)).toBeNull();
    expect(dspElement({ ...off, echoCancel: true }, 'p')).toContain('probe=p echo-cancel=true');
  });

  it('mixes a silent probe tone before the canceller for the echo test, and silences the simulated microphone', () => {
    const f = micChain({ kind: 'test-tone', freqHz: 1000 }, { processing: DEFAULT_AUDIO_PROCESSING, echoProbe: 'p', controls: DEFAULT_CONTROLS, echoTestProbe: true });
    expect(f.launch).toContain('audiotestsrc name=mic is-live=true wave=silence');
    expect(f.launch).toContain('audiotestsrc name=echo_test_probe is-live=true wave=pink-noise volume=0');
    expect(f.launch.indexOf('audiomixer name=probe_mix')).toBeLessThan(f.launch.indexOf('webrtcdsp'));
  });
});

describe('far-end chain', () => {
  it('tees the decoded far end into a speaker branch (volume, limiter, echo reference) and a loop branch', () => {
    const f = farEndChain({ speaker: { kind: 'alsa', device: 'hw:1,0' }, echoReferencePort: 40123, loop: LOOP, controls: { ...DEFAULT_CONTROLS, loopEnabled: true } });
    const [head, speaker, loop] = f.launch.split(' far_tee. ! ');
    expect(head).toBe('audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=48000,channels=1 ! level name=far_level interval=50000000 post-messages=true ! tee name=far_tee');
    expect(speaker).toBe(
      'queue max-size-buffers=0 max-size-bytes=0 max-size-time=100000000 leaky=downstream ! volume name=speaker_volume volume=0.380189 mute=false ' +
        '! rglimiter ! audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ' +
        '! level name=speaker_level interval=250000000 post-messages=true ! tee name=speaker_tee ' +
        'speaker_tee. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=100000000 leaky=downstream ! audioconvert ! alsasink name=speaker device="hw:1,0" buffer-time=40000 latency-time=10000 ' +
        'speaker_tee. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=100000000 leaky=downstream ! audiobuffersplit output-buffer-duration=1/100 ' +
        '! udpsink name=echo_ref_out host=127.0.0.1 port=40123 sync=true async=false',
    );
    expect(loop).toContain('audiocheblimit mode=high-pass cutoff=100 poles=4 ! audiocheblimit mode=low-pass cutoff=5000 poles=8');
    expect(loop).toContain('webrtcdsp name=loop_compressor echo-cancel=false noise-suppression=false high-pass-filter=false gain-control=true');
    expect(loop).toContain('webrtcdsp name=loop_compressor_2 ');
    expect(loop).toContain('volume name=loop_gain volume=1 mute=false ! rglimiter ! level name=loop_level');
    expect(loop).toContain('alsasink name=loop device="plughw:CARD=Loop,DEV=0"');
    expect(f.devices).toEqual(['speaker', 'loop']);
  });

  it('keeps the loop muted when it is off, and drops a missing output without breaking the other', () => {
    const off = farEndChain({ speaker: { kind: 'meter' }, echoReferencePort: 40123, loop: LOOP, controls: DEFAULT_CONTROLS });
    expect(off.launch).toContain('volume name=loop_gain volume=1 mute=true');
    const loopOnly = farEndChain({ speaker: null, echoReferencePort: null, loop: LOOP, controls: DEFAULT_CONTROLS });
    expect(loopOnly.launch).not.toContain('speaker');
    expect(loopOnly.launch).not.toContain('echo_ref_out');
    expect(loopOnly.devices).toEqual(['loop']);
    const none = farEndChain({ speaker: null, echoReferencePort: null, loop: null, controls: DEFAULT_CONTROLS });
    expect(none.launch).toMatch(/tee name=far_tee far_tee\. ! queue .* ! fakesink sync=false async=false$/);
  });

  it('sets the calibration gain from the reference level, and refuses references out of range', () => {
    expect(loopShaping({ ...LOOP, referenceLevelDbfs: -16 })).toContain('volume name=loop_reference volume=1.000000');
    expect(loopShaping({ ...LOOP, referenceLevelDbfs: -22 })).toContain('volume name=loop_reference volume=0.501187');
    expect(code(() => loopShaping({ ...LOOP, referenceLevelDbfs: 3 }))).toBe('E_MEDIA_PIPELINE');
    expect(code(() => loopShaping({ ...LOOP, maxBoostDb: 99 }))).toBe('E_MEDIA_PIPELINE');
  });

  it('writes WAV files in sim and refuses unsafe device names and paths', () => {
    expect(outputSink({ kind: 'file', path: '/tmp/run/loop.wav' }, 'loop', 'hearing loop').launch).toBe(
      'audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! wavenc ! filesink name=loop location="/tmp/run/loop.wav" sync=false async=false',
    );
    expect(code(() => outputSink({ kind: 'alsa', device: 'hw:1 ! filesink location=/etc/x' }, 'loop', 'hearing loop'))).toBe('E_MEDIA_DEVICE');
    expect(code(() => outputSink({ kind: 'file', path: '/tmp/../etc/x.wav' }, 'loop', 'hearing loop'))).toBe('E_MEDIA_DEVICE');
  });
});

describe('control values', () => {
  it('maps speaker volume 0..100 onto silence and -30..+6 dB', () => {
    expect(speakerGain(0)).toBe(0);
    expect(20 * Math.log10(speakerGain(100))).toBeCloseTo(6, 3);
    expect(20 * Math.log10(speakerGain(50))).toBeCloseTo(-12, 3);
    expect(20 * Math.log10(speakerGain(1))).toBeCloseTo(-29.64, 2);
    expect(speakerGain(150)).toBe(speakerGain(100));
  });

  it('maps every control to its element and nothing else', () => {
    const p = controlProperties({ micMuted: true, cameraPrivate: true, speakerVolume: 100, speakerMuted: true, loopEnabled: false, loopGainDb: -6 });
    expect(p).toEqual({
      mic_mute: { mute: true },
      speaker_volume: { volume: speakerGain(100), mute: true },
      loop_gain: { volume: loopGain(-6), mute: true },
      camera_privacy: { contrast: 0, brightness: -1, saturation: 0 },
    });
    expect(loopGain(-6)).toBeCloseTo(0.501187, 6);
    expect(launchProperties({ volume: 0.5, mute: false, contrast: 1 })).toBe('volume=0.500000 mute=false contrast=1');
  });
});
