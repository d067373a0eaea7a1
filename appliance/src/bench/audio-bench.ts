/**
 * npm run bench:audio — the unit's audio chains measured on speech made on this machine
 * (espeak-ng, several voices) in a room simulated with sox. Prints a table and writes
 * bench-results/audio.json. Figures, not pass/fail; targets are printed next to them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_CONTROLS } from '../core/controls.js';
import { DSP_CAPS, dspElement, farEndChain } from '../adapters/gstreamer/audio-chains.js';
import { DEFAULT_AUDIO_PROCESSING, DEFAULT_JITTER_BUFFER_MS, type AudioProcessingSetting } from '../adapters/gstreamer/media-settings.js';
import { JITTER_MAX_MS, JITTER_MIN_MS } from '../adapters/gstreamer/jitter-target.js';
import { convergenceS, erleSeries, framePowers, maskedRatioDb, meanErleDb, parseWav16, toneDb, type Pcm } from './audio-analysis.js';
import { LATENCY_TRACER_ENV, elementLatenciesMs, runGstLaunch } from './audio-gst-run.js';
import { concat, echoOf, gain, mix, noise, place, silence, speech, steppedSweep } from './audio-room.js';
import { runEcho, runFarEnd, BENCH_LOOP } from './audio-scenarios.js';
import { median, round1 } from './stats.js';

const FRAME_S = 0.02;
/** ERLE is followed over 0.5 s windows. */
const ERLE_WINDOW_FRAMES = 25;
const SCENE_S = 14;
const FAR_START_S = 0.5;
const NEAR_START_S = 7;
/** Echo frames quieter than this carry no echo worth measuring (the echo itself is about -30 dBFS). */
const ECHO_ACTIVE_DB = -55;
/** ERLE is measured as the canceller is set up in a call, without the AGC (which would lift the residual it is judged on). */
const ERLE_PROCESSING: AudioProcessingSetting = { ...DEFAULT_AUDIO_PROCESSING, gainControl: false };
const SWEEP_HZ = [100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000];
const SWEEP_STEP_S = 0.5;
const SWEEP_SETTLE_S = 1.5;
const TALKER_DBFS = [-45, -35, -25, -15];
const TALKER_S = 10;
/** ALSA playback buffer of the speaker (audio-chains.ts: buffer-time 40 ms, 10 ms periods): what is queued ahead of the sample played. */
const ALSA_PLAYBACK_QUEUE_MS = 30;
const LIVE_RUN_S = 10;

const FAR_TEXT_DA = 'Goddag, det er hjemmeplejen fra kommunen. Vi vil gerne tale om, hvordan det skal gå, når du kommer hjem i næste uge.';
const FAR_TEXT_EN = 'The general practitioner will visit on Tuesday morning, and the nurse will call the day before.';
const NEAR_TEXT = 'Ja, jeg kan godt høre jer. Min datter kommer på tirsdag.';
const TALKER_TEXT = 'Hvornår kommer sygeplejersken, og hvem skal jeg ringe til, hvis der er noget?';

