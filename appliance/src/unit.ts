import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from './config/schema.js';
import { ApplianceError } from './core/errors.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { MediaEngine } from './ports/media-engine.js';
import type { Signaling } from './ports/signaling.js';
import type { Store } from './ports/store.js';
import type { Logger } from './log/logger.js';
import { moduleLogger } from './log/logger.js';
import { UnitController } from './app/unit-controller.js';
import { ButtonDriver } from './app/button-driver.js';
import { SelfTest } from './app/self-test.js';
import { tcpReachCheck } from './app/self-test-network.js';
import type { EchoTester } from './ports/echo-test.js';
import { EchoTestCall, type EchoProbeEngine } from './app/echo-test.js';
import { SipSignaling } from './adapters/sip/sip-signaling.js';
import { GstreamerMediaEngine } from './adapters/gstreamer/gstreamer-media-engine.js';
import type { AudioSinkSetting, MediaDeviceSettings } from './adapters/gstreamer/media-settings.js';
import { SqliteStore } from './adapters/sqlite/sqlite-store.js';
import { SimButton } from './adapters/sim/sim-button.js';
import { SimStatusLight } from './adapters/sim/sim-status-light.js';
import { createGpioIo, type GpioIo } from './adapters/gpio/create-gpio-io.js';
import { FanOutStatusLight } from './adapters/gpio/fan-out-status-light.js';
import { build } from './server/build.js';
import { FleetAgent } from './fleet/fleet-agent.js';
import { softwareVersion } from './fleet/software-version.js';
import { deviceStatuses } from './fleet/device-status.js';
import { createIoBoard, type ConfiguredIoBoard } from './adapters/ioboard-serial/create-io-board.js';
import type { SimavrBoard } from './adapters/ioboard-serial/simavr-board.js';
import { LOOP } from './adapters/ioboard-serial/protocol/protocol-gen.js';
import { PodDriver } from './app/pod-driver.js';
import type { IoBoard } from './ports/io-board.js';
import type { DisplayOutput } from './ports/display.js';
import { DisplayDriver } from './app/display-driver.js';
import { CecTv } from './adapters/display-cec/cec-tv.js';
import { BacklightPanel } from './adapters/display-backlight/backlight-panel.js';

