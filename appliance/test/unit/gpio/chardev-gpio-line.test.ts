import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChardevGpioLine } from '../../../src/adapters/gpio-chardev/chardev-gpio-line.js';
import { GpioButton } from '../../../src/adapters/gpio/gpio-button.js';
import { ApplianceError } from '../../../src/core/errors.js';
import type { ButtonEdge } from '../../../src/core/gestures.js';
import { alive, FakeGpiod } from './fake-gpiod.js';

const waitFor = (fn: () => unknown) => vi.waitFor(fn, { timeout: 5000, interval: 10 });

const STYLES = {
  '1.6.3': { rise: (o: number) => `event:  RISING EDGE offset: ${o} timestamp: [    8011.365587215]`, fall: (o: number) => `event: FALLING EDGE offset: ${o} timestamp: [    8011.465587215]` },
  '2.1.3': { rise: (o: number) => `${o} rising 8011.365587215`, fall: (o: number) => `${o} falling 8011.465587215` },
} as const;

describe.each(['1.6.3', '2.1.3'] as const)('ChardevGpioLine with libgpiod v%s tools', (version) => {
  let fake: FakeGpiod | null = null;
  const lines: ChardevGpioLine[] = [];
  const open = async (o: Omit<ConstructorParameters<typeof ChardevGpioLine>[0], 'tools'>) => {
    const l = new ChardevGpioLine({ ...o, tools: fake!.tools });
    lines.push(l);
    await l.open();
    return l;
  };
  afterEach(async () => {
    for (const l of lines.splice(0)) await l.close();
    await fake?.remove();
    fake = null;
  });

  it('watches an input with gpiomon and reports logical levels (active-low), ignoring other lines and noise', async () => {
    fake = await FakeGpiod.create(version);
    await fake.setLevel('1');
    const l = await open({ line: 17, direction: 'in', activeLow: true, bias: 'pull-up' });
    expect(l.resolved()).toEqual({ version: Number(version[0]), chip: 'gpiochip0' });
    expect(await l.read()).toBe(false);
    const seen: boolean[] = [];
    l.watch((v) => seen.push(v));
    const s = STYLES[version];
    await fake.emit('not an event');
    await fake.emit(s.fall(4));
    await fake.emit(s.fall(17));
    await waitFor(() => expect(seen).toEqual([true]));
    await fake.emit(s.rise(17));
    await waitFor(() => expect(seen).toEqual([true, false]));
    const mon = await fake.calls('gpiomon');
    expect(mon).toHaveLength(1);
    expect(mon[0]?.args).toBe(version.startsWith('1') ? '-b -B pull-up gpiochip0 17' : '-b pull-up --format=%o %E %S -c gpiochip0 17');
    expect((await fake.calls('gpioget'))[0]?.args).toBe(version.startsWith('1') ? '-B pull-up gpiochip0 17' : '--numeric -b pull-up -c gpiochip0 17');
    await l.close();
    expect(alive(mon[0]!.pid)).toBe(false);
  });

  it('holds an output with one gpioset at a time, replaced on each change, gone after close', async () => {
    fake = await FakeGpiod.create(version);
    const prefix = version.startsWith('1') ? '--mode=signal gpiochip0' : '-c gpiochip0';
    const setCalls = async () => (await fake!.calls('gpioset')).map((c) => c.args);
    const l = await open({ chip: 'pinctrl-bcm2711', line: 27, direction: 'out' });
    // The fake logs once it runs; wait for that before the next change kills it.
    await waitFor(async () => expect(await setCalls()).toEqual([`${prefix} 27=0`]));
    await l.write(true);
    await l.write(true);
    await waitFor(async () => expect(await setCalls()).toEqual([`${prefix} 27=0`, `${prefix} 27=1`]));
    await l.write(false);
    await waitFor(async () => expect(await setCalls()).toHaveLength(3));
    const set = await fake.calls('gpioset');
    expect(set[2]?.args).toBe(`${prefix} 27=0`);
    expect(set.map((c) => alive(c.pid))).toEqual([false, false, true]);
    await l.close();
    expect(alive(set[2]!.pid)).toBe(false);
  });

  it('inverts an active-low output', async () => {
    fake = await FakeGpiod.create(version);
    const values = async () => (await fake!.calls('gpioset')).map((c) => c.args.split(' ').pop());
    const l = await open({ chip: 'gpiochip0', line: 27, direction: 'out', activeLow: true });
    await waitFor(async () => expect(await values()).toEqual(['27=1']));
    await l.write(true);
    await waitFor(async () => expect(await values()).toEqual(['27=1', '27=0']));
  });

  it.each([
    ['a chip that is not there', { chip: 'pinctrl-rp1', line: 17 }],
    ['a line past the end of the chip', { line: 58 }],
  ])('gives E_GPIO_UNAVAILABLE for %s', async (_what, spec) => {
    fake = await FakeGpiod.create(version);
    const err = await open({ direction: 'in', ...spec }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplianceError);
    expect((err as ApplianceError).code).toBe('E_GPIO_UNAVAILABLE');
  });

  it('GpioButton passes raw edges through, bounce included', async () => {
    fake = await FakeGpiod.create(version);
    await fake.setLevel('1');
    let t = 0;
    const line = new ChardevGpioLine({ line: 17, direction: 'in', activeLow: true, tools: fake.tools });
    lines.push(line);
    const button = new GpioButton(line, { now: () => t, setTimeout: () => ({ cancel() {} }) });
    const edges: ButtonEdge[] = [];
    button.on('edge', (e) => edges.push(e));
    await button.start();
    const s = STYLES[version];
    t = 10;
    await fake.emit(s.fall(17));
    await waitFor(() => expect(edges).toHaveLength(1));
    t = 12;
    await fake.emit(s.rise(17));
    await waitFor(() => expect(edges).toHaveLength(2));
    t = 14;
    await fake.emit(s.fall(17));
    await waitFor(() => expect(edges).toEqual([{ pressed: true, atMs: 10 }, { pressed: false, atMs: 12 }, { pressed: true, atMs: 14 }]));
    await button.stop();
  });
});

describe('ChardevGpioLine without the tools', () => {
  it('gives E_GPIO_UNAVAILABLE when gpiodetect is missing', async () => {
    const l = new ChardevGpioLine({ line: 17, direction: 'in', tools: { gpiodetect: '/nonexistent/gpiodetect' } });
    const err = await l.open().catch((e: unknown) => e);
    expect((err as ApplianceError).code).toBe('E_GPIO_UNAVAILABLE');
  });

  it('reports a gpiomon that dies after open through onError', async () => {
    const fake = await FakeGpiod.create('2.1.3');
    try {
      const errors: Error[] = [];
      const l = new ChardevGpioLine({ line: 17, direction: 'in', tools: { ...fake.tools, gpiomon: '/bin/false' }, onError: (e) => errors.push(e) });
      await l.open();
      await waitFor(() => expect(errors).toHaveLength(1));
      expect((errors[0] as ApplianceError).code).toBe('E_GPIO_UNAVAILABLE');
      await l.close();
    } finally {
      await fake.remove();
    }
  });
});
