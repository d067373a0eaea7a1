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
import { SipSignaling } from './adapters/sip/sip-signaling.js';
import { GstreamerMediaEngine } from './adapters/gstreamer/gstreamer-media-engine.js';
import type { AudioSinkSetting, MediaDeviceSettings } from './adapters/gstreamer/media-settings.js';
import { SqliteStore } from './adapters/sqlite/sqlite-store.js';
import { SimButton } from './adapters/sim/sim-button.js';
import { SimStatusLight } from './adapters/sim/sim-status-light.js';
import { createGpioIo, type GpioIo } from './adapters/gpio/create-gpio-io.js';
import { FanOutStatusLight } from './adapters/gpio/fan-out-status-light.js';
import { build } from './server/build.js';

export interface Unit {
  readonly config: AppConfig;
  readonly controller: UnitController;
  readonly signaling: Signaling;
  readonly engine: MediaEngine;
  readonly store: Store;
  readonly simButton: SimButton;
  readonly server: FastifyInstance;
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
}

/** Builds the whole unit from a validated config. Does no I/O until start(). */
export function createUnit(config: AppConfig, logger: Logger, overrides: UnitOverrides = {}): Unit {
  const clock = overrides.clock ?? systemClock;
  const store = new SqliteStore(config.store.path);
  const engine = overrides.engine ?? new GstreamerMediaEngine({
    settings: mediaSettings(config),
    address: '127.0.0.1',
    bindAddress: config.hardware.mode === 'sim' ? '127.0.0.1' : '0.0.0.0',
    plainRtp: false,
    video: config.media.video.enabled,
    rtpPortRange: { min: config.media.rtpPortRange.min, max: config.media.rtpPortRange.max },
  });
  const sip = config.sip;
  const signaling = new SipSignaling({
    proxy: {
      host: sip.proxy.host,
      port: sip.proxy.port ?? (sip.transport === 'tls' ? 5061 : 5060),
      protocol: sip.transport === 'tls' ? 'TLS' : 'TCP',
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
  });
  // Audio outputs the call survives without (a missing loop amplifier) are unit faults.
  engine.on('fault', (f) => controller.raiseFault(f.code, f.source));
  engine.on('fault-cleared', (source) => controller.clearFault(source));
  const buttons = new ButtonDriver(simButton, clock, (g) => controller.onGesture(g));
  const gpioButtons = gpio ? new ButtonDriver(gpio.button, clock, (g) => controller.onGesture(g)) : null;
  const { id, name, ward, room, bed } = config.unit;
  const server = build({
    controller, simButton, logger, signaling,
    unit: { id, name, ward, room, bed, ownRoomUri: config.rooms.ownRoomUri },
    ...(config.server.token ? { token: config.server.token } : {}),
  });
  let listening: { host: string; port: number } | null = null;
  let started = false;

  return {
    config, controller, signaling, engine, store, simButton, server,
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
      buttons.start();
      gpioButtons?.start();
      // After the driver listens, so a button already held at boot is seen (stuck fault).
      if (gpio) await startGpio(gpio, logger);
      await simButton.start();
      await server.listen({ host: config.server.host, port: config.server.port });
      const addr = server.server.address();
      listening = { host: config.server.host, port: typeof addr === 'object' && addr ? addr.port : config.server.port };
      await signaling.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      buttons.stop();
      gpioButtons?.stop();
      await gpio?.button.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'GPIO button stop failed'));
      logger.debug('stopping signaling');
      await signaling.stop().catch((e: unknown) => logger.warn({ err: String(e) }, 'signaling stop failed'));
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

