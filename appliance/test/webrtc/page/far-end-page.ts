/// <reference lib="dom" />
/**
 * The browser far end (bundled with esbuild by the test, runs in Chromium): SIP.js over WSS,
 * registers, auto-answers with the fake camera and microphone, and reports what it receives:
 * WebRTC stats and whether the unit's tone is in the received audio (WebAudio analyser).
 */
import { Inviter, Registerer, SessionState, UserAgent, type Session } from 'sip.js';
import { defaultSessionDescriptionHandlerFactory, type SessionDescriptionHandler } from 'sip.js/lib/platform/web/index.js';

import type { FarEndConfig, FarEndStats } from '../../../src/demo/peers/browser-far-end.js';

let session: Session | null = null;
let ua: UserAgent | null = null;
let calls = 0;
let analyser: AnalyserNode | null = null;
let audioContext: AudioContext | null = null;
let config: FarEndConfig;

function peerConnection(): RTCPeerConnection | null {
  const sdh = session?.sessionDescriptionHandler as SessionDescriptionHandler | undefined;
  return sdh?.peerConnection ?? null;
}

function listen(remote: MediaStream): void {
  // Chromium only feeds a remote WebRTC stream to WebAudio when a media element plays it too.
  const element = document.createElement('audio');
  element.srcObject = remote;
  element.muted = true;
  void element.play().catch(() => undefined);
  document.body.append(element);
  audioContext = new AudioContext({ sampleRate: 48000 });
  analyser = audioContext.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0.5;
  audioContext.createMediaStreamSource(remote).connect(analyser);
}

function toneToNoiseDb(): number {
  if (!analyser || !audioContext) return -Infinity;
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  const binHz = audioContext.sampleRate / analyser.fftSize;
  const at = Math.round(config.toneHz / binHz);
  const peak = Math.max(bins[at - 1] ?? -Infinity, bins[at] ?? -Infinity, bins[at + 1] ?? -Infinity);
  const sorted = Array.from(bins).filter(Number.isFinite).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? -200;
  return peak - median;
}

/** A continuous tone (instead of the fake microphone's beeps) plus the fake camera. */
async function toneAndCamera(hz: number): Promise<MediaStream> {
  const ctx = new AudioContext({ sampleRate: 48000 });
  const oscillator = ctx.createOscillator();
  oscillator.frequency.value = hz;
  const gain = ctx.createGain();
  gain.gain.value = 0.3;
  const destination = ctx.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  const camera = await navigator.mediaDevices.getUserMedia({ video: true });
  return new MediaStream([...destination.stream.getAudioTracks(), ...camera.getVideoTracks()]);
}

function watch(s: Session): void {
  session = s;
  s.stateChange.addListener((state) => {
    if (state === SessionState.Established) {
      const pc = peerConnection();
      const remote = new MediaStream();
      pc?.getReceivers().forEach((r) => { if (r.track) remote.addTrack(r.track); });
      if (remote.getAudioTracks().length > 0) listen(remote);
    }
  });
}

/** The page calls someone (an allow-listed caller ringing the unit). */
async function call(target: string): Promise<void> {
  const uri = UserAgent.makeURI(target);
  if (!ua || !uri) throw new Error('not started or bad target');
  calls++;
  const inviter = new Inviter(ua, uri, { sessionDescriptionHandlerOptions: { constraints: { audio: true, video: true } } });
  watch(inviter);
  await inviter.invite();
}

async function start(c: FarEndConfig): Promise<void> {
  config = c;
  const uri = UserAgent.makeURI(c.aor);
  if (!uri) throw new Error('bad AOR');
  ua = new UserAgent({
    uri,
    transportOptions: { server: c.server },
    authorizationUsername: c.username,
    authorizationPassword: c.password,
    logLevel: 'warn',
    sessionDescriptionHandlerFactoryOptions: { iceGatheringTimeout: 1000 },
    ...(c.toneOutHz ? { sessionDescriptionHandlerFactory: defaultSessionDescriptionHandlerFactory(() => toneAndCamera(c.toneOutHz!)) } : {}),
    delegate: {
      onInvite(invitation) {
        calls++;
        watch(invitation);
        void invitation.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: true } } });
      },
    },
  });
  await ua.start();
  const registerer = new Registerer(ua, { expires: 300 });
  await new Promise<void>((resolve, reject) => {
    registerer.register({ requestDelegate: { onAccept: () => resolve(), onReject: (r) => reject(new Error(`REGISTER ${r.message.statusCode}`)) } }).catch(reject);
  });
}

async function stats(): Promise<FarEndStats> {
  const out: FarEndStats = {
    state: session?.state ?? 'none', calls,
    audioPacketsReceived: 0, audioPacketsSent: 0, videoFramesDecoded: 0, videoPacketsSent: 0,
    toneToNoiseDb: toneToNoiseDb(), iceState: 'none', dtlsCipher: null, transports: 0, remoteIceUfrag: null,
  };
  const pc = peerConnection();
  if (!pc) return out;
  out.iceState = pc.iceConnectionState;
  out.remoteIceUfrag = /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? '')?.[1] ?? null;
  const report = await pc.getStats();
  report.forEach((s: Record<string, unknown>) => {
    if (s['type'] === 'inbound-rtp' && s['kind'] === 'audio') out.audioPacketsReceived += Number(s['packetsReceived'] ?? 0);
    if (s['type'] === 'inbound-rtp' && s['kind'] === 'video') out.videoFramesDecoded += Number(s['framesDecoded'] ?? 0);
    if (s['type'] === 'outbound-rtp' && s['kind'] === 'audio') out.audioPacketsSent += Number(s['packetsSent'] ?? 0);
    if (s['type'] === 'outbound-rtp' && s['kind'] === 'video') out.videoPacketsSent += Number(s['packetsSent'] ?? 0);
    if (s['type'] === 'transport') out.transports++;
    if (s['type'] === 'transport' && typeof s['srtpCipher'] === 'string') out.dtlsCipher = s['srtpCipher'];
  });
  return out;
}

async function hangup(): Promise<void> {
  if (session?.state === SessionState.Established) await session.bye();
}

(window as unknown as { farEnd: unknown }).farEnd = { start, stats, hangup, call };
