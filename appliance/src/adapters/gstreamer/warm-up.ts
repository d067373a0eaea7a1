/**
 * The engine's start(): create (never play) one element of every factory a call will need, so
 * the plugins are loaded before the first call and a missing plugin is reported at boot.
 * Creating an element opens no device (v4l2src and alsasrc open on NULL->READY); libcamerasrc
 * is left out because its camera manager starts with the element.
 */
import { ApplianceError } from '../../core/errors.js';
import type { GstBinding } from './gst-binding.js';
import type { MediaDeviceSettings } from './media-settings.js';

const COMMON = [
  'rtpbin', 'rtpssrcdemux', 'capssetter', 'srtpenc', 'srtpdec', 'udpsrc', 'udpsink',
  'audiotestsrc', 'audioconvert', 'audioresample', 'level', 'fakesink',
  'opusenc', 'opusdec', 'rtpopuspay', 'rtpopusdepay',
  'webrtcdsp', 'webrtcechoprobe', 'tee', 'queue', 'volume', 'rglimiter', 'audiocheblimit', 'audiobuffersplit', 'audiomixer', 'audioecho',
  'videoconvert', 'videoscale', 'videorate', 'videobalance',
  'rtph264pay', 'rtph264depay', 'h264parse', 'avdec_h264', 'vp8enc', 'vp8dec', 'rtpvp8pay', 'rtpvp8depay',
];

export function warmUpFactories(settings: MediaDeviceSettings): string[] {
  const list = [...COMMON, settings.h264Encoder === 'openh264' ? 'openh264enc' : 'x264enc'];
  if (settings.audioSource.kind === 'alsa') list.push('alsasrc');
  if (settings.audioSource.kind === 'wav') list.push('filesrc', 'wavparse', 'identity');
  if (settings.videoSource?.kind === 'test-pattern') list.push('videotestsrc');
  if (settings.videoSource?.kind === 'v4l2') list.push('v4l2src');
  const outputs = [settings.audioSink.kind, settings.loop?.sink.kind];
  if (outputs.includes('alsa')) list.push('alsasink');
  if (outputs.includes('file')) list.push('wavenc', 'filesink');
  const sink = settings.videoSink.kind;
  if (sink === 'kms') list.push('kmssink');
  if (sink === 'wayland') list.push('waylandsink');
  if (sink === 'auto') list.push('autovideosink');
  if (sink === 'counter') list.push('tee', 'queue', 'jpegenc', 'multifilesink');
  return list;
}

/** Loads the plugins; throws E_MEDIA_PIPELINE naming a missing element. The NULL pipeline is left to the binding. */
export function warmUp(binding: GstBinding, settings: MediaDeviceSettings): void {
  try {
    new binding.Pipeline(warmUpFactories(settings).join(' '));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ApplianceError('E_MEDIA_PIPELINE', `GStreamer is missing a plugin: ${message}`, {}, { cause: e });
  }
}
