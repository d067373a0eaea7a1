import { describe, expect, it } from 'vitest';
import type { Codec, NegotiatedSession, NegotiatedStream, SrtpParams } from '../../../src/core/media-types.js';
import {
  buildReceivePipeline,
  buildSendPipeline,
  buildSessionPipelines,
  type PipelineSpec,
} from '../../../src/adapters/gstreamer/pipeline-builders.js';
import type { MediaDeviceSettings } from '../../../src/adapters/gstreamer/media-settings.js';
import { H264, OPUS, VP8 } from '../../../src/adapters/gstreamer/local-codecs.js';
import { isApplianceError } from '../../../src/core/errors.js';
import { loadGstBinding } from '../../../src/adapters/gstreamer/gst-binding.js';
import { warmUp } from '../../../src/adapters/gstreamer/warm-up.js';

const TX: SrtpParams = { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(30).fill(1) };
const RX: SrtpParams = { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(30).fill(2) };
const TX_HEX = '01'.repeat(30);
const RX_HEX = '02'.repeat(30);
const BIND = { bindAddress: '0.0.0.0', heartbeat: true };

const SIM: MediaDeviceSettings = {
  mode: 'sim',
  audioSource: { kind: 'test-tone', freqHz: 1000 },
  videoSource: { kind: 'test-pattern' },
  audioSink: { kind: 'meter' },
  videoSink: { kind: 'counter' },
};

const PI: MediaDeviceSettings = {
  mode: 'pi',
  audioSource: { kind: 'alsa', device: 'plughw:CARD=USB,DEV=0' },
  videoSource: { kind: 'v4l2', device: '/dev/video0' },
  audioSink: { kind: 'alsa', device: 'hw:1,0' },
  videoSink: { kind: 'kms' },
};

function stream(kind: 'audio' | 'video', codec: Codec, over: Partial<NegotiatedStream> = {}): NegotiatedStream {
  const base = kind === 'audio' ? 20000 : 20002;
  return {
    kind,
    codec: { ...codec, fmtp: { ...codec.fmtp } },
    direction: 'sendrecv',
    local: { address: '10.0.0.2', rtpPort: base, rtcpPort: base + 1 },
    remote: { address: '10.0.0.9', rtpPort: base + 10000, rtcpPort: base + 10001 },
    srtp: { tx: TX, rx: RX },
    ...over,
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isApplianceError(e) ? e.code : 'not an ApplianceError';
  }
  return undefined;
}

