import { describe, expect, it, vi } from 'vitest';
import { createGpioIo } from '../../../src/adapters/gpio/create-gpio-io.js';
import { validateConfig } from '../../../src/config/validate.js';
import { ApplianceError } from '../../../src/core/errors.js';
import type { ButtonEdge } from '../../../src/core/gestures.js';
import { LED_PATTERNS } from '../../../src/core/led-pattern.js';
import { createLogger } from '../../../src/log/logger.js';
import { ManualClock } from '../../support/manual-clock.js';
import { FakeSysfs } from './fake-sysfs.js';

const base = (hardware: unknown) => ({
  unit: { id: 'BVU-0001', name: 'Ward 4 bed 2' },
  rooms: { ownRoomUri: 'sip:ward4-bed2@meet.example.org' },
  sip: { proxy: { host: 'sip.example.org' } },
  hardware,
});

describe('hardware.gpio config', () => {
  it('defaults to the Raspberry Pi header: chardev, button GPIO17 to ground, LED GPIO27', () => {
    expect(validateConfig(base({ mode: 'pi' })).hardware.gpio).toEqual({
      driver: 'chardev', buttonLine: 17, ledLine: 27, buttonActiveLow: true, ledActiveLow: false,
    });
  });

  it('refuses unknown fields and bad values', () => {
    for (const gpio of [{ pin: 3 }, { driver: 'onoff' }, { buttonLine: -1 }, { ledLine: 600 }]) {
      expect(() => validateConfig(base({ mode: 'pi', gpio }))).toThrow(ApplianceError);
    }
  });
});

describe('createGpioIo', () => {
  const logger = createLogger({ level: 'silent' });

  it('refuses the same line for button and LED', () => {
    const gpio = validateConfig(base({ mode: 'pi', gpio: { ledLine: 17 } })).hardware.gpio;
    expect(() => createGpioIo(gpio, { clock: new ManualClock(), logger })).toThrow(ApplianceError);
  });

  it('builds a sysfs button and LED from config on a Pi 4 with a 512 base', async () => {
    const fake = await FakeSysfs.create([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    try {
      await fake.addLine(529, '1');
      await fake.addLine(539);
      const clock = new ManualClock();
      const gpio = validateConfig(base({ mode: 'pi', gpio: { driver: 'sysfs', chip: 'pinctrl-bcm2711' } })).hardware.gpio;
      const io = createGpioIo(gpio, { clock, logger, sysfsRoot: fake.root });
      const edges: ButtonEdge[] = [];
      io.button.on('edge', (e) => edges.push(e));
      await io.light.start();
      await io.button.start();
      io.light.show(LED_PATTERNS['ready']);
      await vi.waitFor(async () => expect(await fake.attr(539, 'value')).toBe('1'));
      await fake.setValue(529, '0');
      await vi.waitFor(() => expect(edges.map((e) => e.pressed)).toEqual([true]), { timeout: 3000, interval: 5 });
      await io.button.stop();
      await io.light.stop();
      expect(await fake.attr(539, 'value')).toBe('0');
    } finally {
      await fake.remove();
    }
  });
});
