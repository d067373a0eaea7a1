/**
 * The audio chains of a call, as launch-line fragments. Pure.
 *
 *   microphone: capture ! S16 48k mono ! webrtcdsp (AEC, NS, AGC, high-pass; reads the echo probe)
 *               ! level ! volume (mute) ! [encoder]
 *   far end:    [decoder] ! F32 48k mono ! level ! tee
 *                 tee ! queue ! volume (speaker volume, mute) ! rglimiter ! S16 ! level ! tee ! speaker
 *                                                                              tee ! udpsink (echo reference, synced with the speaker)
 *                 tee ! queue ! high-pass 100 Hz ! low-pass 5 kHz ! webrtcdsp (AGC only: compressor + limiter
 *                       to the calibrated reference level) ! volume (loop gain, on/off) ! rglimiter ! level ! loop
 *
 * The echo reference is taken right before the speaker sink so the canceller sees exactly
 * what the speaker plays (after volume and limiter), and is sent in step with the speaker to
 * the webrtcechoprobe in the send pipeline (echoReferenceInput). The loop is magnetic and
 * never reaches the microphone, so it is not probed. Each branch has a leaky queue: a stalled output device
 * never holds up the other one. Latency: webrtcdsp works on 10 ms frames; ALSA devices are
 * opened with 10 ms periods (40 ms buffers on both sides) instead of
 * GStreamer's 200 ms defaults.
 */
import type { Controls } from '../../core/controls.js';
import { controlProperties, launchProperties } from './audio-controls.js';
import { deviceValue, intValue, pathValue, portValue } from './launch-values.js';
import { EL, FAR_LEVEL_FAST_NS, LEVEL_SLOW_NS, type Fragment } from './media-fragments.js';
import type { AudioProcessingSetting, AudioSinkSetting, AudioSourceSetting, LoopOutputSetting } from './media-settings.js';

/** The one format webrtcdsp, webrtcechoprobe and the encoder agree on. */
export const DSP_CAPS = 'audio/x-raw,format=S16LE,rate=48000,channels=1';
const FLOAT_CAPS = 'audio/x-raw,format=F32LE,rate=48000,channels=1';
/** Longest an output branch may fall behind before its queue drops old audio (ns). */
const BRANCH_QUEUE_NS = 100_000_000;

export const LOOP_HIGH_PASS_HZ = 100;
export const LOOP_LOW_PASS_HZ = 5000;

export interface MicChainOptions {
  processing: AudioProcessingSetting;
  /** Name of the far end's webrtcechoprobe; null when nothing is played (no echo to cancel). */
  echoProbe: string | null;
  controls: Controls;
  /**
   * Echo test: a pink-noise probe (broadband, so the canceller can learn the room from it;
   * silent until the engine turns it up) is mixed into the
   * microphone before the canceller, so what leaks from the speaker back into the real
   * microphone is measured through the whole chain. The simulated tone microphone is silent then.
   */
  echoTestProbe?: boolean;
}

export const ECHO_TEST_PROBE_VOLUME = 0.8;

export function micChain(src: AudioSourceSetting, opts: MicChainOptions): Fragment {
  const probe = opts.echoTestProbe === true;
  const capture =
    src.kind === 'test-tone'
      ? `audiotestsrc name=${EL.mic} is-live=true wave=${probe ? 'silence' : 'sine'} freq=${intValue(src.freqHz, 20, 20000, 'test tone frequency')} volume=0.3 samplesperbuffer=480`
      : src.kind === 'wav'
        ? `filesrc name=${EL.mic} location=${pathValue(src.path, 'microphone recording')} ! wavparse ! identity sync=true`
        : src.kind === 'room'
          ? simRoomMicrophone(src.port)
          : `alsasrc name=${EL.mic} device=${deviceValue(src.device, 'microphone')} buffer-time=40000 latency-time=10000`;
  const dsp = dspElement(opts.processing, opts.echoProbe);
  const mixed = probe
    ? `audiotestsrc name=${EL.echoTestProbe} is-live=true wave=pink-noise volume=0 samplesperbuffer=480 ! ${DSP_CAPS} ! probe_mix. ` +
      `audiomixer name=probe_mix latency=20000000 ! ${DSP_CAPS} `
    : '';
  return {
    launch:
      `${capture} ! audioconvert ! audioresample ! ${DSP_CAPS} ${probe ? '! probe_mix. ' : ''}${mixed}` +
      `${dsp ? `! ${dsp} ` : ''}` +
      `! level name=${EL.micLevel} interval=${LEVEL_SLOW_NS} post-messages=true ` +
      `! volume name=${EL.micMute} ${launchProperties(controlProperties(opts.controls).mic_mute ?? {})}`,
    devices: src.kind === 'alsa' ? [EL.mic] : [],
  };
}

