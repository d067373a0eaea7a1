/**
 * The unit's real audio chains (the production fragments of adapters/gstreamer/audio-chains.ts)
 * run on files, paced in real time like a call: identity sync=true in front of each branch, so
 * the canceller and its echo probe see the two signals as they would in the room.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_CONTROLS, type Controls } from '../core/controls.js';
import { DSP_CAPS, dspElement, farEndChain } from '../adapters/gstreamer/audio-chains.js';
import type { AudioProcessingSetting, LoopOutputSetting } from '../adapters/gstreamer/media-settings.js';
import { DEFAULT_LOOP_MAX_BOOST_DB, DEFAULT_LOOP_REFERENCE_DBFS } from '../adapters/gstreamer/media-settings.js';
import { parseWav16, type Pcm } from './audio-analysis.js';
import { runGstLaunch, type GstRun } from './audio-gst-run.js';

let serial = 0;

function fileIn(path: string): string {
  return `filesrc location="${path}" ! wavparse ! audioconvert ! audioresample ! ${DSP_CAPS}`;
}

/** The microphone's canceller (webrtcdsp) on `mic`, its probe fed `far` as the speaker would play it. */
export function echoLaunch(far: string, mic: string, out: string, processing: AudioProcessingSetting): string {
  const probe = `bench_probe_${process.pid}_${++serial}`;
  const dsp = dspElement(processing, probe) ?? 'identity';
  return (
    `${fileIn(far)} ! identity sync=true ! webrtcechoprobe name=${probe} ! fakesink sync=false async=false ` +
    `${fileIn(mic)} ! identity sync=true ! ${dsp} ! wavenc ! filesink location="${out}"`
  );
}

export async function runEcho(far: string, mic: string, out: string, processing: AudioProcessingSetting): Promise<{ pcm: Pcm; run: GstRun }> {
  const run = await runGstLaunch(echoLaunch(far, mic, out, processing));
  return { pcm: parseWav16(readFileSync(out)), run };
}

export const BENCH_LOOP: LoopOutputSetting = {
  sink: { kind: 'meter' },
  referenceLevelDbfs: DEFAULT_LOOP_REFERENCE_DBFS,
  maxBoostDb: DEFAULT_LOOP_MAX_BOOST_DB,
};

/** The far-end chain (speaker and loop branches, exactly as in a call) on `input`, writing both outputs. */
export function farEndLaunch(input: string, speakerOut: string | null, loopOut: string | null, controls: Controls, loop: LoopOutputSetting = BENCH_LOOP): string {
  const chain = farEndChain({
    speaker: speakerOut ? { kind: 'file', path: speakerOut } : null,
    echoReferencePort: null,
    loop: loopOut ? { ...loop, sink: { kind: 'file', path: loopOut } } : null,
    controls,
  });
  return `${fileIn(input)} ! identity sync=true ! ${chain.launch}`;
}

export async function runFarEnd(
  input: string,
  outputs: { speaker?: string; loop?: string },
  controls: Controls = { ...DEFAULT_CONTROLS, loopEnabled: true },
): Promise<{ speaker: Pcm | null; loop: Pcm | null; run: GstRun }> {
  const run = await runGstLaunch(farEndLaunch(input, outputs.speaker ?? null, outputs.loop ?? null, controls));
  return {
    speaker: outputs.speaker ? parseWav16(readFileSync(outputs.speaker)) : null,
    loop: outputs.loop ? parseWav16(readFileSync(outputs.loop)) : null,
    run,
  };
}
