/** Device settings the pipeline builders combine with a negotiated session. Plain data from config. */

export type AudioSourceSetting =
  | { kind: 'test-tone'; freqHz: number }
  | { kind: 'alsa'; device: string }
  /** Sim and tests: a 16-bit WAV recording played as the microphone, in real time. */
  | { kind: 'wav'; path: string }
  /** Sim: the microphone of a simulated room that hears the 'room' speaker on the same port (with echo and reverb). */
  | { kind: 'room'; port: number };

export type VideoSourceSetting = { kind: 'test-pattern' } | { kind: 'v4l2'; device: string } | { kind: 'libcamera' };

export type AudioSinkSetting =
  | { kind: 'alsa'; device: string }
  /** Writes the decoded far-end audio to a WAV file (sim and tests). */
  | { kind: 'file'; path: string }
  /** Only measures the level (sim). */
  | { kind: 'meter' }
  /** Sim: plays into a simulated room (raw audio over 127.0.0.1:port) that the 'room' microphone hears. */
  | { kind: 'room'; port: number };

export type VideoSinkSetting =
  | { kind: 'kms' }
  | { kind: 'wayland' }
  | { kind: 'auto' }
  /** Counts decoded frames; with snapshotPath also writes about one JPEG per second there (sim and tests). */
  | { kind: 'counter'; snapshotPath?: string };

export interface VideoFormatSetting {
  width: number;
  height: number;
  framerate: number;
}

export interface MediaDeviceSettings {
  mode: 'sim' | 'pi';
  audioSource: AudioSourceSetting;
  /** null: no camera, the unit only receives video. */
  videoSource: VideoSourceSetting | null;
  audioSink: AudioSinkSetting;
  videoSink: VideoSinkSetting;
  /** Capture format; defaults per mode (see defaultVideoFormat). */
  videoFormat?: VideoFormatSetting;
  /** Software H.264 encoder; x264 by default. */
  h264Encoder?: 'x264' | 'openh264';
  /** Receive jitter buffer, ms (default 80). */
  jitterBufferMs?: number;
  /** Microphone processing (webrtcdsp); default: everything on (DEFAULT_AUDIO_PROCESSING). */
  audioProcessing?: AudioProcessingSetting;
  /** The hearing-loop output; absent or null: no loop branch. */
  loop?: LoopOutputSetting | null;
}

export interface AudioProcessingSetting {
  echoCancel: boolean;
  noiseSuppression: boolean;
  /** Automatic gain control on the microphone. */
  gainControl: boolean;
  highPassFilter: boolean;
  /** Residual echo suppression: higher removes more echo and more of the near talker during double talk. */
  echoSuppression: 'low' | 'moderate' | 'high';
}

/**
 * Gain control is off by default: with webrtc-audio-processing 0.3 it lifts the canceller's
 * residual echo back up (bench:audio, speech in a reverberant room: 5 dB more residual with
 * it; docs/audio.md has the figures). The microphone's level is set once with the ALSA mixer instead.
 */
export const DEFAULT_AUDIO_PROCESSING: AudioProcessingSetting = Object.freeze({
  echoCancel: true,
  noiseSuppression: true,
  gainControl: false,
  highPassFilter: true,
  echoSuppression: 'moderate',
});

export interface LoopOutputSetting {
  sink: AudioSinkSetting;
  /**
   * The speech level (active RMS, dBFS, -40..-6) the loop chain delivers after its compressor.
   * The loop amplifier is calibrated once so that this level gives the IEC 60118-4 reference
   * field strength (400 mA/m); the loop gain control then moves around it.
   */
  referenceLevelDbfs: number;
  /** The compressor's compression-gain-db per stage (0..40). */
  maxBoostDb: number;
}

export const DEFAULT_LOOP_REFERENCE_DBFS = -18;
export const DEFAULT_LOOP_MAX_BOOST_DB = 30;

export function defaultVideoFormat(mode: MediaDeviceSettings['mode']): VideoFormatSetting {
  return mode === 'sim' ? { width: 320, height: 240, framerate: 15 } : { width: 1280, height: 720, framerate: 30 };
}

export const DEFAULT_JITTER_BUFFER_MS = 80;