/** The webrtcdsp element for the microphone, or null when every stage is off. */
export function dspElement(p: AudioProcessingSetting, echoProbe: string | null): string | null {
  const echoCancel = p.echoCancel && echoProbe !== null;
  if (!echoCancel && !p.noiseSuppression && !p.gainControl && !p.highPassFilter) return null;
  return (
    `webrtcdsp name=${EL.aec}${echoCancel ? ` probe=${echoProbe}` : ''} echo-cancel=${echoCancel} ` +
    `echo-suppression-level=${p.echoSuppression} noise-suppression=${p.noiseSuppression} ` +
    `gain-control=${p.gainControl} high-pass-filter=${p.highPassFilter}`
  );
}

/** Raw 10 ms S16 datagrams on loopback: the speaker's signal for the canceller, and the simulated room. */
const RAW_UDP_CAPS = `${DSP_CAPS},layout=interleaved`;

/**
 * The echo reference, in the send pipeline: what the speaker plays arrives from the receive
 * pipeline over 127.0.0.1 (sent in step with the speaker by a synced udpsink) into the
 * canceller's webrtcechoprobe. webrtcdsp matches probe and microphone by running time, which
 * only agrees within one pipeline: a probe in the receive pipeline hands it silence.
 * audiorate (from the first datagram on) gives the reference sample-exact timestamps: the probe
 * re-aligns every 10 ms frame by its timestamp in whole ms, and arrival-time jitter made it cut
 * or pad the reference on many frames, so the canceller locked on in some calls only (ERLE
 * 25-35 dB or about 7 dB, by run; bench:aec, docs/aec.md).
 */
export function echoReferenceInput(port: number, probe: string): string {
  return (
    `udpsrc name=echo_ref_in address=127.0.0.1 port=${portValue(port)} caps="${RAW_UDP_CAPS}" ! audiorate skip-to-first=true ` +
    `! queue max-size-buffers=0 max-size-bytes=0 max-size-time=${BRANCH_QUEUE_NS} leaky=downstream ` +
    `! webrtcechoprobe name=${probe} ! fakesink sync=false async=false`
  );
}

const SIM_ROOM_DELAY_NS = 20_000_000;

/**
 * Sim room microphone: faint noise plus what the 'room' speaker plays, with a 30 ms echo and reverb tail.
 * audiorate makes the echo path fixed, as a real room's is: with the datagrams' arrival times
 * the echo's delay jittered by a few ms from packet to packet, which no canceller can follow
 * (echo test leak with the canceller about -17 dB before, -26..-35 dB after).
 */
function simRoomMicrophone(port: number): string {
  return (
    `audiotestsrc name=${EL.mic} is-live=true wave=pink-noise volume=0.002 samplesperbuffer=480 ! ${DSP_CAPS} ! room_mix. ` +
    `udpsrc name=room_in address=127.0.0.1 port=${portValue(port)} caps="${RAW_UDP_CAPS}" ! audiorate skip-to-first=true ! queue ! audioconvert ` +
    `! audioecho delay=30000000 intensity=0.5 feedback=0.3 ! volume volume=0.4 ! audioconvert ! ${DSP_CAPS} ! room_mix. ` +
    `audiomixer name=room_mix latency=30000000`
  );
}

export interface FarEndOptions {
  /** null: the speaker is missing (unplugged or failed); the call goes on with the loop. */
  speaker: AudioSinkSetting | null;
  /** Port of the canceller's echo reference input (send pipeline); null: no reference (echo cancellation off). */
  echoReferencePort: number | null;
  /** null: no loop output configured, or it is missing. */
  loop: LoopOutputSetting | null;
  controls: Controls;
}