describe('audio send pipeline', () => {
  it('builds tone -> opus -> rtpbin -> srtpenc -> udpsink, with RTCP through the same srtpenc', () => {
    expect(buildSendPipeline(stream('audio', OPUS), SIM, BIND).launch).toBe(
      'rtpbin name=rtpbin ' +
        'audiotestsrc name=mic is-live=true wave=sine freq=1000 volume=0.3 samplesperbuffer=480 ! audioconvert ! audioresample ' +
        '! audio/x-raw,format=S16LE,rate=48000,channels=1 ! webrtcdsp name=aec echo-cancel=false echo-suppression-level=moderate ' +
        'noise-suppression=true gain-control=false high-pass-filter=true ' +
        '! level name=mic_level interval=250000000 post-messages=true ! volume name=mic_mute mute=false ' +
        '! opusenc frame-size=20 bitrate=32000 audio-type=voice dtx=false inband-fec=true packet-loss-percentage=5 ' +
        '! rtpopuspay pt=111 ! rtpbin.send_rtp_sink_0 ' +
        `srtpenc name=srtp_enc key=${TX_HEX} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 ` +
        'rtpbin.send_rtp_src_0 ! srtp_enc.rtp_sink_0 ' +
        'srtp_enc.rtp_src_0 ! udpsink name=rtp_out host="10.0.0.9" port=30000 sync=false async=false ' +
        'rtpbin.send_rtcp_src_0 ! srtp_enc.rtcp_sink_0 ' +
        'srtp_enc.rtcp_src_0 ! udpsink name=rtcp_out host="10.0.0.9" port=30001 sync=false async=false',
    );
  });

  it('without SRTP sends rtpbin straight to udpsink', () => {
    const launch = buildSendPipeline(stream('audio', OPUS, { srtp: null }), SIM, BIND).launch;
    expect(launch).not.toContain('srtp');
    expect(launch).toContain('rtpbin.send_rtp_src_0 ! udpsink name=rtp_out host="10.0.0.9" port=30000');
    expect(launch).toContain('rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_out host="10.0.0.9" port=30001');
  });

  it('follows the opus fmtp: no FEC when not wanted, maxaveragebitrate clamped', () => {
    const launch = buildSendPipeline(stream('audio', { ...OPUS, payloadType: 109, fmtp: { maxaveragebitrate: '20000' } }), SIM, BIND).launch;
    expect(launch).toContain('opusenc frame-size=20 bitrate=20000 audio-type=voice dtx=false inband-fec=false !');
    expect(launch).toContain('rtpopuspay pt=109');
  });

  it('uses the _32 tag for RTP but 80 bits for RTCP with AES_CM_128_HMAC_SHA1_32', () => {
    const launch = buildSendPipeline(stream('audio', OPUS, { srtp: { tx: { ...TX, suite: 'AES_CM_128_HMAC_SHA1_32' }, rx: RX } }), SIM, BIND).launch;
    expect(launch).toContain('rtp-auth=hmac-sha1-32 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80');
  });

  it('on a pi captures from ALSA and names the microphone a device', () => {
    const spec = buildSendPipeline(stream('audio', OPUS), PI, BIND);
    expect(spec.launch).toContain('alsasrc name=mic device="plughw:CARD=USB,DEV=0" buffer-time=40000 latency-time=10000 ! audioconvert');
    expect(spec.deviceElements).toEqual(['mic']);
    expect(spec.levelElement).toBe('mic_level');
  });
});

