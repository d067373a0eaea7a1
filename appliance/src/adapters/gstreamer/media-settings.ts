/** Device settings the pipeline builders combine with a negotiated session. Plain data from config. */

export type AudioSourceSetting = { kind: 'test-tone'; freqHz: number } | { kind: 'alsa'; device: string };

export type VideoSourceSetting = { kind: 'test-pattern' } | { kind: 'v4l2'; device: string } | { kind: 'libcamera' };

export type AudioSinkSetting =
  | { kind: 'alsa'; device: string }
  /** Writes the decoded far-end audio to a WAV file (sim and tests). */
  | { kind: 'file'; path: string }
  /** Only measures the level (sim). */
  | { kind: 'meter' };

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
}

export function defaultVideoFormat(mode: MediaDeviceSettings['mode']): VideoFormatSetting {
  return mode === 'sim' ? { width: 320, height: 240, framerate: 15 } : { width: 1280, height: 720, framerate: 30 };
}

export const DEFAULT_JITTER_BUFFER_MS = 80;
