/**
 * Launch-line fragments for capture, coding and output, one function per concern. Pure.
 * Transport (RTP, SRTP, UDP) is assembled around them in pipeline-builders.ts.
 */
import { ApplianceError } from '../../core/errors.js';
import type { Codec } from '../../core/media-types.js';
import { launchProperties } from './audio-controls.js';
import { deviceValue, intValue, pathValue, payloadTypeValue } from './launch-values.js';
import type {
  MediaDeviceSettings,
  VideoFormatSetting,
  VideoSinkSetting,
  VideoSourceSetting,
} from './media-settings.js';

/** Element names the runner and the engine look up. */
export const EL = {
  mic: 'mic',
  micLevel: 'mic_level',
  farLevel: 'far_level',
  camera: 'camera',
  speaker: 'speaker',
  screen: 'screen',
  frameCounter: 'video_out',
  heartbeat: 'heartbeat',
  srtpDec: 'srtp_dec',
  aec: 'aec',
  micMute: 'mic_mute',
  farTee: 'far_tee',
  speakerVolume: 'speaker_volume',
  speakerLevel: 'speaker_level',
  loop: 'loop',
  loopCompressor: 'loop_compressor',
  loopReference: 'loop_reference',
  loopGain: 'loop_gain',
  loopLevel: 'loop_level',
  cameraPrivacy: 'camera_privacy',
  echoTestProbe: 'echo_test_probe',
} as const;

/**
 * Every bus message costs a threadpool round trip and, with gstreamer-superficial 1.7.4, about
 * 1 KB that is never freed (see gst-binding.ts), so levels are posted no faster than needed:
 * the far end fast until the first audio is heard (the engine then slows it), the mic at 4 Hz.
 */
export const FAR_LEVEL_FAST_NS = 50_000_000;
export const LEVEL_SLOW_NS = 250_000_000;
/** Far-end meter during an echo test call: fine enough to tell the probe's first return from its second. */
export const FAR_LEVEL_ECHO_TEST_NS = 10_000_000;
const HEARTBEAT_INTERVAL_NS = 250_000_000;

/** A fragment plus what the runner must know about it. */
export interface Fragment {
  launch: string;
  /** Elements that open hardware: their failures are E_MEDIA_DEVICE. */
  devices: string[];
}

/** Opus encoder + payloader. fmtp useinbandfec/maxaveragebitrate are honoured. */
export function opusEncoder(codec: Codec): string {
  const fec = codec.fmtp['useinbandfec'] === '1';
  const maxBitrate = Number(codec.fmtp['maxaveragebitrate'] ?? 32000);
  const bitrate = Math.min(Math.max(Number.isFinite(maxBitrate) ? maxBitrate : 32000, 6000), 64000);
  return (
    `opusenc frame-size=20 bitrate=${bitrate} audio-type=voice dtx=false inband-fec=${fec}` +
    `${fec ? ' packet-loss-percentage=5' : ''} ! rtpopuspay pt=${payloadTypeValue(codec.payloadType)}`
  );
}

export function opusDecoder(): string {
  return 'rtpopusdepay ! opusdec plc=true use-inband-fec=true';
}

/** Camera capture, then a videobalance that turns the picture black for privacy (a passthrough otherwise). */
export function videoSource(src: VideoSourceSetting, format: VideoFormatSetting, privacy: Record<string, number | boolean> = {}): Fragment {
  const capture =
    src.kind === 'test-pattern'
      ? `videotestsrc name=${EL.camera} is-live=true pattern=ball`
      : src.kind === 'v4l2'
        ? `v4l2src name=${EL.camera} device=${deviceValue(src.device, 'camera')}`
        : `libcamerasrc name=${EL.camera}`;
  const w = intValue(format.width, 16, 3840, 'video width');
  const h = intValue(format.height, 16, 2160, 'video height');
  const fps = intValue(format.framerate, 1, 60, 'video framerate');
  return {
    launch:
      `${capture} ! videoconvert ! videoscale ! videorate ! video/x-raw,format=I420,width=${w},height=${h},framerate=${fps}/1 ` +
      `! videobalance name=${EL.cameraPrivacy}${Object.keys(privacy).length > 0 ? ` ${launchProperties(privacy)}` : ''}`,
    devices: src.kind === 'test-pattern' ? [] : [EL.camera],
  };
}