/** Everything after the decoder: far-end level, tee, speaker and loop branches. */
export function farEndChain(opts: FarEndOptions): Fragment {
  const props = controlProperties(opts.controls);
  const head =
    `audioconvert ! audioresample ! ${FLOAT_CAPS} ! level name=${EL.farLevel} interval=${FAR_LEVEL_FAST_NS} post-messages=true ` +
    `! tee name=${EL.farTee}`;
  const queue = `${EL.farTee}. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=${BRANCH_QUEUE_NS} leaky=downstream`;
  const branches: string[] = [];
  const devices: string[] = [];
  if (opts.speaker) {
    const sink = outputSink(opts.speaker, EL.speaker, 'speaker');
    const speakerHead =
      `${queue} ! volume name=${EL.speakerVolume} ${launchProperties(props.speaker_volume ?? {})} ! rglimiter ` +
      `! audioconvert ! ${DSP_CAPS} ! level name=${EL.speakerLevel} interval=${LEVEL_SLOW_NS} post-messages=true`;
    branches.push(
      opts.echoReferencePort === null
        ? `${speakerHead} ! ${sink.launch}`
        : `${speakerHead} ! tee name=speaker_tee speaker_tee. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=${BRANCH_QUEUE_NS} leaky=downstream ! ${sink.launch} ` +
            `speaker_tee. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=${BRANCH_QUEUE_NS} leaky=downstream ` +
            `! audiobuffersplit output-buffer-duration=1/100 ! udpsink name=echo_ref_out host=127.0.0.1 port=${portValue(opts.echoReferencePort)} sync=true async=false`,
    );
    devices.push(...sink.devices);
  }
  if (opts.loop) {
    const sink = outputSink(opts.loop.sink, EL.loop, 'hearing loop');
    branches.push(
      `${queue} ! ${loopShaping(opts.loop)} ! volume name=${EL.loopGain} ${launchProperties(props.loop_gain ?? {})} ` +
        `! rglimiter ! level name=${EL.loopLevel} interval=${LEVEL_SLOW_NS} post-messages=true ! ${sink.launch}`,
    );
    devices.push(...sink.devices);
  }
  // With no output left the far end is still decoded and measured (and RTCP keeps flowing).
  if (branches.length === 0) branches.push(`${queue} ! fakesink sync=false async=false`);
  return { launch: [head, ...branches].join(' '), devices };
}

/**
 * Speech band (IEC 60118-4: 100 Hz..5 kHz), then a compressor that brings quiet and loud
 * talkers to one level, then the calibration gain to the reference level.
 *
 * The compressor is webrtcdsp with only its gain control on (adaptive digital gain with a
 * limiter), the library that already processes the microphone. Measured here (bench:audio):
 * one stage lifts a -45 dBFS talker by about 11 dB and leaves a -15 dBFS one alone, whatever
 * its target/compression properties say (webrtc-audio-processing 0.3); two stages in series
 * bring a 30 dB spread of talkers within about 7 dB, settling near LOOP_COMPRESSOR_OUTPUT_DBFS.
 */
export function loopShaping(loop: LoopOutputSetting): string {
  const reference = intValue(loop.referenceLevelDbfs, -40, -6, 'loop reference level');
  const boost = intValue(loop.maxBoostDb, 0, 40, 'loop maximum boost');
  const agc = (name: string) =>
    `webrtcdsp name=${name} echo-cancel=false noise-suppression=false high-pass-filter=false gain-control=true ` +
    `gain-control-mode=adaptive-digital target-level-dbfs=3 compression-gain-db=${boost} limiter=true`;
  const calibration = 10 ** ((Number(reference) - LOOP_COMPRESSOR_OUTPUT_DBFS) / 20);
  return (
    `audiocheblimit mode=high-pass cutoff=${LOOP_HIGH_PASS_HZ} poles=4 ! audiocheblimit mode=low-pass cutoff=${LOOP_LOW_PASS_HZ} poles=8 ` +
    `! audioconvert ! ${DSP_CAPS} ! ${agc(EL.loopCompressor)} ! ${agc(`${EL.loopCompressor}_2`)} ! audioconvert ! ${FLOAT_CAPS} ` +
    `! volume name=${EL.loopReference} volume=${calibration.toFixed(6)}`
  );
}

/** Speech level (active RMS, dBFS) the two compressor stages settle at; the reference gain is set against it. */
export const LOOP_COMPRESSOR_OUTPUT_DBFS = -16;

/** The device (or file, or meter) at the end of an output branch, fed S16 or F32 48 kHz mono. */
export function outputSink(sink: AudioSinkSetting, name: string, what: string): Fragment {
  switch (sink.kind) {
    case 'alsa':
      return {
        launch: `audioconvert ! alsasink name=${name} device=${deviceValue(sink.device, what)} buffer-time=40000 latency-time=10000`,
        devices: [name],
      };
    case 'file':
      return {
        launch: `audioconvert ! ${DSP_CAPS} ! wavenc ! filesink name=${name} location=${pathValue(sink.path, `${what} output`)} sync=false async=false`,
        devices: [],
      };
    case 'meter':
      return { launch: `fakesink name=${name} sync=false async=false`, devices: [] };
    case 'room':
      return {
        // ts-offset: the room hears the speaker 20 ms after it is sent, like a device buffer plus a short acoustic path.
        launch: `audioconvert ! ${DSP_CAPS} ! audiobuffersplit output-buffer-duration=1/100 ! udpsink name=${name} host=127.0.0.1 port=${portValue(sink.port)} sync=true ts-offset=${SIM_ROOM_DELAY_NS} async=false`,
        devices: [],
      };
  }
}