describe('audio receive pipeline', () => {
  it('learns the far-end SSRC with rtpssrcdemux so srtpdec takes its key from caps', () => {
    const spec = buildReceivePipeline(stream('audio', OPUS), SIM, BIND);
    expect(spec.launch).toBe(
      'rtpbin name=rtpbin latency=80 drop-on-latency=true do-lost=true ' +
        'udpsrc name=rtp_in address="0.0.0.0" port=20000 buffer-size=1048576 ' +
        'caps="application/x-rtp, media=(string)audio, payload=(int)111, clock-rate=(int)48000, encoding-name=(string)OPUS, ' +
        `srtp-key=(buffer)${RX_HEX}, srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, ` +
        'srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80" ' +
        '! rtpssrcdemux name=ssrc_demux max-streams=1 ! capssetter join=false caps="application/x-srtp" ! srtp_dec.rtp_sink ' +
        'srtpdec name=srtp_dec srtp_dec.rtp_src ! rtpbin.recv_rtp_sink_0 ' +
        'udpsrc name=rtcp_in address="0.0.0.0" port=20001 caps="application/x-srtcp" ! srtp_dec.rtcp_sink ' +
        'srtp_dec.rtcp_src ! rtpbin.recv_rtcp_sink_0 ' +
        `srtpenc name=srtp_enc key=${TX_HEX} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 ` +
        'rtpbin.send_rtcp_src_0 ! srtp_enc.rtcp_sink_0 ' +
        'srtp_enc.rtcp_src_0 ! udpsink name=rtcp_out host="10.0.0.9" port=30001 sync=false async=false ' +
        'rtpbin. ! rtpopusdepay ! opusdec plc=true use-inband-fec=true ! audioconvert ! audioresample ' +
        '! audio/x-raw,format=F32LE,rate=48000,channels=1 ! level name=far_level interval=50000000 post-messages=true ! tee name=far_tee ' +
        'far_tee. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=100000000 leaky=downstream ' +
        '! volume name=speaker_volume volume=0.380189 mute=false ! rglimiter ! audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ' +
        '! level name=speaker_level interval=250000000 post-messages=true ' +
        '! fakesink name=speaker sync=false async=false ' +
        'audiotestsrc name=heartbeat_src is-live=true wave=silence samplesperbuffer=800 ! audio/x-raw,rate=8000,channels=1 ' +
        '! level name=heartbeat interval=250000000 post-messages=true ! fakesink sync=false async=false',
    );
    expect(spec.levelElement).toBe('far_level');
    expect(spec.finalizeWithEos).toBe(false);
  });

  it('without SRTP feeds udpsrc straight into rtpbin', () => {
    const launch = buildReceivePipeline(stream('audio', OPUS, { srtp: null }), SIM, BIND).launch;
    expect(launch).not.toContain('srtp');
    expect(launch).not.toContain('rtpssrcdemux');
    expect(launch).toContain('caps="application/x-rtp, media=(string)audio, payload=(int)111, clock-rate=(int)48000, encoding-name=(string)OPUS" ! rtpbin.recv_rtp_sink_0');
    expect(launch).toContain('caps="application/x-rtcp" ! rtpbin.recv_rtcp_sink_0');
    expect(launch).toContain('rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_out');
  });

  it('writes a WAV file (finalised with EOS) or plays to ALSA', () => {
    const file = buildReceivePipeline(stream('audio', OPUS), { ...SIM, audioSink: { kind: 'file', path: '/tmp/x/far.wav' } }, BIND);
    expect(file.launch).toContain('! wavenc ! filesink name=speaker location="/tmp/x/far.wav" sync=false async=false');
    expect(file.finalizeWithEos).toBe(true);
    const alsa = buildReceivePipeline(stream('audio', OPUS), PI, BIND);
    expect(alsa.launch).toContain('! audioconvert ! alsasink name=speaker device="hw:1,0" buffer-time=40000 latency-time=10000');
    expect(alsa.deviceElements).toEqual(['speaker']);
  });

  it('adds the heartbeat branch only when asked (small libuv threadpool)', () => {
    const quiet = { bindAddress: '0.0.0.0', heartbeat: false };
    expect(buildReceivePipeline(stream('audio', OPUS), SIM, quiet).launch).not.toContain('heartbeat');
    expect(buildReceivePipeline(stream('video', VP8), SIM, quiet).launch).not.toContain('heartbeat');
    expect(buildSendPipeline(stream('video', VP8), SIM, quiet).launch).not.toContain('heartbeat');
    expect(buildSendPipeline(stream('audio', OPUS), SIM, BIND).launch).not.toContain('heartbeat');
  });

  it('sets the jitter buffer from the settings', () => {
    expect(buildReceivePipeline(stream('audio', OPUS), { ...SIM, jitterBufferMs: 60 }, BIND).launch).toMatch(/^rtpbin name=rtpbin latency=60 /);
  });
});

