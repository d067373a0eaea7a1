/**
 * Launch strings for one call, built from the negotiated session and the device settings. Pure.
 *
 * Each negotiated stream gets a send pipeline and/or a receive pipeline (by its direction):
 *   send:    capture ! encode ! pay ! rtpbin ! srtpenc ! udpsink  (+ RTCP SR ! srtpenc ! udpsink)
 *   receive: udpsrc ! rtpssrcdemux ! capssetter ! srtpdec ! rtpbin ! depay ! decode ! output
 *            udpsrc(RTCP) ! srtpdec ! rtpbin;  rtpbin RTCP RR/PLI ! srtpenc ! udpsink
 * Send and receive are separate pipelines (one launch line with both stalled in tests).
 * rtpssrcdemux is there for SRTP: it adds the far end's SSRC to the caps, the only way srtpdec
 * takes its key from caps without its request-key signal (which this binding cannot answer).
 */
import { ApplianceError } from '../../core/errors.js';
import type { Codec, MediaKind, NegotiatedSession, NegotiatedStream, SrtpParams } from '../../core/media-types.js';
import { DEFAULT_CONTROLS, type Controls } from '../../core/controls.js';
import { echoReferenceInput, farEndChain, micChain } from './audio-chains.js';
import { controlProperties } from './audio-controls.js';
import {
  EL,
  heartbeat,
  opusDecoder,
  opusEncoder,
  videoDecoder,
  videoEncoder,
  videoSink,
  videoSource,
} from './media-fragments.js';
import { hostValue, intValue, payloadTypeValue, portValue } from './launch-values.js';
import { DEFAULT_AUDIO_PROCESSING, DEFAULT_JITTER_BUFFER_MS, defaultVideoFormat, type MediaDeviceSettings } from './media-settings.js';
import { srtpCapsFields, srtpEncProperties } from './srtp-launch.js';

export type PipelineRole = 'send' | 'receive';
export type PipelineId = `${MediaKind}-${PipelineRole}`;

export interface PipelineSpec {
  id: PipelineId;
  launch: string;
  /** Elements that open hardware: a failure there is E_MEDIA_DEVICE, anything else E_MEDIA_PIPELINE. */
  deviceElements: string[];
  /** The level element whose messages measure this pipeline's audio (mic or far end). */
  levelElement: string | null;
  /** Audio outputs this pipeline plays to (receive audio only). */
  outputs: AudioOutput[];
  /** The basesink counting rendered video frames (receive video only). */
  frameSink: string | null;
  /** A file sink must see EOS before stop so its header (WAV sizes) is written. */
  finalizeWithEos: boolean;
}

export interface BuildOptions {
  /** Local sockets are bound here ('0.0.0.0' receives on every interface). */
  bindAddress: string;
  /** Add a heartbeat branch to pipelines that may post nothing (needed with a small libuv threadpool). */
  heartbeat: boolean;
  /** Controls the pipeline starts with (default: DEFAULT_CONTROLS); the engine updates running elements. */
  controls?: Controls;
  /**
   * Name of the speaker's webrtcechoprobe, process-wide unique (webrtcdsp finds its probe by
   * name among every probe in the process). Default 'echo_probe'.
   */
  echoProbe?: string;
  /** 127.0.0.1 port carrying the speaker's signal to the canceller's probe (see audio-chains echoReferenceInput); absent: no echo cancellation. */
  echoReferencePort?: number;
  /** Audio devices found missing or failed: the call goes on without them. */
  missingOutputs?: ReadonlySet<AudioDevice>;
  /** Echo test call: mix the probe tone into the microphone (audio-chains micChain). */
  echoTestProbe?: boolean;
}

export type AudioOutput = 'speaker' | 'loop';
export type AudioDevice = AudioOutput | 'microphone';

const RECV_SOCKET_BUFFER = 1 << 20;

/** All pipelines for a session: at most one stream per kind is used (the first). */
export function buildSessionPipelines(
  session: NegotiatedSession,
  settings: MediaDeviceSettings,
  options: BuildOptions,
): PipelineSpec[] {
  const specs: PipelineSpec[] = [];
  const audio = session.streams.find((s) => s.kind === 'audio');
  const playsSpeaker =
    audio !== undefined && audio.remote.rtpPort !== 0 && receives(audio) && !options.missingOutputs?.has('speaker') && options.echoReferencePort !== undefined;
  for (const kind of ['audio', 'video'] as const) {
    const stream = session.streams.find((s) => s.kind === kind);
    if (stream === undefined || stream.remote.rtpPort === 0) continue;
    if (sends(stream) && (kind === 'audio' ? !options.missingOutputs?.has('microphone') : settings.videoSource !== null)) {
      specs.push(buildSendPipeline(stream, settings, { ...options, echoProbe: playsSpeaker ? echoProbeName(options) : null }));
    }
    if (receives(stream)) specs.push(buildReceivePipeline(stream, settings, options));
  }
  return specs;
}

