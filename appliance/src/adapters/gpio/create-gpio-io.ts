import type { AppConfig } from '../../config/schema.js';
import { ApplianceError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../log/logger.js';
import { ChardevGpioLine } from '../gpio-chardev/chardev-gpio-line.js';
import type { GpiodTools } from '../gpio-chardev/gpiod-tools.js';
import { SysfsGpioLine } from '../gpio-sysfs/sysfs-gpio-line.js';
import { GpioButton } from './gpio-button.js';
import type { GpioLine, GpioLineSpec } from './gpio-line.js';
import { GpioStatusLight } from './gpio-status-light.js';

export type GpioConfig = AppConfig['hardware']['gpio'];

export interface GpioIo {
  button: GpioButton;
  light: GpioStatusLight;
}

export interface GpioIoOptions {
  clock: Clock;
  logger: Logger;
  /** Tests: a fake sysfs tree. */
  sysfsRoot?: string;
  /** Tests: fake libgpiod tools. */
  tools?: Partial<GpiodTools>;
}

/** The start button and status LED on the unit's own GPIO, as config.hardware.gpio says. */
export function createGpioIo(gpio: GpioConfig, o: GpioIoOptions): GpioIo {
  if (gpio.buttonLine === gpio.ledLine) {
    throw new ApplianceError('E_CONFIG_INVALID', 'hardware.gpio.buttonLine and ledLine must differ', { field: 'hardware.gpio.ledLine' });
  }
  const onError = (err: Error) => o.logger.error({ err: String(err), code: (err as ApplianceError).code }, 'GPIO line failed');
  const line = (spec: GpioLineSpec): GpioLine => gpio.driver === 'sysfs'
    ? new SysfsGpioLine({ ...spec, ...(o.sysfsRoot ? { root: o.sysfsRoot } : {}) })
    : new ChardevGpioLine({
      ...spec,
      ...(o.tools ? { tools: o.tools } : {}),
      ...(spec.direction === 'in' ? { bias: spec.activeLow ? 'pull-up' as const : 'pull-down' as const } : {}),
    });
  const chip = gpio.chip !== undefined ? { chip: gpio.chip } : {};
  const button = new GpioButton(line({ ...chip, line: gpio.buttonLine, direction: 'in', activeLow: gpio.buttonActiveLow, onError }), o.clock);
  const light = new GpioStatusLight(line({ ...chip, line: gpio.ledLine, direction: 'out', activeLow: gpio.ledActiveLow, onError }), o.clock, onError);
  return { button, light };
}