function videoBitrateKbps(format: VideoFormatSetting): number {
  const pixels = format.width * format.height;
  return pixels >= 1280 * 720 ? 1500 : pixels >= 640 * 480 ? 800 : 300;
}

/** Encoder + payloader for the negotiated video codec; keyframes at least every 2 s. */
export function videoEncoder(codec: Codec, settings: MediaDeviceSettings, format: VideoFormatSetting): string {
  const pt = payloadTypeValue(codec.payloadType);
  const kbps = videoBitrateKbps(format);
  const gop = Math.round(format.framerate * 2);
  if (codec.name === 'H264') {
    const enc =
      settings.h264Encoder === 'openh264'
        ? `openh264enc complexity=low rate-control=bitrate bitrate=${kbps * 1000} gop-size=${gop} usage-type=camera`
        : `x264enc tune=zerolatency speed-preset=ultrafast key-int-max=${gop} bitrate=${kbps}`;
    return (
      `${enc} ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream ` +
      `! rtph264pay pt=${pt} config-interval=-1 aggregate-mode=zero-latency`
    );
  }
  if (codec.name === 'VP8') {
    return (
      `vp8enc deadline=1 cpu-used=8 keyframe-max-dist=${gop} target-bitrate=${kbps * 1000} end-usage=cbr ` +
      `lag-in-frames=0 error-resilient=partitions threads=2 ! rtpvp8pay pt=${pt} picture-id-mode=15-bit`
    );
  }
  throw new ApplianceError('E_CODEC_UNSUPPORTED', `No video encoder for ${codec.name}`, { codec: codec.name });
}

/** Depayloader + decoder; keyframes are requested (RTCP PLI) after loss. */
export function videoDecoder(codec: Codec): string {
  if (codec.name === 'H264') return 'rtph264depay request-keyframe=true wait-for-keyframe=true ! h264parse ! avdec_h264';
  if (codec.name === 'VP8') return 'rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec';
  throw new ApplianceError('E_CODEC_UNSUPPORTED', `No video decoder for ${codec.name}`, { codec: codec.name });
}

export interface VideoSinkFragment extends Fragment {
  /** The basesink whose `stats` count rendered frames; null when it is hidden in a bin. */
  frameSink: string | null;
}

export function videoSink(sink: VideoSinkSetting): VideoSinkFragment {
  switch (sink.kind) {
    case 'kms':
      return { launch: `videoconvert ! kmssink name=${EL.screen} sync=false`, devices: [EL.screen], frameSink: EL.screen };
    case 'wayland':
      // No fullscreen=true: 1.22 logs a CRITICAL when it is set before the window exists; the kiosk compositor makes it fullscreen.
      return { launch: `videoconvert ! waylandsink name=${EL.screen} sync=false`, devices: [EL.screen], frameSink: EL.screen };
    case 'auto':
      return { launch: `videoconvert ! autovideosink name=${EL.screen} sync=false`, devices: [EL.screen], frameSink: null };
    case 'counter': {
      const counter = `fakesink name=${EL.frameCounter} sync=false async=false`;
      if (sink.snapshotPath === undefined) return { launch: `videoconvert ! ${counter}`, devices: [], frameSink: EL.frameCounter };
      return {
        launch:
          // Not videorate: it asserts (aborts the process) on decoded frames without duration.
          `videoconvert ! tee name=video_tee ! queue ! ${counter} video_tee. ! queue leaky=downstream max-size-buffers=2 ` +
          `! jpegenc quality=60 ! multifilesink location=${pathValue(sink.snapshotPath, 'snapshot')} throttle-time=1000000000 sync=false async=false`,
        devices: [],
        frameSink: EL.frameCounter,
      };
    }
  }
}

/**
 * A silent live branch whose level messages keep the pipeline's bus busy. The binding pops
 * each bus on a libuv threadpool thread that blocks until a message arrives; a pipeline that
 * posts nothing (no packets yet) holds that thread, and with the default pool of four, four
 * such pipelines starve it (fs, dns, other buses) for good. Only used when the pool is small
 * (see BuildOptions.heartbeat), and not where a mic level already posts all the time.
 */
export function heartbeat(): string {
  return (
    `audiotestsrc name=heartbeat_src is-live=true wave=silence samplesperbuffer=800 ! audio/x-raw,rate=8000,channels=1 ` +
    `! level name=${EL.heartbeat} interval=${HEARTBEAT_INTERVAL_NS} post-messages=true ! fakesink sync=false async=false`
  );
}