describe('video pipelines', () => {
  it('H.264: x264 zerolatency, constrained baseline, SPS/PPS with every IDR', () => {
    const send = buildSendPipeline(stream('video', H264), SIM, BIND).launch;
    expect(send).toContain(
      'videotestsrc name=camera is-live=true pattern=ball ! videoconvert ! videoscale ! videorate ! video/x-raw,format=I420,width=320,height=240,framerate=15/1 ' +
        '! videobalance name=camera_privacy ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=300 ' +
        '! video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! rtph264pay pt=96 config-interval=-1 aggregate-mode=zero-latency ! rtpbin.send_rtp_sink_0',
    );
    expect(send).toContain('name=heartbeat');
    const recv = buildReceivePipeline(stream('video', H264), SIM, BIND);
    expect(recv.launch).toContain('encoding-name=(string)H264');
    expect(recv.launch).toContain('clock-rate=(int)90000');
    expect(recv.launch).toContain('rtpbin. ! rtph264depay request-keyframe=true wait-for-keyframe=true ! h264parse ! avdec_h264 ! videoconvert ! fakesink name=video_out');
    expect(recv.frameSink).toBe('video_out');
  });

  it('H.264 with openh264 when configured', () => {
    expect(buildSendPipeline(stream('video', H264), { ...SIM, h264Encoder: 'openh264' }, BIND).launch).toContain('openh264enc complexity=low');
  });

  it('VP8: realtime vp8enc and rtpvp8pay / rtpvp8depay ! vp8dec', () => {
    const send = buildSendPipeline(stream('video', VP8), SIM, BIND).launch;
    expect(send).toContain('! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 target-bitrate=300000 end-usage=cbr lag-in-frames=0');
    expect(send).toContain('! rtpvp8pay pt=97 picture-id-mode=15-bit ! rtpbin.send_rtp_sink_0');
    const recv = buildReceivePipeline(stream('video', VP8), SIM, BIND).launch;
    expect(recv).toContain('encoding-name=(string)VP8');
    expect(recv).toContain('rtpbin. ! rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec ! videoconvert');
  });

  it('on a pi: V4L2 camera at 720p30, KMS output, both named as devices', () => {
    const send = buildSendPipeline(stream('video', H264), PI, BIND);
    expect(send.launch).toContain('v4l2src name=camera device="/dev/video0" ! videoconvert ! videoscale ! videorate ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1');
    expect(send.launch).toContain('key-int-max=60 bitrate=1500');
    expect(send.deviceElements).toEqual(['camera']);
    const recv = buildReceivePipeline(stream('video', H264), PI, BIND);
    expect(recv.launch).toContain('videoconvert ! kmssink name=screen sync=false');
    expect(recv.deviceElements).toEqual(['screen']);
    expect(recv.frameSink).toBe('screen');
  });

  it('libcamera and wayland variants', () => {
    const settings: MediaDeviceSettings = { ...PI, videoSource: { kind: 'libcamera' }, videoSink: { kind: 'wayland' } };
    expect(buildSendPipeline(stream('video', VP8), settings, BIND).launch).toContain('libcamerasrc name=camera ! videoconvert');
    expect(buildReceivePipeline(stream('video', VP8), settings, BIND).launch).toContain('videoconvert ! waylandsink name=screen sync=false');
  });

  it('counter sink with a snapshot file', () => {
    const recv = buildReceivePipeline(stream('video', VP8), { ...SIM, videoSink: { kind: 'counter', snapshotPath: '/tmp/snap.jpg' } }, BIND).launch;
    expect(recv).toContain('tee name=video_tee ! queue ! fakesink name=video_out');
    expect(recv).toContain('jpegenc quality=60 ! multifilesink location="/tmp/snap.jpg" throttle-time=1000000000');
  });
});

describe('session -> pipelines by direction', () => {
  const ids = (specs: PipelineSpec[]) => specs.map((s) => s.id).sort();
  const session = (audio: NegotiatedStream['direction'], video: NegotiatedStream['direction']): NegotiatedSession => ({
    streams: [stream('audio', OPUS, { direction: audio }), stream('video', H264, { direction: video })],
  });

  it('sendrecv: send and receive for both kinds', () => {
    expect(ids(buildSessionPipelines(session('sendrecv', 'sendrecv'), SIM, BIND))).toEqual(['audio-receive', 'audio-send', 'video-receive', 'video-send']);
  });

  it('sendonly: no receive pipeline; recvonly: no send pipeline; inactive: none', () => {
    expect(ids(buildSessionPipelines(session('sendonly', 'recvonly'), SIM, BIND))).toEqual(['audio-send', 'video-receive']);
    expect(ids(buildSessionPipelines(session('recvonly', 'sendonly'), SIM, BIND))).toEqual(['audio-receive', 'video-send']);
    expect(ids(buildSessionPipelines(session('inactive', 'inactive'), SIM, BIND))).toEqual([]);
  });

  it('without a camera the unit still receives video', () => {
    expect(ids(buildSessionPipelines(session('sendrecv', 'sendrecv'), { ...SIM, videoSource: null }, BIND))).toEqual(['audio-receive', 'audio-send', 'video-receive']);
  });

  it('skips a stream the far end rejected (port 0)', () => {
    const s: NegotiatedSession = { streams: [stream('audio', OPUS), stream('video', H264, { remote: { address: '10.0.0.9', rtpPort: 0, rtcpPort: 0 } })] };
    expect(ids(buildSessionPipelines(s, SIM, BIND))).toEqual(['audio-receive', 'audio-send']);
  });

  it('refuses a codec on the wrong kind', () => {
    expect(code(() => buildSendPipeline(stream('audio', H264), SIM, BIND))).toBe('E_CODEC_UNSUPPORTED');
    expect(code(() => buildReceivePipeline(stream('video', OPUS), SIM, BIND))).toBe('E_CODEC_UNSUPPORTED');
  });
});

