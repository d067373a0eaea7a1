/**
 * Echo cancellation in a real call, across the engine's separate send and receive pipelines.
 * A sits in a simulated room (sim 'room' speaker and microphone: what A's speaker plays comes
 * back into A's microphone 30 ms later with an echo tail). B's microphone plays speech; what
 * B hears back from A is A's echo. With the canceller it must be far quieter than with echo
 * cancellation off, everything else the same.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GstreamerMediaEngine } from '../../src/adapters/gstreamer/gstreamer-media-engine.js';
import { DEFAULT_AUDIO_PROCESSING, type MediaDeviceSettings } from '../../src/adapters/gstreamer/media-settings.js';
import type { LocalMediaCapabilities, NegotiatedSession } from '../../src/core/media-types.js';
import { parseWav16, rmsDb } from '../../src/bench/audio-analysis.js';
import { place, speech } from '../../src/bench/audio-room.js';
import { freePort } from '../../src/demo/peers/ports.js';

const HOST = '127.0.0.1';
const SCENE_S = 7;
let dir: string;
let farSpeech: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audio-call-aec-'));
  farSpeech = place(dir, 'far', speech(dir, 'far-raw', 'da', 'Goddag, det er lægen. Vi skal tale om din medicin, og hvem der kommer og hjælper dig hjemme.'), 0.3, SCENE_S);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});


function sessionFor(local: LocalMediaCapabilities, remote: LocalMediaCapabilities): NegotiatedSession {
  return {
    streams: [{
      kind: 'audio',
      codec: local.audio.codecs.find((c) => c.name === 'opus')!,
      direction: 'sendrecv',
      local: { address: local.address, rtpPort: local.audio.rtpPort, rtcpPort: local.audio.rtcpPort },
      remote: { address: remote.address, rtpPort: remote.audio.rtpPort, rtcpPort: remote.audio.rtcpPort },
      srtp: { tx: local.srtp!.audio, rx: remote.srtp!.audio },
    }],
  };
}

/** One call; the level (dBFS) of what B heard back from A while B's speech ran. */
async function call(echoCancel: boolean, tag: string): Promise<number> {
  const room = await freePort({ udp: true });
  const base = { mode: 'sim', videoSource: null, videoSink: { kind: 'counter' } } as const;
  const aSettings: MediaDeviceSettings = {
    ...base,
    audioSource: { kind: 'room', port: room },
    audioSink: { kind: 'room', port: room },
    audioProcessing: { ...DEFAULT_AUDIO_PROCESSING, gainControl: false, echoCancel },
  };
  const heardAtB = join(dir, `b-${tag}.wav`);
  const bSettings: MediaDeviceSettings = {
    ...base,
    audioSource: { kind: 'wav', path: farSpeech },
    audioSink: { kind: 'file', path: heardAtB },
    audioProcessing: { ...DEFAULT_AUDIO_PROCESSING, echoCancel: false, noiseSuppression: false, gainControl: false },
  };
  const a = new GstreamerMediaEngine({ settings: aSettings, address: HOST, video: false });
  const b = new GstreamerMediaEngine({ settings: bSettings, address: HOST, video: false });
  try {
    await Promise.all([a.start(), b.start()]);
    const [capsA, capsB] = [await a.allocate(), await b.allocate()];
    await a.apply(sessionFor(capsA, capsB));
    await b.apply(sessionFor(capsB, capsA));
    await new Promise((r) => setTimeout(r, (SCENE_S + 0.5) * 1000));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  // The canceller has had 2 s of speech to converge; the speech runs to about 6 s.
  return rmsDb(parseWav16(readFileSync(heardAtB)), 2.5, 3.5);
}

describe('echo cancellation in a call', () => {
  it('what the far end hears back of itself is much quieter with the canceller than without', async () => {
    const off = await call(false, 'off');
    const on = await call(true, 'on');
    console.log(JSON.stringify({ echoAtFarEndDb: { aecOff: off, aecOn: on, reductionDb: off - on } }));
    expect(off).toBeGreaterThan(-50);
    expect(off - on).toBeGreaterThan(10);
  }, 90_000);
});
