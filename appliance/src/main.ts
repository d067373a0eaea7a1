/**
 * Composition root: load and validate config, pick adapters, start, stop on a signal.
 * APPLIANCE_CONFIG names the config file; APPLIANCE_HW=sim|pi overrides hardware.mode.
 * Under systemd (Type=notify) it reports READY/STATUS/STOPPING and pings the watchdog.
 */
import { loadConfigFile } from './config/load.js';
import { validateConfig } from './config/validate.js';
import { isApplianceError } from './core/errors.js';
import { createLogger } from './log/logger.js';
import { createUnit } from './unit.js';
import { attachKeyboard } from './adapters/sim/keyboard-button.js';
import { RECOMMENDED_THREADPOOL_SIZE, libuvThreadpoolSize } from './adapters/gstreamer/index.js';
import { resolveBootConfig } from './fleet/boot-config.js';
import { RESTART_EXIT_CODE } from './fleet/config-changes.js';
import { createSdNotifier } from './lib/sd-notify.js';

async function main(): Promise<void> {
  const path = process.env.APPLIANCE_CONFIG ?? '/etc/bedside-unit/config.yaml';
  const local = await loadConfigFile(path);
  const bootLogger = createLogger({ level: local.log.level });
  // On an enrolled unit the applied fleet bundle's config wins over the local file.
  const boot = resolveBootConfig(local, bootLogger);
  let config = boot.config;
  const hw = process.env.APPLIANCE_HW;
  if (hw) config = validateConfig({ ...structuredClone(config), hardware: { ...config.hardware, mode: hw } });
  const logger = createLogger({ level: config.log.level });
  if (libuvThreadpoolSize() < RECOMMENDED_THREADPOOL_SIZE) {
    logger.warn({ UV_THREADPOOL_SIZE: libuvThreadpoolSize() }, `set UV_THREADPOOL_SIZE=${RECOMMENDED_THREADPOOL_SIZE} in the service environment: each running media pipeline holds a libuv thread`);
  }
  const notify = createSdNotifier({ logger });
  let stopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    notify.stopping(signal);
    detachKeyboard();
    await unit.stop();
    await notify.close();
    process.exit(exitCode);
  };
  // A restart onto a new fleet config waits until no call is in progress: nobody is cut off.
  let restartTimer: NodeJS.Timeout | null = null;
  const onRestartRequested = (reason: string) => {
    logger.warn({ reason, exitCode: RESTART_EXIT_CODE }, 'restart requested for a new configuration');
    notify.status(`restart pending: ${reason}`);
    const tryRestart = () => {
      const state = unit.controller.status().call.state;
      if (state === 'idle' || state === 'failed') void stop('fleet-config', RESTART_EXIT_CODE);
      else restartTimer = setTimeout(tryRestart, 1000);
    };
    if (!restartTimer) tryRestart();
  };
  const unit = createUnit(config, logger, { onRestartRequested });
  const detachKeyboard = config.hardware.mode === 'sim' ? attachKeyboard(unit.simButton, () => void stop('keyboard')) : () => undefined;
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await unit.start();
  const { host, port } = unit.address();
  logger.info({ unit: config.unit.id, mode: config.hardware.mode, api: `http://${host}:${port}`, config: boot.source, bundleVersion: boot.version }, 'unit ready');
  notify.ready(`ready: ${config.unit.id}, config ${boot.source}${boot.version ? ` v${boot.version}` : ''}`);
  notify.startWatchdog();
  unit.signaling.on('registration', (state) => notify.status(`SIP ${state}`));
}

main().catch((e: unknown) => {
  // Stop with the coded error (it names the field for E_CONFIG_INVALID); never a stack dump of secrets.
  const line = isApplianceError(e) ? { code: e.code, message: e.message, ...e.detail } : { code: 'E_INTERNAL', message: String(e) };
  process.stderr.write(`${JSON.stringify({ level: 'fatal', ...line })}\n`);
  process.exit(2);
});
