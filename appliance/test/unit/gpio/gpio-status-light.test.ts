import { describe, expect, it } from 'vitest';
import { GpioStatusLight } from '../../../src/adapters/gpio/gpio-status-light.js';
import { FanOutStatusLight } from '../../../src/adapters/gpio/fan-out-status-light.js';
import type { GpioLine } from '../../../src/adapters/gpio/gpio-line.js';
import { LED_PATTERNS } from '../../../src/core/led-pattern.js';
import type { StatusLight } from '../../../src/ports/status-light.js';
import { ManualClock } from '../../support/manual-clock.js';

/** An output line that records (time, level) for each write. */
class RecordingLine implements GpioLine {
  readonly writes: [number, boolean][] = [];
  opened = false;
  constructor(private readonly clock: ManualClock) {}
  async open() { this.opened = true; }
  async close() { this.opened = false; }
  async read() { return this.writes.at(-1)?.[1] ?? false; }
  async write(v: boolean) { this.writes.push([this.clock.now(), v]); }
  watch() { return () => {}; }
}

async function setup() {
  const clock = new ManualClock();
  const line = new RecordingLine(clock);
  const light = new GpioStatusLight(line, clock);
  await light.start();
  return { clock, line, light };
}

describe('GpioStatusLight', () => {
  it('solid is on, off is off, with no timer left running', async () => {
    const { clock, line, light } = await setup();
    light.show(LED_PATTERNS['ready']);
    light.show(LED_PATTERNS['off']);
    clock.advance(10_000);
    expect(line.writes).toEqual([[0, true], [0, false]]);
    expect(light.current()?.name).toBe('off');
  });

  it('blinks on and off each half period (joining: 1000 ms cycle)', async () => {
    const { clock, line, light } = await setup();
    light.show(LED_PATTERNS['joining']);
    clock.advance(2000);
    expect(line.writes).toEqual([[0, true], [500, false], [1000, true], [1500, false], [2000, true]]);
  });

  it('shows pulse as a slow blink (fault: 2000 ms cycle) and restarts only on a new pattern', async () => {
    const { clock, line, light } = await setup();
    light.show(LED_PATTERNS['fault']);
    clock.advance(1500);
    light.show(LED_PATTERNS['fault']);
    clock.advance(500);
    expect(line.writes).toEqual([[0, true], [1000, false], [2000, true]]);
    light.show(LED_PATTERNS['in-call']);
    clock.advance(5000);
    expect(line.writes.slice(3)).toEqual([]);
    light.show(LED_PATTERNS['leaving']);
    clock.advance(250);
    expect(line.writes.slice(3)).toEqual([[2000 + 5000 + 250, false]]);
  });

  it('applies a pattern shown before start, and goes dark and closes on stop', async () => {
    const clock = new ManualClock();
    const line = new RecordingLine(clock);
    const light = new GpioStatusLight(line, clock);
    light.show(LED_PATTERNS['leaving']);
    expect(line.writes).toEqual([]);
    await light.start();
    clock.advance(250);
    await light.stop();
    clock.advance(1000);
    // stop() always drives the line dark, whatever the blink was doing.
    expect(line.writes).toEqual([[0, true], [250, false], [250, false]]);
    expect(line.opened).toBe(false);
  });
});

describe('FanOutStatusLight', () => {
  it('shows every pattern on every light', async () => {
    const shown: string[] = [];
    const fake = (id: string): StatusLight => {
      let cur: typeof LED_PATTERNS['ready'] | null = null;
      return { start: async () => {}, stop: async () => {}, current: () => cur, show: (p) => { cur = p; shown.push(`${id}:${p.name}`); } };
    };
    const both = new FanOutStatusLight(fake('a'), fake('b'));
    both.show(LED_PATTERNS['joining']);
    expect(shown).toEqual(['a:joining', 'b:joining']);
    expect(both.current()?.name).toBe('joining');
  });
});