export function sends(stream: NegotiatedStream): boolean {
  return stream.direction === 'sendrecv' || stream.direction === 'sendonly';
}

export function receives(stream: NegotiatedStream): boolean {
  return stream.direction === 'sendrecv' || stream.direction === 'recvonly';
}

function echoProbeName(options: Pick<BuildOptions, 'echoProbe'>): string {
  return options.echoProbe ?? 'echo_probe';
}

export interface SendBuildOptions extends Pick<BuildOptions, 'heartbeat' | 'controls' | 'echoTestProbe' | 'echoReferencePort'> {
  /** The speaker's echo probe for the canceller; null or absent: echo cancellation off. */
  echoProbe?: string | null;
}

export function buildSendPipeline(stream: NegotiatedStream, settings: MediaDeviceSettings, options: SendBuildOptions): PipelineSpec {
  assertCodec(stream.kind, stream.codec);
  const format = settings.videoFormat ?? defaultVideoFormat(settings.mode);
  const controls = options.controls ?? DEFAULT_CONTROLS;
  const source =
    stream.kind === 'audio'
      ? micChain(settings.audioSource, {
          processing: settings.audioProcessing ?? DEFAULT_AUDIO_PROCESSING,
          echoProbe: options.echoProbe ?? null,
          controls,
          echoTestProbe: options.echoTestProbe ?? false,
        })
      : videoSourceOrThrow(settings, format, controls);
  const encoder = stream.kind === 'audio' ? opusEncoder(stream.codec) : videoEncoder(stream.codec, settings, format);
  const host = hostValue(stream.remote.address);
  const rtpOut = `udpsink name=rtp_out host=${host} port=${portValue(stream.remote.rtpPort)} sync=false async=false`;
  const rtcpOut = `udpsink name=rtcp_out host=${host} port=${portValue(stream.remote.rtcpPort)} sync=false async=false`;
  const parts = [`rtpbin name=rtpbin`, `${source.launch} ! ${encoder} ! rtpbin.send_rtp_sink_0`];
  if (stream.kind === 'audio' && options.echoProbe && options.echoReferencePort !== undefined) {
    parts.push(echoReferenceInput(options.echoReferencePort, options.echoProbe));
  }
  if (stream.srtp) {
    parts.push(
      `srtpenc name=srtp_enc ${srtpEncProperties(stream.srtp.tx)}`,
      `rtpbin.send_rtp_src_0 ! srtp_enc.rtp_sink_0`,
      `srtp_enc.rtp_src_0 ! ${rtpOut}`,
      `rtpbin.send_rtcp_src_0 ! srtp_enc.rtcp_sink_0`,
      `srtp_enc.rtcp_src_0 ! ${rtcpOut}`,
    );
  } else {
    parts.push(`rtpbin.send_rtp_src_0 ! ${rtpOut}`, `rtpbin.send_rtcp_src_0 ! ${rtcpOut}`);
  }
  // The mic level posts continuously; a video-only send pipeline needs the heartbeat instead.
  if (stream.kind === 'video' && options.heartbeat) parts.push(heartbeat());
  return {
    id: `${stream.kind}-send`,
    launch: parts.join(' '),
    deviceElements: source.devices,
    levelElement: stream.kind === 'audio' ? EL.micLevel : null,
    outputs: [],
    frameSink: null,
    finalizeWithEos: false,
  };
}