describe('values written into launch lines', () => {
  it.each([
    'hw:0 ! filesink location=/etc/passwd',
    'hw:0" name=x',
    "hw:0'",
    'hw:0\\',
    'hw 0',
    '',
    'hw:0;reboot',
    'x'.repeat(200),
  ])('rejects the unsafe device name %j with E_MEDIA_DEVICE', (device) => {
    expect(code(() => buildSendPipeline(stream('audio', OPUS), { ...PI, audioSource: { kind: 'alsa', device } }, BIND))).toBe('E_MEDIA_DEVICE');
    expect(code(() => buildReceivePipeline(stream('audio', OPUS), { ...PI, audioSink: { kind: 'alsa', device } }, BIND))).toBe('E_MEDIA_DEVICE');
    expect(code(() => buildSendPipeline(stream('video', H264), { ...PI, videoSource: { kind: 'v4l2', device } }, BIND))).toBe('E_MEDIA_DEVICE');
  });

  it('quotes accepted device names', () => {
    expect(buildSendPipeline(stream('audio', OPUS), { ...PI, audioSource: { kind: 'alsa', device: 'default' } }, BIND).launch).toContain('device="default"');
  });

  it.each(['relative.wav', '/tmp/a b.wav', '/tmp/../etc/x.wav', '/tmp/x".wav'])('rejects the unsafe output path %j', (path) => {
    expect(code(() => buildReceivePipeline(stream('audio', OPUS), { ...SIM, audioSink: { kind: 'file', path } }, BIND))).toBe('E_MEDIA_DEVICE');
  });

  it('rejects far-end values that are not addresses, ports or payload types', () => {
    const bad = [
      stream('audio', OPUS, { remote: { address: 'example.org', rtpPort: 30000, rtcpPort: 30001 } }),
      stream('audio', OPUS, { remote: { address: '10.0.0.9" ! filesink', rtpPort: 30000, rtcpPort: 30001 } }),
      stream('audio', OPUS, { remote: { address: '10.0.0.9', rtpPort: 70000, rtcpPort: 30001 } }),
      stream('audio', OPUS, { remote: { address: '10.0.0.9', rtpPort: 30000.5, rtcpPort: 30001 } }),
      stream('audio', { ...OPUS, payloadType: 128 }),
    ];
    for (const s of bad) expect(code(() => buildSendPipeline(s, SIM, BIND))).toBe('E_MEDIA_PIPELINE');
  });

  it('accepts IPv6 literals', () => {
    expect(buildSendPipeline(stream('audio', OPUS, { remote: { address: '::1', rtpPort: 30000, rtcpPort: 30001 } }), SIM, BIND).launch).toContain('host="::1"');
  });

  it('rejects a key that is not 30 bytes and out-of-range settings', () => {
    const short: SrtpParams = { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: new Uint8Array(16) };
    expect(code(() => buildSendPipeline(stream('audio', OPUS, { srtp: { tx: short, rx: RX } }), SIM, BIND))).toBe('E_MEDIA_PIPELINE');
    expect(code(() => buildSendPipeline(stream('audio', OPUS), { ...SIM, audioSource: { kind: 'test-tone', freqHz: Number.NaN } }, BIND))).toBe('E_MEDIA_PIPELINE');
    expect(code(() => buildSendPipeline(stream('video', VP8), { ...SIM, videoFormat: { width: 320, height: 240, framerate: 0 } }, BIND))).toBe('E_MEDIA_PIPELINE');
  });
});