interface AudioBenchResult {
  erle_db: number;
  erle_db_aec_off: number;
  convergence_s: number | null;
  doubletalk_attenuation_db: number;
  loop_response_min_db: number;
  loop_response_max_db: number;
  compressor_output_range_db: number;
  latency_capture_ms: number;
  latency_playout_ms: number;
  cpu_ms_per_audio_s: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audio-'));
  try {
    const t0 = performance.now();
    // --- signals -------------------------------------------------------------------------
    const farSpeech = concat(dir, 'far-speech', [speech(dir, 'far-da', 'da', FAR_TEXT_DA), speech(dir, 'far-en', 'en-us', FAR_TEXT_EN)]);
    const far = place(dir, 'far', farSpeech, FAR_START_S, SCENE_S);
    const echo = echoOf(dir, 'echo', far, SCENE_S);
    const bg = noise(dir, 'noise', SCENE_S, -62);
    const near = place(dir, 'near', speech(dir, 'near-raw', 'da+f3', NEAR_TEXT, -6), NEAR_START_S, SCENE_S);
    const micSingle = mix(dir, 'mic-single', [echo, bg]);
    const micDouble = mix(dir, 'mic-double', [echo, bg, near]);
    const micNear = mix(dir, 'mic-near', [bg, near]);
    const farSilent = silence(dir, 'far-silent', SCENE_S);
    const sweep = concat(dir, 'sweep-all', [
      steppedSweep(dir, 'sweep-settle', [1000], SWEEP_SETTLE_S, -24),
      steppedSweep(dir, 'sweep', SWEEP_HZ, SWEEP_STEP_S, -24),
    ]);
    const talkerClip = speech(dir, 'talker', 'en-gb+m3', TALKER_TEXT);
    const talkerPcm = parseWav16(readFileSync(talkerClip));
    const talkerRms = activeRmsDb(talkerPcm);
    const talkers = concat(
      dir,
      'talkers',
      TALKER_DBFS.map((level, i) => place(dir, `talker-${i}`, gain(dir, `talker-g${i}`, talkerClip, level - talkerRms), 0.2, TALKER_S)),
    );

    // --- phase 1: echo canceller and loop chain, paced in real time, in parallel --------------
    const [aecOn, aecOff, doubleTalk, nearOnly, loopSweep, loopTalkers] = await Promise.all([
      runEcho(far, micSingle, join(dir, 'out-aec-on.wav'), ERLE_PROCESSING),
      runEcho(far, micSingle, join(dir, 'out-aec-off.wav'), { ...ERLE_PROCESSING, echoCancel: false }),
      runEcho(far, micDouble, join(dir, 'out-double.wav'), ERLE_PROCESSING),
      runEcho(farSilent, micNear, join(dir, 'out-near.wav'), ERLE_PROCESSING),
      runFarEnd(sweep, { loop: join(dir, 'loop-sweep.wav') }),
      runFarEnd(talkers, { loop: join(dir, 'loop-talkers.wav') }),
    ]);

    const echoP = framePowers(parseWav16(readFileSync(echo)), FRAME_S);
    const micP = framePowers(parseWav16(readFileSync(micSingle)), FRAME_S);
    const onP = framePowers(aecOn.pcm, FRAME_S);
    const series = erleSeries(micP, onP, echoP, FRAME_S, ERLE_WINDOW_FRAMES, ECHO_ACTIVE_DB);
    const converged = convergenceS(series, 15, 1);
    // From the first echo to the end of the first window that holds 15 dB.
    const onset = echoP.findIndex((p) => p >= 10 ** (ECHO_ACTIVE_DB / 10)) * FRAME_S;
    const convergence = converged === null ? null : Math.max(0, converged + ERLE_WINDOW_FRAMES * FRAME_S - onset);
    const erleFrom = onset + Math.max(3, convergence ?? 3);
    const erle = meanErleDb(micP, onP, echoP, FRAME_S, erleFrom, ECHO_ACTIVE_DB);
    const erleOff = meanErleDb(micP, framePowers(aecOff.pcm, FRAME_S), echoP, FRAME_S, erleFrom, ECHO_ACTIVE_DB);

    // Near talker while the far end talks, against the same near talker alone (far end silent).
    const nearP = framePowers(parseWav16(readFileSync(near)), FRAME_S);
    const overlap = nearP.map((p, i) => ((echoP[i] ?? 0) > 10 ** (ECHO_ACTIVE_DB / 10) ? p : 0));
    const doubletalk = maskedRatioDb(framePowers(nearOnly.pcm, FRAME_S), framePowers(doubleTalk.pcm, FRAME_S), overlap, -50);

    const loop = loopSweep.loop!;
    const stepLevel = (i: number) => toneDb(loop, SWEEP_HZ[i]!, SWEEP_SETTLE_S + i * SWEEP_STEP_S + 0.1, SWEEP_STEP_S - 0.2);
    const ref = stepLevel(SWEEP_HZ.indexOf(1000));
    const response = SWEEP_HZ.map((f, i) => ({ f, db: stepLevel(i) - ref }));
    const talkerOut = TALKER_DBFS.map((_, i) => activeRmsDb(loopTalkers.loop!, i * TALKER_S + TALKER_S / 2, TALKER_S / 2));

    // --- phase 2: latency (GStreamer's latency tracer) and CPU, live sources -----------------
    const capture = captureLaunch(true, LIVE_RUN_S);
    const playout = playoutLaunch(true, LIVE_RUN_S);
    const [capLat, playLat, capCpu, playCpu, capBase, playBase] = await Promise.all([
      runGstLaunch(captureLaunch(true, 3), { env: LATENCY_TRACER_ENV }),
      runGstLaunch(playoutLaunch(true, 3, false), { env: LATENCY_TRACER_ENV }),
      runGstLaunch(capture),
      runGstLaunch(playout),
      runGstLaunch(captureLaunch(false, LIVE_RUN_S)),
      runGstLaunch(playoutLaunch(false, LIVE_RUN_S)),
    ]);
    const capProcessing = sumMedians(elementLatenciesMs(capLat.stderr), ['mic_src']);
    const playProcessing = sumMedians(elementLatenciesMs(playLat.stderr), ['far_src', 'far_enc', 'far_pay']);
    // Declared buffering: one 20 ms Opus frame (the capture period lies within it) and the ALSA playback queue.
    const latencyCapture = 20 + capProcessing;
    const latencyPlayout = playProcessing + ALSA_PLAYBACK_QUEUE_MS;
    const cpuPerS = (capCpu.cpuMs + playCpu.cpuMs) / LIVE_RUN_S;
    const cpuBasePerS = (capBase.cpuMs + playBase.cpuMs) / LIVE_RUN_S;

    const result: AudioBenchResult = {
      erle_db: round1(erle),
      erle_db_aec_off: round1(erleOff),
      convergence_s: convergence === null ? null : Math.round(convergence * 100) / 100,
      doubletalk_attenuation_db: round1(doubletalk),
      loop_response_min_db: round1(Math.min(...response.map((r) => r.db))),
      loop_response_max_db: round1(Math.max(...response.map((r) => r.db))),
      compressor_output_range_db: round1(Math.max(...talkerOut) - Math.min(...talkerOut)),
      latency_capture_ms: round1(latencyCapture),
      latency_playout_ms: round1(latencyPlayout),
      cpu_ms_per_audio_s: round1(cpuPerS),
    };
    const details = {
      erle_from_s: erleFrom,
      loop_response_db: Object.fromEntries(response.map((r) => [r.f, round1(r.db)])),
      compressor_input_dbfs: TALKER_DBFS,
      compressor_output_dbfs: talkerOut.map(round1),
      latency_capture_processing_ms: round1(capProcessing),
      latency_playout_processing_ms: round1(playProcessing),
      jitter_buffer_ms: { initial: DEFAULT_JITTER_BUFFER_MS, adaptive_min: JITTER_MIN_MS, adaptive_max: JITTER_MAX_MS, rule: '4 x average jitter + 40 ms' },
      cpu_ms_per_audio_s_codec_only_baseline: round1(cpuBasePerS),
      cpu_ratio_vs_codec_only: round1(cpuPerS / cpuBasePerS),
      machine_cpus: (await import('node:os')).cpus().length,
      bench_wall_s: round1((performance.now() - t0) / 1000),
    };
    const outDir = resolve(process.env.BENCH_OUT ?? join(process.cwd(), '..', 'bench-results'));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'audio.json'), `${JSON.stringify({ ...result, details }, null, 2)}\n`);
    printTable(result, details);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RMS of the frames within 30 dB of the loudest (speech, not the pauses), dBFS. */
