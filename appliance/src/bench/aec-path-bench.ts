/**
 * The call's echo-cancellation path, measured signal by signal (`npm run bench:aec`, ~2 min).
 *
 * Two pipelines in this process, built from the production fragments: a receive side that plays
 * a far-end signal into the simulated room speaker and sends the synced echo reference, and a
 * send side whose room microphone hears it and whose webrtcdsp reads the reference over loopback
 * (audio-chains farEndChain / echoReferenceInput / micChain). For each far-end signal the mean
 * microphone level after the canceller is printed with the canceller on and off: ERLE = off - on.
 * Both runs of a pair see the same signal in the same run (the baseline is measured alongside).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadGstBinding } from '../adapters/gstreamer/gst-binding.js';
import { levelRmsDb } from '../adapters/gstreamer/gst-values.js';
import { echoReferenceInput, farEndChain, micChain } from '../adapters/gstreamer/audio-chains.js';
import { DEFAULT_AUDIO_PROCESSING } from '../adapters/gstreamer/media-settings.js';
import { DEFAULT_CONTROLS } from '../core/controls.js';
import { speech } from './audio-room.js';
import { freePort } from '../demo/peers/ports.js';

const SECONDS = 10;
/** BENCH_AEC_TEST_PROBE=1: the microphone chain as in an echo test call (silent probe mixed in before the canceller). */
const WITH_ECHO_TEST_PROBE = process.env['BENCH_AEC_TEST_PROBE'] === '1';
const gst = loadGstBinding();
let serial = 0;


/** 100 ms bursts every 450 ms (the echo test's training rhythm) of a sox `synth` signal. */
function bursts(dir: string, name: string, synth: string[]): string {
  const one = join(dir, `${name}-1.wav`);
  const out = join(dir, `${name}.wav`);
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', one, 'synth', '0.1', ...synth, 'pad', '0', '0.35']);
  execFileSync('sox', [...Array<string>(30).fill(one), out]);
  return out;
}

/** Mean microphone level (dBFS, second half of the run) after the canceller. */
async function micLevel(farFile: string, echoCancel: boolean): Promise<number> {
  const roomPort = await freePort({ udp: true });
  const refPort = await freePort({ udp: true });
  const probe = `bench_aec_probe_${process.pid}_${++serial}`;
  const far = farEndChain({ speaker: { kind: 'room', port: roomPort }, echoReferencePort: refPort, loop: null, controls: DEFAULT_CONTROLS });
  const mic = micChain({ kind: 'room', port: roomPort }, { processing: { ...DEFAULT_AUDIO_PROCESSING, echoCancel }, echoProbe: probe, controls: DEFAULT_CONTROLS, echoTestProbe: WITH_ECHO_TEST_PROBE });
  const receive = new gst.Pipeline(`filesrc location="${farFile}" ! wavparse ! identity sync=true ! ${far.launch}`);
  const send = new gst.Pipeline(`${mic.launch} ! fakesink sync=false async=false ${echoReferenceInput(refPort, probe)}`);
  const levels: number[] = [];
  send.pollBus((m) => {
    if (m.type === 'element' && m._src_element_name === 'mic_level') levels.push(levelRmsDb(m['rms']));
  });
  receive.pollBus(() => undefined);
  receive.play();
  send.play();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  send.stop();
  receive.stop();
  const tail = levels.slice(Math.floor(levels.length / 2)).map((db) => Math.max(db, -100));
  return tail.reduce((a, b) => a + b, 0) / Math.max(tail.length, 1);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aec-bench-'));
  try {
    const signals: Record<string, string> = {
      speech: speech(dir, 'speech', 'en', 'The discharge conference starts now. Please tell us how you have been feeling since the operation, and whether the pain at night has improved.'),
      'pink-noise bursts': bursts(dir, 'pink', ['pinknoise', 'vol', '0.3']),
      'red-noise bursts': bursts(dir, 'brown', ['brownnoise', 'vol', '0.5']),
      'square 150 Hz bursts': bursts(dir, 'square', ['square', '150', 'vol', '0.2']),
    };
    const rows: Record<string, { onDb: number; offDb: number; erleDb: number }> = {};
    for (const [name, file] of Object.entries(signals)) {
      const onDb = await micLevel(file, true);
      const offDb = await micLevel(file, false);
      rows[name] = { onDb: round(onDb), offDb: round(offDb), erleDb: round(offDb - onDb) };
      console.log(`${name.padEnd(22)} canceller on ${round(onDb)} dBFS, off ${round(offDb)} dBFS, ERLE ${round(offDb - onDb)} dB`);
    }
    console.log(JSON.stringify(rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
