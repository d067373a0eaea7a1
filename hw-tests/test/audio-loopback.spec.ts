/**
 * Audio loopback on a real unit: a tone played to the ALSA playback device must come back
 * on the capture device (the jig loops the speaker output into the microphone input).
 * Not on sim: playing to and recording from ALSA needs a sound card.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTone, readWav } from '../../appliance/test/peers/wav-tone.js';
import { env, hwTarget, sleep } from './support/target.js';

const TONE_HZ = 1000;

function run(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('gst-launch-1.0', ['-q', '-e', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    // -e: SIGINT makes gst-launch send EOS, so the WAV header is finished before it exits.
    const t = setTimeout(() => p.kill('SIGINT'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve();
      else reject(new Error(`gst-launch-1.0 ${args.join(' ')} exited ${code}: ${err.trim()}`));
    });
  });
}

describe('audio loopback', function () {
  let dir = '';

  before(function () {
    if (hwTarget() === 'sim') {
      console.log('      skipped: sim has no sound card; audiotestsrc -> alsasink needs the real unit (HW_TARGET=pi)');
      this.skip();
    }
    if (!env('HW_AUDIO_PLAYBACK') || !env('HW_AUDIO_CAPTURE')) {
      console.log('      skipped: set HW_AUDIO_PLAYBACK and HW_AUDIO_CAPTURE (ALSA devices, e.g. plughw:CARD=Device,DEV=0) and loop the jig\'s speaker out to mic in');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'hw-audio-'));
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`hears the ${TONE_HZ} Hz tone it plays`, async function () {
    const wav = join(dir, 'capture.wav');
    const record = run([
      'alsasrc', `device=${env('HW_AUDIO_CAPTURE')}`, '!', 'audioconvert', '!', 'audioresample', '!',
      'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${wav}`,
    ], 3000); // records for 3 s
    await sleep(300);
    await run([
      'audiotestsrc', 'wave=sine', `freq=${TONE_HZ}`, 'volume=0.5', 'num-buffers=50', '!', 'audioconvert', '!',
      'audioresample', '!', 'alsasink', `device=${env('HW_AUDIO_PLAYBACK')}`,
    ], 10_000);
    await record;
    const tone = analyzeTone(await readWav(wav), TONE_HZ, { minRatio: 0.5, minRmsDbfs: -50 });
    console.log(`      tone heard for ${tone.toneSeconds.toFixed(2)} s (longest run ${tone.longestRunSeconds.toFixed(2)} s, best ratio ${tone.maxRatio.toFixed(2)})`);
    assert.ok(tone.longestRunSeconds >= 0.5, `the ${TONE_HZ} Hz tone did not come back (longest run ${tone.longestRunSeconds.toFixed(2)} s)`);
  });
});