function activeRmsDb(pcm: Pcm, startS = 0, lenS = pcm.samples.length / pcm.rate): number {
  const slice: Pcm = { rate: pcm.rate, samples: pcm.samples.subarray(Math.floor(startS * pcm.rate), Math.floor((startS + lenS) * pcm.rate)) };
  const p = framePowers(slice, FRAME_S);
  const peak = Math.max(...p);
  const active = [...p].filter((x) => x >= peak / 1000);
  return 10 * Math.log10(active.reduce((a, b) => a + b, 0) / Math.max(1, active.length));
}

/** The microphone chain of a call, from a live 10 ms source to RTP packets (echo probe fed by a second live source). */
function captureLaunch(processing: boolean, seconds: number): string {
  const probe = `bench_cap_probe_${process.pid}`;
  const dsp = processing ? `! ${dspElement(DEFAULT_AUDIO_PROCESSING, probe)} ` : '';
  const probeBranch = processing
    ? `audiotestsrc is-live=true wave=pink-noise volume=0.1 samplesperbuffer=480 num-buffers=${seconds * 100} ! ${DSP_CAPS} ! webrtcechoprobe name=${probe} ! fakesink sync=false async=false `
    : '';
  return (
    probeBranch +
    `audiotestsrc name=mic_src is-live=true wave=pink-noise volume=0.1 samplesperbuffer=480 num-buffers=${seconds * 100} ! audioconvert ! audioresample ! ${DSP_CAPS} ` +
    `${dsp}! level interval=250000000 ! volume ! opusenc frame-size=20 bitrate=32000 audio-type=voice ! rtpopuspay ! fakesink sync=false async=false`
  );
}