describe('GStreamer 1.22 accepts every launch line (parsed, never played)', () => {
  const gst = loadGstBinding();
  const variants: Array<[string, MediaDeviceSettings]> = [
    ['sim', SIM],
    ['sim, file + snapshot, openh264', { ...SIM, audioSink: { kind: 'file', path: '/tmp/x.wav' }, videoSink: { kind: 'counter', snapshotPath: '/tmp/x.jpg' }, h264Encoder: 'openh264' }],
    ['pi, kms', PI],
    ['pi, wayland', { ...PI, videoSink: { kind: 'wayland' } }],
    ['pi, auto sink', { ...PI, videoSink: { kind: 'auto' } }],
  ];
  it('the warm-up list loads for sim and pi settings', () => {
    expect(() => warmUp(gst, SIM)).not.toThrow();
    expect(() => warmUp(gst, { ...PI, h264Encoder: 'openh264' })).not.toThrow();
  });

  for (const [name, settings] of variants) {
    for (const codec of [H264, VP8]) {
      for (const srtp of [true, false]) {
        it(`${name}, ${codec.name}, ${srtp ? 'SRTP' : 'plain RTP'}`, () => {
          const s: NegotiatedSession = {
            streams: [stream('audio', OPUS, srtp ? {} : { srtp: null }), stream('video', codec, srtp ? {} : { srtp: null })],
          };
          for (const spec of buildSessionPipelines(s, settings, BIND)) {
            expect(() => new gst.Pipeline(spec.launch), spec.id).not.toThrow();
          }
        });
      }
    }
  }
});

describe('echo reference', () => {
  it('sends the speaker signal over loopback to the probe of the canceller in the send pipeline', () => {
    const specs = buildSessionPipelines({ streams: [stream('audio', OPUS)] }, SIM, { ...BIND, echoReferencePort: 41000, echoProbe: 'echo_probe_9' });
    const send = specs.find((s) => s.id === 'audio-send')!.launch;
    const recv = specs.find((s) => s.id === 'audio-receive')!.launch;
    expect(send).toContain('udpsrc name=echo_ref_in address=127.0.0.1 port=41000 caps="audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"');
    expect(send).toContain('webrtcechoprobe name=echo_probe_9 ! fakesink');
    expect(send).toContain('webrtcdsp name=aec probe=echo_probe_9 echo-cancel=true');
    expect(recv).toContain('udpsink name=echo_ref_out host=127.0.0.1 port=41000 sync=true async=false');
    expect(recv).not.toContain('webrtcechoprobe');
  });

  it('leaves the canceller out when nothing is played (sendonly) or the speaker is missing', () => {
    const sendonly = buildSessionPipelines({ streams: [stream('audio', OPUS, { direction: 'sendonly' })] }, SIM, { ...BIND, echoReferencePort: 41000 });
    expect(sendonly.map((s) => s.id)).toEqual(['audio-send']);
    expect(sendonly[0]!.launch).toContain('echo-cancel=false');
    expect(sendonly[0]!.launch).not.toContain('echo_ref_in');
    const noSpeaker = buildSessionPipelines({ streams: [stream('audio', OPUS)] }, SIM, { ...BIND, echoReferencePort: 41000, missingOutputs: new Set(['speaker'] as const) });
    expect(noSpeaker.find((s) => s.id === 'audio-send')!.launch).toContain('echo-cancel=false');
    expect(noSpeaker.find((s) => s.id === 'audio-receive')!.launch).not.toContain('echo_ref_out');
  });
});
