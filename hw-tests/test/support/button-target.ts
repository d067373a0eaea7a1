/**
 * The start button and its status LED, as a target provides them: the simulated adapters on
 * sim, the GPIO adapters from the unit's config on pi with the jig pressing the button.
 */
import { ChardevGpioLine } from '../../../appliance/src/adapters/gpio-chardev/chardev-gpio-line.js';
import { createGpioIo } from '../../../appliance/src/adapters/gpio/create-gpio-io.js';
import type { GpioLine } from '../../../appliance/src/adapters/gpio/gpio-line.js';
import { SimButton } from '../../../appliance/src/adapters/sim/sim-button.js';
import { SimStatusLight } from '../../../appliance/src/adapters/sim/sim-status-light.js';
import { loadConfigFile } from '../../../appliance/src/config/load.js';
import type { ButtonInput } from '../../../appliance/src/ports/button.js';
import { systemClock } from '../../../appliance/src/ports/clock.js';
import type { StatusLight } from '../../../appliance/src/ports/status-light.js';
import { env, hwTarget, sleep, testLogger } from './target.js';

export interface ButtonTarget {
  readonly name: string;
  readonly button: ButtonInput;
  readonly light: StatusLight;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Presses the button, holds it `ms` and releases it; resolves after the release. */
  pressAndRelease(ms: number): Promise<void>;
  /** Contact bounce: `pulses` presses of `pulseMs` each, `pulseMs` apart, ending released. */
  bounce(pulses: number, pulseMs: number): Promise<void>;
}

/** Why the target cannot run here, or null when it can. */
export function buttonTargetUnavailable(): string | null {
  if (hwTarget() === 'sim') return null;
  const missing = ['HW_CONFIG', 'HW_JIG_BUTTON_LINE'].filter((n) => !env(n));
  return missing.length ? `HW_TARGET=pi needs the test jig: set ${missing.join(' and ')} (see hw-tests/README.md)` : null;
}

export async function createButtonTarget(): Promise<ButtonTarget> {
  return hwTarget() === 'sim' ? simTarget() : piTarget();
}

function simTarget(): ButtonTarget {
  const button = new SimButton(systemClock);
  const light = new SimStatusLight(testLogger());
  return {
    name: 'sim: SimButton + SimStatusLight',
    button,
    light,
    start: async () => { await button.start(); await light.start(); },
    stop: async () => { await button.stop(); await light.stop(); },
    pressAndRelease: (ms) => button.tap(ms),
    async bounce(pulses, pulseMs) {
      for (let i = 0; i < pulses; i++) {
        button.set(true);
        await sleep(pulseMs);
        button.set(false);
        await sleep(pulseMs);
      }
    },
  };
}

/**
 * The unit's GPIO adapters (config.hardware.gpio from HW_CONFIG). The jig wires a spare
 * header pin (HW_JIG_BUTTON_LINE, an output here) to the button input through 1 kΩ; driving
 * it "pressed" pulls the button line to its active level, like the nurse's finger.
 */
async function piTarget(): Promise<ButtonTarget> {
  const config = await loadConfigFile(env('HW_CONFIG')!);
  const gpio = config.hardware.gpio;
  const { button, light } = createGpioIo(gpio, { clock: systemClock, logger: testLogger() });
  const jig: GpioLine = new ChardevGpioLine({
    ...(gpio.chip !== undefined ? { chip: gpio.chip } : {}),
    line: Number(env('HW_JIG_BUTTON_LINE')),
    direction: 'out',
    // Same polarity as the button: logical true pulls the button line to its pressed level.
    activeLow: gpio.buttonActiveLow,
  });
  return {
    name: `pi: GPIO ${gpio.driver}, button line ${gpio.buttonLine}, LED line ${gpio.ledLine}, jig line ${env('HW_JIG_BUTTON_LINE')}`,
    button,
    light,
    async start() {
      await jig.open();
      await jig.write(false);
      await button.start();
      await light.start();
    },
    async stop() {
      await button.stop();
      await light.stop();
      await jig.write(false).catch(() => undefined);
      await jig.close();
    },
    async pressAndRelease(ms) {
      await jig.write(true);
      await sleep(ms);
      await jig.write(false);
    },
    async bounce(pulses, pulseMs) {
      for (let i = 0; i < pulses; i++) {
        await jig.write(true);
        await sleep(pulseMs);
        await jig.write(false);
        await sleep(pulseMs);
      }
    },
  };
}