/** The far-end chain of a call from RTP packets to the outputs (speaker with echo probe, and the loop). */
function playoutLaunch(processing: boolean, seconds: number, withLoop = true, withEchoReference = withLoop): string {
  const source =
    `audiotestsrc name=far_src is-live=true wave=pink-noise volume=0.1 samplesperbuffer=960 num-buffers=${seconds * 50} ! audioconvert ! ${DSP_CAPS} ` +
    `! opusenc name=far_enc frame-size=20 bitrate=32000 audio-type=voice ! rtpopuspay name=far_pay ! rtpopusdepay ! opusdec plc=true`;
  if (!processing) return `${source} ! audioconvert ! audioresample ! ${DSP_CAPS} ! fakesink sync=true`;
  const chain = farEndChain({
    speaker: { kind: 'meter' },
    // The echo reference goes to the discard port: the cost of sending it is counted (not in the latency run: a parallel branch).
    echoReferencePort: withEchoReference ? 9 : null,
    loop: withLoop ? BENCH_LOOP : null,
    controls: { ...DEFAULT_CONTROLS, loopEnabled: true },
  });
  return `${source} ! ${chain.launch}`;
}

function sumMedians(latencies: Map<string, number[]>, exclude: string[]): number {
  let sum = 0;
  for (const [name, values] of latencies) {
    if (exclude.includes(name) || name.startsWith('fakesink') || name === 'speaker') continue;
    sum += median(values);
  }
  return sum;
}

function printTable(r: AudioBenchResult, d: Record<string, unknown>): void {
  const rows: [string, string, string][] = [
    ['ERLE after convergence (AEC on)', `${r.erle_db} dB`, '>= 25 dB'],
    ['ERLE, same signal, AEC off', `${r.erle_db_aec_off} dB`, 'baseline'],
    ['convergence to 15 dB ERLE', r.convergence_s === null ? 'never' : `${r.convergence_s} s`, '< 2 s'],
    ['near talker attenuation in double talk', `${r.doubletalk_attenuation_db} dB`, '<= 6 dB'],
    ['loop response 100 Hz-5 kHz vs 1 kHz', `${r.loop_response_min_db} .. ${r.loop_response_max_db} dB`, '+/-3 dB'],
    ['loop output range for 30 dB of talkers', `${r.compressor_output_range_db} dB`, 'small'],
    ['latency mic -> packet', `${r.latency_capture_ms} ms`, '< 60 ms'],
    ['latency packet -> speaker (no jitter buffer)', `${r.latency_playout_ms} ms`, '< 60 ms'],
    ['jitter buffer (separate, adaptive)', `${DEFAULT_JITTER_BUFFER_MS} ms (${JITTER_MIN_MS}..${JITTER_MAX_MS})`, 'reported'],
    ['CPU per audio second, whole chain', `${r.cpu_ms_per_audio_s} ms`, `codec only ${String(d['cpu_ms_per_audio_s_codec_only_baseline'])} ms (x${String(d['cpu_ratio_vs_codec_only'])})`],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  process.stdout.write('audio benchmark: espeak-ng speech, sox room (60 ms delay, reverb, overdrive, -62 dBFS pink noise)\n');
  for (const [a, b, c] of rows) process.stdout.write(`  ${a.padEnd(w0)}  ${b.padStart(w1)}   target ${c}\n`);
  process.stdout.write(`  loop response by frequency: ${JSON.stringify(d['loop_response_db'])}\n`);
  process.stdout.write(`  loop output for talkers at ${JSON.stringify(d['compressor_input_dbfs'])} dBFS: ${JSON.stringify(d['compressor_output_dbfs'])} dBFS\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:audio failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
