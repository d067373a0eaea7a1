/**
 * `npm run bench:hw`: the pod's latency through the real firmware in simavr, over the real
 * serial stack (serialport on the harness's pty, link, adapter). Writes bench-results/hw.json.
 *
 *   press_to_ring_ms   the harness applied a pod button press (its `OK press` line) -> the
 *                      firmware debounced it and sent BUTTON_EVENT -> the host answered with
 *                      LED_PATTERN (alternating two patterns of the core's table) -> the
 *                      firmware's ring frame on the SPI bus shows the new colour (`RING` line).
 *                      Both ends are stamped on arrival of the harness's stdout lines.
 *   link_rtt_ms        setLedPattern() -> the board's ACK (one reliable message, both ways).
 *   baseline_harness_cmd_ms  a harness command -> its `OK` line: the pipe and scheduling cost
 *                      of the measuring path itself, measured in the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SerialIoBoard, ringPatternFor } from '../adapters/ioboard-serial/ioboard-adapter.js';
import { openSerialPortStream } from '../adapters/ioboard-serial/serialport-stream.js';
import { SimavrBoard, simBoardUnavailable } from '../adapters/ioboard-serial/simavr-board.js';
import { LED_PATTERNS, type LedPattern } from '../core/led-pattern.js';
import { median, percentile, round1 } from './stats.js';

const PRESSES = Number(process.env.BENCH_PRESSES ?? 100);
const RTTS = Number(process.env.BENCH_RTTS ?? 200);
const PRESS_MS = 60;
const GAP_MS = 120;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const hex = (p: LedPattern) => {
  const { red, green, blue } = ringPatternFor(p);
  return [red, green, blue].map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase();
};

async function main(): Promise<void> {
  const why = simBoardUnavailable();
  if (why) throw new Error(why);
  const sim = await SimavrBoard.start({ boardId: 0xbe7c4, ring: true });
  const board = new SerialIoBoard({ openStream: () => openSerialPortStream(sim.pty) });
  const patterns = [LED_PATTERNS['in-call'], LED_PATTERNS.ready] as const;
  let next = 0;
  board.on('button', (e) => {
    if (e.button !== 'volume-up' || e.kind !== 'press') return;
    const p = patterns[next++ % 2]!;
    board.setLedPattern(p).catch((err: unknown) => process.stderr.write(`LED_PATTERN failed: ${String(err)}\n`));
  });
  const pressToRing: number[] = [];
  const rtt: number[] = [];
  const baseline: number[] = [];
  try {
    await board.start();
    await board.setLedPattern(patterns[1]);
    await sim.waitForLine((l) => l === `RING ${hex(patterns[1])}`, 3000, 0);
    for (let i = 0; i < PRESSES + 1; i++) {
      const want = hex(patterns[next % 2]!);
      const from = sim.mark();
      await sim.press('volume-up', PRESS_MS);
      const ok = await sim.waitForLine((l) => l === `OK press 0 ${PRESS_MS}`, 2000, from);
      const ring = await sim.waitForLine((l) => l === `RING ${want}`, 3000, from);
      if (i > 0) pressToRing.push(ring.at - ok.at); // the first press warms the path up
      await sleep(PRESS_MS + GAP_MS);
    }
    for (let i = 0; i < RTTS; i++) {
      const t0 = performance.now();
      await board.setLedPattern(patterns[i % 2]!);
      rtt.push(performance.now() - t0);
    }
    for (let i = 0; i < RTTS; i++) {
      const t0 = performance.now();
      await sim.loopCurrent(500);
      baseline.push(performance.now() - t0);
    }
  } finally {
    await board.stop();
    await sim.stop();
  }
  const result = {
    presses: pressToRing.length,
    round_trips: rtt.length,
    measured: 'firmware in simavr (ATmega328P at 16 MHz, near real time), serialport on its pty, 115200 baud',
    press_to_ring_ms: round1(median(pressToRing)),
    press_to_ring_p95_ms: round1(percentile(pressToRing, 95)),
    link_rtt_ms: round1(median(rtt)),
    link_rtt_p95_ms: round1(percentile(rtt, 95)),
    baseline_harness_cmd_ms: round1(median(baseline)),
    ratio_link_rtt_vs_baseline: Math.round((median(rtt) / median(baseline)) * 100) / 100,
    firmware_floor_ms: { debounce: 20, ring_refresh_interval: 20 },
    samples: { press_to_ring_ms: pressToRing.map(round1), link_rtt_ms: rtt.map(round1) },
  };
  const outDir = resolve(process.env.BENCH_OUT ?? join(process.cwd(), '..', 'bench-results'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'hw.json'), `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, values: number[]) => `${name.padEnd(40)} ${String(round1(median(values))).padStart(8)} ${String(round1(percentile(values, 95))).padStart(8)}`;
  process.stdout.write([
    `hw benchmark: ${pressToRing.length} pod presses, ${rtt.length} link round trips, firmware in simavr`,
    `${'measure'.padEnd(40)} ${'median'.padStart(8)} ${'p95'.padStart(8)}`,
    row('pod press -> ring change (ms)', pressToRing),
    row('link round trip LED_PATTERN -> ACK (ms)', rtt),
    row('baseline: harness command -> OK (ms)', baseline),
    `ratio link round trip / baseline: ${result.ratio_link_rtt_vs_baseline}`,
    `written: ${join(outDir, 'hw.json')}`,
    '',
  ].join('\n'));
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench:hw failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
