import { describe, expect, it } from 'vitest';
import { gpiomonArgs, gpiosetArgs, parseGpiodetect, parseGpiodVersion, parseGpiomonLine } from '../../../src/adapters/gpio-chardev/gpiod-tools.js';

describe('libgpiod tool output', () => {
  it('tells v1 from v2 by gpiodetect --version', () => {
    expect(parseGpiodVersion('gpiodetect (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski\n')).toBe(1);
    expect(parseGpiodVersion('gpiodetect (libgpiod) v2.1.3\nCopyright (C) 2017-2023 Bartosz Golaszewski\n')).toBe(2);
    expect(parseGpiodVersion('gpiodetect (libgpiod) v3.0\n')).toBeNull();
    expect(parseGpiodVersion('nonsense')).toBeNull();
  });

  it('parses gpiodetect chips', () => {
    expect(parseGpiodetect('gpiochip0 [pinctrl-rp1] (54 lines)\ngpiochip10 [gpio-brcmstb@107d508500] (32 lines)\n\n')).toEqual([
      { name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 },
      { name: 'gpiochip10', label: 'gpio-brcmstb@107d508500', lines: 32 },
    ]);
  });

  it.each([
    ['event:  RISING EDGE offset: 17 timestamp: [    8011.365587215]', { offset: 17, rising: true }],
    ['event: FALLING EDGE offset: 4 timestamp: [1700000000.000000001]', { offset: 4, rising: false }],
    ['17 rising 8011.365587215', { offset: 17, rising: true }],
    ['17 falling 8011.365587215', { offset: 17, rising: false }],
    ['8011.365587215\tfalling\tgpiochip0 17', { offset: 17, rising: false }],
  ])('parses %j', (line, event) => {
    expect(parseGpiomonLine(line)).toEqual(event);
  });

  it.each(['', 'garbage', 'event: SOMETHING offset: 17', '8011.3\trising\t"GPIO17"'])('ignores %j', (line) => {
    expect(parseGpiomonLine(line)).toBeNull();
  });

  it('builds v1 and v2 command lines', () => {
    expect(gpiomonArgs(1, 'gpiochip0', 17, 'pull-up')).toEqual(['-b', '-B', 'pull-up', 'gpiochip0', '17']);
    expect(gpiomonArgs(2, 'gpiochip0', 17, 'pull-up')).toEqual(['-b', 'pull-up', '--format=%o %E %S', '-c', 'gpiochip0', '17']);
    expect(gpiosetArgs(1, 'gpiochip0', 27, true)).toEqual(['--mode=signal', 'gpiochip0', '27=1']);
    expect(gpiosetArgs(2, 'gpiochip0', 27, false)).toEqual(['-c', 'gpiochip0', '27=0']);
  });
});
