import { afterEach, describe, expect, it, vi } from 'vitest';
import { SysfsGpioLine } from '../../../src/adapters/gpio-sysfs/sysfs-gpio-line.js';
import { listSysfsChips } from '../../../src/adapters/gpio-sysfs/sysfs-chips.js';
import { GpioButton } from '../../../src/adapters/gpio/gpio-button.js';
import { ApplianceError } from '../../../src/core/errors.js';
import type { ButtonEdge } from '../../../src/core/gestures.js';
import { FakeSysfs } from './fake-sysfs.js';

// A Raspberry Pi 4 on a 6.6 kernel: the header chip starts at 512, the firmware expander after it.
const PI4 = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

const waitFor = (fn: () => unknown) => vi.waitFor(fn, { timeout: 3000, interval: 5 });

describe('SysfsGpioLine', () => {
  let fake: FakeSysfs | null = null;
  const lines: SysfsGpioLine[] = [];
  const line = (o: ConstructorParameters<typeof SysfsGpioLine>[0]) => {
    const l = new SysfsGpioLine({ pollIntervalMs: 2, ...o });
    lines.push(l);
    return l;
  };
  afterEach(async () => {
    for (const l of lines.splice(0)) await l.close();
    await fake?.remove();
    fake = null;
  });

  it('lists chips with their base and size from the labels', async () => {
    fake = await FakeSysfs.create(PI4);
    expect(await listSysfsChips(fake.root)).toEqual([
      { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, lines: 58 },
      { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, lines: 8 },
    ]);
  });

  it('exports GPIO17 as base+17 (529), waits for it to appear, sets direction and edge, unexports on close', async () => {
    fake = await FakeSysfs.create(PI4);
    const l = line({ root: fake.root, line: 17, direction: 'in' });
    const opening = l.open();
    await waitFor(async () => expect(await fake!.file('export')).toBe('529'));
    await fake.addLine(529);
    await opening;
    expect(l.globalNumber()).toBe(529);
    expect(await fake.attr(529, 'direction')).toBe('in');
    expect(await fake.attr(529, 'edge')).toBe('both');
    expect(await fake.attr(529, 'active_low')).toBe('0');
    await l.close();
    expect(await fake.file('unexport')).toBe('529');
  });

  it('finds the chip by label or by sysfs name, and by default picks the Pi header chip', async () => {
    fake = await FakeSysfs.create([{ label: 'other-chip', base: 0, ngpio: 16 }, ...PI4]);
    await fake.addLine(529);
    await fake.addLine(571);
    await fake.addLine(3);
    const byDefault = line({ root: fake.root, line: 17, direction: 'in' });
    const byLabel = line({ root: fake.root, chip: 'raspberrypi-exp-gpio', line: 1, direction: 'in' });
    const byName = line({ root: fake.root, chip: 'gpiochip0', line: 3, direction: 'in' });
    await Promise.all([byDefault.open(), byLabel.open(), byName.open()]);
    expect([byDefault.globalNumber(), byLabel.globalNumber(), byName.globalNumber()]).toEqual([529, 571, 3]);
    // Already exported by someone else: not exported again, not unexported by us.
    expect(await fake.file('export')).toBe('');
  });

  it('reports level changes from polling the value file, with active-low applied', async () => {
    fake = await FakeSysfs.create(PI4);
    await fake.addLine(529, '1');
    const l = line({ root: fake.root, line: 17, direction: 'in', activeLow: true });
    await l.open();
    expect(await l.read()).toBe(false);
    const seen: boolean[] = [];
    l.watch((v) => seen.push(v));
    await fake.setValue(529, '0');
    await waitFor(() => expect(seen).toEqual([true]));
    await fake.setValue(529, '1');
    await waitFor(() => expect(seen).toEqual([true, false]));
    expect(await l.read()).toBe(false);
  });

  it('drives an output, inverted when active-low, starting dark', async () => {
    fake = await FakeSysfs.create(PI4);
    await fake.addLine(539);
    const l = line({ root: fake.root, line: 27, direction: 'out', activeLow: true });
    await l.open();
    expect(await fake.attr(539, 'direction')).toBe('high');
    await l.write(true);
    expect(await fake.attr(539, 'value')).toBe('0');
    await l.write(false);
    expect(await fake.attr(539, 'value')).toBe('1');
    const plain = line({ root: fake.root, chip: 'pinctrl-bcm2711', line: 27, direction: 'out' });
    await plain.open();
    await plain.write(true);
    expect(await fake.attr(539, 'value')).toBe('1');
  });

  it.each([
    ['a chip that is not there', { chip: 'pinctrl-rp1', line: 17 }, PI4],
    ['a line past the end of the chip', { line: 58 }, PI4],
    ['no Raspberry Pi chip at all', { line: 17 }, [{ label: 'other-chip', base: 0, ngpio: 32 }]],
  ])('gives E_GPIO_UNAVAILABLE for %s', async (_what, spec, chips) => {
    fake = await FakeSysfs.create(chips);
    const err = await line({ root: fake.root, direction: 'in', ...spec }).open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplianceError);
    expect((err as ApplianceError).code).toBe('E_GPIO_UNAVAILABLE');
  });

  it('gives E_GPIO_UNAVAILABLE when the exported line never appears', async () => {
    fake = await FakeSysfs.create(PI4);
    const err = await line({ root: fake.root, line: 17, direction: 'in', exportTimeoutMs: 50 }).open().catch((e: unknown) => e);
    expect((err as ApplianceError).code).toBe('E_GPIO_UNAVAILABLE');
  });
});

describe('GpioButton on sysfs', () => {
  it('emits raw edges only (bounce included), stamped by the clock, active-low button', async () => {
    const fake = await FakeSysfs.create(PI4);
    try {
      await fake.addLine(529, '1');
      let t = 1000;
      const button = new GpioButton(new SysfsGpioLine({ root: fake.root, line: 17, direction: 'in', activeLow: true, pollIntervalMs: 2 }), { now: () => t, setTimeout: () => ({ cancel() {} }) });
      const edges: ButtonEdge[] = [];
      button.on('edge', (e) => edges.push(e));
      await button.start();
      expect(edges).toEqual([]);
      t = 1100;
      await fake.setValue(529, '0');
      await waitFor(() => expect(edges).toEqual([{ pressed: true, atMs: 1100 }]));
      t = 1105;
      await fake.setValue(529, '1');
      await waitFor(() => expect(edges).toHaveLength(2));
      expect(edges[1]).toEqual({ pressed: false, atMs: 1105 });
      await button.stop();
    } finally {
      await fake.remove();
    }
  });

  it('reports a button already held at start as a press edge', async () => {
    const fake = await FakeSysfs.create(PI4);
    try {
      await fake.addLine(529, '0');
      const button = new GpioButton(new SysfsGpioLine({ root: fake.root, line: 17, direction: 'in', activeLow: true, pollIntervalMs: 2 }), { now: () => 5, setTimeout: () => ({ cancel() {} }) });
      const edges: ButtonEdge[] = [];
      button.on('edge', (e) => edges.push(e));
      await button.start();
      expect(edges).toEqual([{ pressed: true, atMs: 5 }]);
      await button.stop();
    } finally {
      await fake.remove();
    }
  });
});
