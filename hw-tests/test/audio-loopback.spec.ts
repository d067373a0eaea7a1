/**
 * Audio loopback: a tone played through the unit's speaker output must come back on its
 * input. pi: the ALSA playback device, looped by the jig into the capture device. sim: the
 * unit's simulated speaker (the same launch fragment the media engine uses in sim mode, a WAV
 * file) is the wire, read back as the input. Both play through the unit's own outputSink()
 * fragment and look for the tone with the Goertzel helper.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTone, readWav } from '../../appliance/test/peers/wav-tone.js';
import { outputSink } from '../../appliance/src/adapters/gstreamer/audio-chains.js';
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
    if (hwTarget() === 'pi' && (!env('HW_AUDIO_PLAYBACK') || !env('HW_AUDIO_CAPTURE'))) {
      console.log('      skipped: set HW_AUDIO_PLAYBACK and HW_AUDIO_CAPTURE (ALSA devices, e.g. plughw:CARD=Device,DEV=0) and loop the jig\'s speaker out to mic in');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'hw-audio-'));
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`sim: hears the ${TONE_HZ} Hz tone it plays through the simulated speaker`, async function () {
    if (hwTarget() !== 'sim') this.skip();
    const speaker = join(dir, 'speaker.wav');
    const wav = join(dir, 'capture.wav');
    // 1.2 s of tone (60 x 20 ms) through the unit's sim speaker fragment.
    const sink = outputSink({ kind: 'file', path: speaker }, 'speaker', 'speaker').launch.split(' ');
    await run(['audiotestsrc', 'wave=sine', `freq=${TONE_HZ}`, 'volume=0.5', 'samplesperbuffer=960', 'num-buffers=60', '!', 'audioconvert', '!', ...sink], 10_000);
    // The wire: the speaker's output read back as the input, as the capture side records it.
    await run(['filesrc', `location=${speaker}`, '!', 'wavparse', '!', 'audioconvert', '!', 'audioresample', '!',
      'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${wav}`], 10_000);
    const tone = analyzeTone(await readWav(wav), TONE_HZ, { minRatio: 0.5, minRmsDbfs: -50 });
    console.log(`      tone heard for ${tone.toneSeconds.toFixed(2)} s (longest run ${tone.longestRunSeconds.toFixed(2)} s, best ratio ${tone.maxRatio.toFixed(2)})`);
    assert.ok(tone.longestRunSeconds >= 0.5, `the ${TONE_HZ} Hz tone did not come back (longest run ${tone.longestRunSeconds.toFixed(2)} s)`);
    const other = analyzeTone(await readWav(wav), TONE_HZ * 3, { minRatio: 0.5, minRmsDbfs: -50 });
    assert.ok(other.toneSeconds < 0.1, 'a tone that was not played was heard: the detector is not selective');
  });

  it(`pi: hears the ${TONE_HZ} Hz tone it plays`, async function () {
    if (hwTarget() !== 'pi') this.skip();
    const wav = join(dir, 'capture.wav');
    const record = run([
      'alsasrc', `device=${env('HW_AUDIO_CAPTURE')}`, '!', 'audioconvert', '!', 'audioresample', '!',
      'audio/x-raw,format=S16LE,rate=48000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${wav}`,
    ], 3000); // records for 3 s
    await sleep(300);
    // Through the unit's own speaker fragment (alsasink with its buffer settings).
    const sink = outputSink({ kind: 'alsa', device: env('HW_AUDIO_PLAYBACK')! }, 'speaker', 'speaker').launch.split(' ');
    await run(['audiotestsrc', 'wave=sine', `freq=${TONE_HZ}`, 'volume=0.5', 'num-buffers=50', '!', 'audioconvert', '!', ...sink], 10_000);
    await record;
    const tone = analyzeTone(await readWav(wav), TONE_HZ, { minRatio: 0.5, minRmsDbfs: -50 });
    console.log(`      tone heard for ${tone.toneSeconds.toFixed(2)} s (longest run ${tone.longestRunSeconds.toFixed(2)} s, best ratio ${tone.maxRatio.toFixed(2)})`);
    assert.ok(tone.longestRunSeconds >= 0.5, `the ${TONE_HZ} Hz tone did not come back (longest run ${tone.longestRunSeconds.toFixed(2)} s)`);
  });
});
