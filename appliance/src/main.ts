/**
 * Composition root: load and validate config, pick adapters, start, stop on a signal.
 * APPLIANCE_CONFIG names the config file; APPLIANCE_HW=sim|pi overrides hardware.mode.
 */
import { loadConfigFile } from './config/load.js';
import { validateConfig } from './config/validate.js';
import { isApplianceError } from './core/errors.js';
import { createLogger } from './log/logger.js';
import { createUnit } from './unit.js';
import { attachKeyboard } from './adapters/sim/keyboard-button.js';
import { RECOMMENDED_THREADPOOL_SIZE, libuvThreadpoolSize } from './adapters/gstreamer/index.js';

async function main(): Promise<void> {
  const path = process.env.APPLIANCE_CONFIG ?? '/etc/bedside-unit/config.yaml';
  let config = await loadConfigFile(path);
  const hw = process.env.APPLIANCE_HW;
  if (hw) config = validateConfig({ ...structuredClone(config), hardware: { ...config.hardware, mode: hw } });
  const logger = createLogger({ level: config.log.level });
  if (libuvThreadpoolSize() < RECOMMENDED_THREADPOOL_SIZE) {
    logger.warn({ UV_THREADPOOL_SIZE: libuvThreadpoolSize() }, `set UV_THREADPOOL_SIZE=${RECOMMENDED_THREADPOOL_SIZE} in the service environment: each running media pipeline holds a libuv thread`);
  }
  const unit = createUnit(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    detachKeyboard();
    await unit.stop();
    process.exit(0);
  };
  const detachKeyboard = config.hardware.mode === 'sim' ? attachKeyboard(unit.simButton, () => void stop('keyboard')) : () => undefined;
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await unit.start();
  const { host, port } = unit.address();
  logger.info({ unit: config.unit.id, mode: config.hardware.mode, api: `http://${host}:${port}` }, 'unit ready');
}

main().catch((e: unknown) => {
  // Stop with the coded error (it names the field for E_CONFIG_INVALID); never a stack dump of secrets.
  const line = isApplianceError(e) ? { code: e.code, message: e.message, ...e.detail } : { code: 'E_INTERNAL', message: String(e) };
  process.stderr.write(`${JSON.stringify({ level: 'fatal', ...line })}\n`);
  process.exit(2);
});