export function buildReceivePipeline(
  stream: NegotiatedStream,
  settings: MediaDeviceSettings,
  options: BuildOptions,
): PipelineSpec {
  assertCodec(stream.kind, stream.codec);
  const latency = intValue(settings.jitterBufferMs ?? DEFAULT_JITTER_BUFFER_MS, 0, 2000, 'jitter buffer');
  const bind = hostValue(options.bindAddress);
  const rtpCaps = rtpCapsFields(stream.kind, stream.codec);
  const rtpIn = `udpsrc name=rtp_in address=${bind} port=${portValue(stream.local.rtpPort)} buffer-size=${RECV_SOCKET_BUFFER}`;
  const rtcpIn = `udpsrc name=rtcp_in address=${bind} port=${portValue(stream.local.rtcpPort)}`;
  const rtcpOut = `udpsink name=rtcp_out host=${hostValue(stream.remote.address)} port=${portValue(stream.remote.rtcpPort)} sync=false async=false`;
  const parts = [`rtpbin name=rtpbin latency=${latency} drop-on-latency=true do-lost=true`];
  if (stream.srtp) {
    parts.push(...srtpReceiveTransport(rtpIn, rtcpIn, rtcpOut, rtpCaps, stream.srtp));
  } else {
    parts.push(
      `${rtpIn} caps="application/x-rtp, ${rtpCaps}" ! rtpbin.recv_rtp_sink_0`,
      `${rtcpIn} caps="application/x-rtcp" ! rtpbin.recv_rtcp_sink_0`,
      `rtpbin.send_rtcp_src_0 ! ${rtcpOut}`,
    );
  }
  if (stream.kind === 'audio') {
    const missing = options.missingOutputs ?? new Set<AudioDevice>();
    const speaker = missing.has('speaker') ? null : settings.audioSink;
    const loop = missing.has('loop') ? null : settings.loop ?? null;
    const chain = farEndChain({
      speaker,
      loop,
      echoReferencePort: speaker && options.echoReferencePort !== undefined ? options.echoReferencePort : null,
      controls: options.controls ?? DEFAULT_CONTROLS,
    });
    parts.push(`rtpbin. ! ${opusDecoder()} ! ${chain.launch}`);
    if (options.heartbeat) parts.push(heartbeat());
    const outputs: AudioOutput[] = [];
    if (speaker) outputs.push('speaker');
    if (loop) outputs.push('loop');
    return {
      id: 'audio-receive',
      launch: parts.join(' '),
      deviceElements: chain.devices,
      levelElement: EL.farLevel,
      outputs,
      frameSink: null,
      finalizeWithEos: speaker?.kind === 'file' || loop?.sink.kind === 'file',
    };
  }
  const sink = videoSink(settings.videoSink);
  parts.push(`rtpbin. ! ${videoDecoder(stream.codec)} ! ${sink.launch}`);
  if (options.heartbeat) parts.push(heartbeat());
  return {
    id: 'video-receive',
    launch: parts.join(' '),
    deviceElements: sink.devices,
    levelElement: null,
    outputs: [],
    frameSink: sink.frameSink,
    finalizeWithEos: false,
  };
}

function srtpReceiveTransport(
  rtpIn: string,
  rtcpIn: string,
  rtcpOut: string,
  rtpCaps: string,
  srtp: { tx: SrtpParams; rx: SrtpParams },
): string[] {
  return [
    // udpsrc must announce application/x-rtp for rtpssrcdemux; capssetter renames it for srtpdec.
    // max-streams=1: launch syntax links only the first SSRC's pad, and a packet of any other
    // SSRC (a stray or forged packet) would hit an unlinked pad and stop the pipeline.
    `${rtpIn} caps="application/x-rtp, ${rtpCaps}, ${srtpCapsFields(srtp.rx)}" ! rtpssrcdemux name=ssrc_demux max-streams=1 ` +
      `! capssetter join=false caps="application/x-srtp" ! ${EL.srtpDec}.rtp_sink`,
    `srtpdec name=${EL.srtpDec} ${EL.srtpDec}.rtp_src ! rtpbin.recv_rtp_sink_0`,
    `${rtcpIn} caps="application/x-srtcp" ! ${EL.srtpDec}.rtcp_sink`,
    `${EL.srtpDec}.rtcp_src ! rtpbin.recv_rtcp_sink_0`,
    `srtpenc name=srtp_enc ${srtpEncProperties(srtp.tx)}`,
    `rtpbin.send_rtcp_src_0 ! srtp_enc.rtcp_sink_0`,
    `srtp_enc.rtcp_src_0 ! ${rtcpOut}`,
  ];
}

function rtpCapsFields(kind: MediaKind, codec: Codec): string {
  return (
    `media=(string)${kind}, payload=(int)${payloadTypeValue(codec.payloadType)}, ` +
    `clock-rate=(int)${codec.name === 'opus' ? 48000 : 90000}, encoding-name=(string)${codec.name === 'opus' ? 'OPUS' : codec.name}`
  );
}

function assertCodec(kind: MediaKind, codec: Codec): void {
  const ok = kind === 'audio' ? codec.name === 'opus' : codec.name === 'H264' || codec.name === 'VP8';
  if (!ok) throw new ApplianceError('E_CODEC_UNSUPPORTED', `Cannot run ${codec.name} as ${kind}`, { kind, codec: codec.name });
}

function videoSourceOrThrow(settings: MediaDeviceSettings, format: ReturnType<typeof defaultVideoFormat>, controls: Controls) {
  if (settings.videoSource === null) throw new ApplianceError('E_MEDIA_DEVICE', 'No camera configured');
  return videoSource(settings.videoSource, format, controls.cameraPrivate ? controlProperties(controls).camera_privacy : {});
}
