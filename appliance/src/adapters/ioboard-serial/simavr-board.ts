/**
 * The I/O board firmware (firmware/build/ioboard.elf) running in the simavr harness
 * (firmware/build/ioboard_sim), which bridges the board's UART to a pty and takes
 * `press <button> <ms>` and `adc <channel> <mV>` on stdin. Sim mode runs the unit's pod on
 * it; the link tests, hw-tests and the bench use it as a board they can unplug.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ApplianceError } from '../../core/errors.js';
import { BUTTON_ID } from './protocol/protocol-gen.js';
import type { ButtonId } from './protocol/protocol-gen.js';

/** Same depth under src/ and dist/: appliance/{src,dist}/adapters/ioboard-serial -> repo root. */
const FIRMWARE_BUILD = fileURLToPath(new URL('../../../../firmware/build/', import.meta.url));
export const FIRMWARE_ELF = `${FIRMWARE_BUILD}ioboard.elf`;
export const SIM_HARNESS = `${FIRMWARE_BUILD}ioboard_sim`;

/** Why the simulated board cannot run here, or null. */
export function simBoardUnavailable(): string | null {
  const missing = [FIRMWARE_ELF, SIM_HARNESS].filter((p) => !existsSync(p));
  return missing.length ? `${missing.join(' and ')} missing; run \`make -C firmware all sim\` first` : null;
}

export interface SimavrBoardOptions {
  boardId: number;
  /** Print `RING RRGGBB` lines (the ring's first pixel, decoded from SPI) as they change. */
  ring?: boolean;
  /** Keep at most this many output lines (a long-running demo); default: all. */
  maxLines?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SimavrBoard {
  private readonly waiters = new Set<() => void>();
  /** Lines dropped from the front of `lines` (maxLines). */
  private dropped = 0;

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly pty: string,
    /** What the harness printed on stdout, one entry a line (the newest maxLines). */
    readonly lines: string[],
    /** Wall-clock time (Date.now()) each line arrived, same index as `lines`. */
    readonly lineTimes: number[],
  ) {}

  static async start(options: SimavrBoardOptions): Promise<SimavrBoard> {
    const why = simBoardUnavailable();
    if (why) throw new ApplianceError('E_IOBOARD_UNREACHABLE', why);
    const args = ['--board-id', `0x${(options.boardId >>> 0).toString(16)}`, ...(options.ring ? ['--ring'] : []), FIRMWARE_ELF];
    const proc = spawn(SIM_HARNESS, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const times: number[] = [];
    let board: SimavrBoard | null = null;
    let exited: string | null = null;
    proc.stderr.resume();
    proc.once('exit', (code, signal) => { exited = signal ?? String(code); board?.wake(); });
    proc.once('error', (e) => { exited = e.message; });
    const pty = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('the simulator printed no PTY line within 5 s')), 5000);
      const fail = (e: Error) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(new ApplianceError('E_IOBOARD_UNREACHABLE', `simavr board: ${e.message}`));
      };
      proc.once('exit', () => fail(new Error(`the simulator exited (${exited}) before printing its pty`)));
      createInterface({ input: proc.stdout }).on('line', (l) => {
        lines.push(l);
        times.push(Date.now());
        if (board) {
          board.trim(options.maxLines);
          board.wake();
          return;
        }
        const m = /^PTY (\S+)$/.exec(l);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    board = new SimavrBoard(proc, pty, lines, times);
    return board;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Index the next line will have in `lines` (use as `from` for waitForLine). */
  mark(): number {
    return this.lines.length + this.dropped;
  }

  /** Sends a harness command and waits for its `OK <command>`. */
  async command(line: string, timeoutMs = 2000): Promise<void> {
    const from = this.mark();
    this.proc.stdin.write(`${line}\n`);
    await this.waitForLine((l) => l === `OK ${line}`, timeoutMs, from);
  }

  /** Presses a pod button in the simulator for `ms`; resolves once the harness applied it. */
  press(button: ButtonId, ms: number): Promise<void> {
    return this.command(`press ${BUTTON_ID[button]} ${Math.round(ms)}`);
  }

  /** Sets the loop current sense (1 mV = 1 mA on ADC0). */
  loopCurrent(ma: number): Promise<void> {
    return this.command(`adc 0 ${Math.round(ma)}`);
  }

  /** The first line at index >= from matching `match`, with its index. */
  async waitForLine(match: (line: string) => boolean, timeoutMs: number, from = this.mark()): Promise<{ line: string; index: number; at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = Math.max(from - this.dropped, 0); i < this.lines.length; i++) {
        const l = this.lines[i] as string;
        if (match(l)) return { line: l, index: i + this.dropped, at: this.lineTimes[i] as number };
      }
      from = this.lines.length + this.dropped;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for a line from the simulator`);
      if (!this.running) throw new Error('the simulator exited');
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(t); this.waiters.delete(done); resolve(); };
        const t = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** Pulls the plug: the pty's master goes away without a word to the board or the host. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await Promise.race([gone, sleep(2000)]);
  }

  /** stop() twice is safe. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.end();
    this.proc.kill('SIGTERM');
    await Promise.race([gone, sleep(2000)]);
    if (this.running) await this.kill();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private trim(max: number | undefined): void {
    if (max === undefined || this.lines.length <= max) return;
    const n = this.lines.length - max;
    this.lines.splice(0, n);
    this.lineTimes.splice(0, n);
    this.dropped += n;
  }
}