export interface Unit {
  readonly config: AppConfig;
  readonly controller: UnitController;
  readonly signaling: Signaling;
  readonly engine: MediaEngine;
  readonly store: Store;
  readonly simButton: SimButton;
  readonly server: FastifyInstance;
  /** The fleet agent, when fleet.serverUrl is configured. */
  readonly fleet: FleetAgent | null;
  readonly selfTest: SelfTest;
  /** The bedside pod's I/O board (hardware.ioBoard.enabled), else null. */
  readonly ioBoard: IoBoard | null;
  /** sim mode: the firmware in simavr behind ioBoard, once connected. */
  ioBoardSim(): SimavrBoard | null;
  /** Where the HTTP API listens once started. */
  address(): { host: string; port: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Device settings for the media engine, from config and hardware mode. */
export function mediaSettings(config: AppConfig): MediaDeviceSettings {
  const m = config.media;
  const video = { width: m.video.width, height: m.video.height, framerate: m.video.framerate };
  const audio = {
    audioProcessing: { ...m.audio.processing },
    jitterBufferMs: m.audio.jitterBufferMs,
  };
  const loop = (sink: AudioSinkSetting) => ({ sink, referenceLevelDbfs: m.audio.loop.referenceLevelDbfs, maxBoostDb: m.audio.loop.maxBoostDb });
  if (config.hardware.mode === 'sim') {
    const out = m.simOutputDir;
    return {
      mode: 'sim',
      ...audio,
      loop: loop(out ? { kind: 'file', path: join(out, 'loop-audio.wav') } : { kind: 'meter' }),
      audioSource: m.audio.simRoomPort ? { kind: 'room', port: m.audio.simRoomPort } : { kind: 'test-tone', freqHz: m.audio.simToneHz },
      videoSource: m.video.enabled ? { kind: 'test-pattern' } : null,
      audioSink: m.audio.simRoomPort ? { kind: 'room', port: m.audio.simRoomPort } : out ? { kind: 'file', path: join(out, 'far-end-audio.wav') } : { kind: 'meter' },
      videoSink: m.video.display === 'counter' || !process.env.DISPLAY ? { kind: 'counter', ...(out ? { snapshotPath: join(out, 'far-end-video.jpg') } : {}) } : { kind: 'auto' },
      videoFormat: video,
    };
  }
  return {
    mode: 'pi',
    ...audio,
    loop: m.audio.loopDevice ? loop({ kind: 'alsa', device: m.audio.loopDevice }) : null,
    audioSource: { kind: 'alsa', device: m.audio.captureDevice ?? 'default' },
    videoSource: !m.video.enabled ? null : m.video.captureDevice ? { kind: 'v4l2', device: m.video.captureDevice } : { kind: 'libcamera' },
    audioSink: { kind: 'alsa', device: m.audio.playbackDevice ?? 'default' },
    videoSink: m.video.display === 'counter' ? { kind: 'counter' } : { kind: m.video.display },
    videoFormat: video,
  };
}

export interface UnitOverrides {
  clock?: Clock;
  engine?: MediaEngine;
  /** pi mode: the GPIO button and LED (tests pass ones on a fake sysfs tree or fake tools). */
  gpio?: GpioIo;
  /** The fleet agent installed a config that needs a restart (main.ts exits for systemd to restart). */
  onRestartRequested?: (reason: string) => void;
  /** The echo test call for the self-test's microphone and speaker checks (absent: "not available"). */
  echoTester?: EchoTester;
  /** The I/O board instead of the one config.hardware.ioBoard describes. */
  ioBoard?: IoBoard;
  /** The TV and panel instead of the ones config.hardware.display describes (null: none). */
  displays?: { tv: DisplayOutput | null; panel: DisplayOutput | null };
}

/** Builds the whole unit from a validated config. Does no I/O until start(). */
export function createUnit(config: AppConfig, logger: Logger, overrides: UnitOverrides = {}): Unit {
  const clock = overrides.clock ?? systemClock;
  const store = new SqliteStore(config.store.path);
  const engine = overrides.engine ?? new GstreamerMediaEngine({
    settings: mediaSettings(config),
    address: '127.0.0.1',
    // WebRTC rooms (sip.transport wss): the engine only talks plain RTP to the loopback bridge,
    // so its sockets must not be reachable from the network.
    bindAddress: config.hardware.mode === 'sim' || config.sip.transport === 'wss' ? '127.0.0.1' : '0.0.0.0',
    plainRtp: false,
    video: config.media.video.enabled,
    rtpPortRange: { min: config.media.rtpPortRange.min, max: config.media.rtpPortRange.max },
  });
  const sip = config.sip;
  const proxyPort = sip.proxy.port ?? defaultProxyPort(sip.transport);
  const signaling = new SipSignaling({
    proxy: {
      host: sip.proxy.host,
      port: proxyPort,
      protocol: sip.transport === 'tls' ? 'TLS' : sip.transport === 'wss' ? 'WSS' : 'TCP',
      wsPath: sip.wsPath,
      ...(sip.trustedCaFile ? { caFile: sip.trustedCaFile } : {}),
      ...(sip.tlsServerName ? { servername: sip.tlsServerName } : {}),
    },
    ...(sip.account ? { account: { ...sip.account } } : {}),
    unitId: config.unit.id,
    registerExpiresSeconds: sip.registerExpiresSeconds,
    allowInboundFrom: sip.allowInboundFrom,
    keepaliveIntervalMs: sip.keepaliveIntervalSeconds * 1000,
    noAnswerTimeoutMs: sip.noAnswerTimeoutSeconds * 1000,
    connectTimeoutMs: sip.connectTimeoutSeconds * 1000,
    allowPlainRtp: config.lab.allowPlainRtp,
    webrtc: {
      iceServers: config.media.webrtc.iceServers,
      additionalHostAddresses: config.media.webrtc.additionalHostAddresses,
      ...(config.media.webrtc.interfaceAddress ? { onlyAddresses: [config.media.webrtc.interfaceAddress] } : {}),
      connectTimeoutMs: config.media.webrtc.connectTimeoutSeconds * 1000,
      disconnectGraceMs: config.media.webrtc.disconnectGraceSeconds * 1000,
    },
    engine,
    logger: moduleLogger(logger, 'sip'),
  });
  const simLight = new SimStatusLight(moduleLogger(logger, 'led'));
  // On a unit the GPIO button and LED join the simulated ones: /sim/button and the LED log
  // line keep working, so the panel and support see the same as the bedside.
  const gpio = config.hardware.mode === 'pi'
    ? overrides.gpio ?? createGpioIo(config.hardware.gpio, { clock, logger: moduleLogger(logger, 'gpio') })
    : null;
  const light = gpio ? new FanOutStatusLight(simLight, gpio.light) : simLight;
  const simButton = new SimButton(clock);
  const controller = new UnitController({
    signaling, engine, store, light, clock, logger: moduleLogger(logger, 'call'),
    rooms: { ownRoomUri: config.rooms.ownRoomUri, meetings: config.rooms.meetings, minutesBefore: config.rooms.joinWindow.minutesBefore },
    failureDisplayMs: config.ui.failureDisplaySeconds * 1000,
    ...(config.sip.supportUri ? { supportUri: config.sip.supportUri } : {}),
  });
  const configured: ConfiguredIoBoard | null = overrides.ioBoard
    ? null
    : createIoBoard(config.hardware.ioBoard, { mode: config.hardware.mode, clock, logger: moduleLogger(logger, 'ioboard') });
  const ioBoard = overrides.ioBoard ?? configured?.board ?? null;
  const pod = ioBoard ? new PodDriver({
    board: ioBoard, controller, clock, logger: moduleLogger(logger, 'pod'),
    loopReferenceGainDb: config.hardware.ioBoard.loopReferenceGainDb,
    loopRecheckMs: config.hardware.ioBoard.loopRecheckSeconds * 1000,
    loopHealthyMinMa: LOOP.openBelowMa,
    loopHealthyMaxMa: LOOP.shortAboveMa,
  }) : null;
  const d = config.hardware.display;
  const displays = overrides.displays ?? {
    tv: d.cec.enabled ? new CecTv({ device: d.cec.device, timeoutMs: d.cec.timeoutMs }) : null,
    panel: d.backlight.enabled ? new BacklightPanel(d.backlight.name ? { name: d.backlight.name } : {}) : null,
  };
  const displayDriver = displays.tv || displays.panel
    ? new DisplayDriver({ controller, logger: moduleLogger(logger, 'display'), ...displays, blankPanelWhenIdle: d.backlight.blankWhenIdle })
    : null;
  // Audio outputs the call survives without (a missing loop amplifier) are unit faults.
  engine.on('fault', (f) => controller.raiseFault(f.code, f.source));
  engine.on('fault-cleared', (source) => controller.clearFault(source));
  const buttons = new ButtonDriver(simButton, clock, (g) => controller.onGesture(g));
  const gpioButtons = gpio ? new ButtonDriver(gpio.button, clock, (g) => controller.onGesture(g)) : null;
  const echoTester = overrides.echoTester ?? echoTesterFor(config, signaling, engine, controller);
  const selfTest = new SelfTest({
    controller, clock,
    network: tcpReachCheck({ host: sip.proxy.host, port: proxyPort, timeoutMs: sip.connectTimeoutSeconds * 1000 }),
    ...(echoTester ? { echoTester } : {}),
  });
  const { id, name, ward, room, bed } = config.unit;
  const server = build({
    controller, simButton, logger, signaling, selfTest,
    unit: { id, name, ward, room, bed, ownRoomUri: config.rooms.ownRoomUri },
    ...(config.server.token ? { token: config.server.token } : {}),
  });
  const fleet = config.fleet.serverUrl ? new FleetAgent({
    config, store, logger: moduleLogger(logger, 'fleet'), softwareVersion: softwareVersion(),
    status: () => controller.status(),
    // What is known without a self-test; an active fault on a device overrides it.
    devices: () => deviceStatuses({
      mode: config.hardware.mode, videoEnabled: config.media.video.enabled,
      ioBoard: ioBoard ? { answered: ioBoard.board() !== null } : null, status: controller.status(),
    }),
    hotApply: (next, audio) => {
      controller.setRooms({ ownRoomUri: next.rooms.ownRoomUri, meetings: next.rooms.meetings, minutesBefore: next.rooms.joinWindow.minutesBefore });
      if (audio) {
        controller.setControl({ type: 'speaker-volume', volume: audio.speakerVolumePercent }, 'it');
        controller.setControl({ type: 'loop', enabled: audio.loop.enabled }, 'it');
        controller.setControl({ type: 'loop-gain', gainDb: audio.loop.gainDb }, 'it');
      }
    },
    requestRestart: (reason) => {
      if (overrides.onRestartRequested) overrides.onRestartRequested(reason);
      else logger.warn({ reason }, 'fleet config needs a restart; none is wired (not under main.ts)');
    },
  }) : null;
  let listening: { host: string; port: number } | null = null;
  let started = false;

  return {
    config, controller, signaling, engine, store, simButton, server, fleet, selfTest, ioBoard,
    ioBoardSim: () => configured?.sim() ?? null,
    address() {
      if (!listening) throw new ApplianceError('E_STATE_TRANSITION', 'the unit is not started');
      return listening;
    },
    async start() {
      if (started) return;
      started = true;
      await store.start();
      store.appendEvent('boot', { unit: config.unit.id, mode: config.hardware.mode });
      await simLight.start();
      await engine.start();
      controller.start();
      displayDriver?.start();
      buttons.start();
      gpioButtons?.start();
      // After the driver listens, so a button already held at boot is seen (stuck fault).
      if (gpio) await startGpio(gpio, logger);
      // After controller.start(): the pod's ring follows the LED the controller renders.
      await pod?.start();
      await simButton.start();
      await server.listen({ host: config.server.host, port: config.server.port });
      const addr = server.server.address();
      listening = { host: config.server.host, port: typeof addr === 'object' && addr ? addr.port : config.server.port };
      await signaling.start();
      // A fleet problem (keys, state) is logged; the unit still serves its meetings.
      await fleet?.start().catch((e: unknown) => logger.error({ code: (e as ApplianceError).code, err: (e as Error).message }, 'fleet agent did not start'));
    },
    async stop() {
      if (!started) return;
      started = false;
      await fleet?.stop();
      selfTest.abort();
      buttons.stop();
      gpioButtons?.stop();
      await pod?.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'I/O board stop failed'));
      await configured?.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'I/O board simulator stop failed'));
      await gpio?.button.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'GPIO button stop failed'));
      logger.debug('stopping signaling');
      await signaling.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'signaling stop failed'));
      displayDriver?.stop();
      controller.stop();
      logger.debug('stopping media');
      await engine.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'media stop failed'));
      logger.debug('stopping server');
      await server.close();
      await light.stop();
      store.appendEvent('shutdown', {});
      await store.stop();
    },
  };
}

/** A missing GPIO line is a logged fault, not a unit that will not boot: the panel still works. */
async function startGpio(gpio: GpioIo, logger: Logger): Promise<void> {
  for (const [what, part] of [['status LED', gpio.light], ['start button', gpio.button]] as const) {
    await part.start().catch((e: unknown) => {
      logger.error({ err: String(e), code: (e as ApplianceError).code }, `GPIO ${what} unavailable`);
    });
  }
}


/** The registrar's port when the config names none: SIP over TLS 5061, WSS 443, TCP 5060. */
export function defaultProxyPort(transport: AppConfig['sip']['transport']): number {
  return transport === 'tls' ? 5061 : transport === 'wss' ? 443 : 5060;
}

/**
 * The self-test's echo call (sip.echoTestUri), run as a controller test call so the state
 * machine stays idle and a press of Start ends it. Needs an engine that can inject the probe.
 */
function echoTesterFor(config: AppConfig, signaling: SipSignaling, engine: MediaEngine, controller: UnitController): EchoTester | undefined {
  const uri = config.sip.echoTestUri;
  if (!uri || !isEchoProbeEngine(engine)) return undefined;
  const call = new EchoTestCall({ signaling, engine, echoUri: uri });
  return { run: (options) => controller.runTestCall((signal) => call.run({ signal }), options?.signal) };
}

function isEchoProbeEngine(engine: MediaEngine): engine is MediaEngine & EchoProbeEngine {
  const e = engine as Partial<EchoProbeEngine>;
  return typeof e.setEchoProbe === 'function' && typeof e.setProbeTone === 'function';
}
