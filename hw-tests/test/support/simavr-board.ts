/**
 * The I/O board firmware (firmware/build/ioboard.elf) running in the simavr harness
 * (firmware/build/ioboard_sim), which bridges the board's UART to a pty and takes
 * `press <button> <ms>` and `adc <channel> <mV>` on stdin.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sleep, waitUntil } from './target.js';

const FIRMWARE = fileURLToPath(new URL('../../../firmware/build/', import.meta.url));
export const FIRMWARE_ELF = `${FIRMWARE}ioboard.elf`;
export const SIM_HARNESS = `${FIRMWARE}ioboard_sim`;

/** Why the simulated board cannot run, or null. */
export function simBoardUnavailable(): string | null {
  const missing = [FIRMWARE_ELF, SIM_HARNESS].filter((p) => !existsSync(p));
  return missing.length ? `${missing.join(' and ')} missing; run \`make -C firmware all sim\` first` : null;
}

export class SimavrBoard {
  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly pty: string,
    /** Everything the harness printed on stdout, one entry a line. */
    readonly lines: string[],
  ) {}

  static async start(boardId: number): Promise<SimavrBoard> {
    const proc = spawn(SIM_HARNESS, ['--board-id', `0x${boardId.toString(16)}`, FIRMWARE_ELF], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    createInterface({ input: proc.stdout }).on('line', (l) => lines.push(l));
    proc.stderr.resume();
    let exited: number | null = null;
    proc.once('exit', (code) => { exited = code ?? -1; });
    try {
      const pty = await waitUntil(() => {
        if (exited !== null) throw new Error(`the simulator exited (${exited}) before printing its pty`);
        for (const l of lines) {
          const m = /^PTY (\S+)$/.exec(l);
          if (m?.[1]) return m[1];
        }
        return undefined;
      }, 5000, 'the simulator to print PTY /dev/pts/N');
      return new SimavrBoard(proc, pty, lines);
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    }
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends a harness command and waits for its `OK <command>`. */
  async command(line: string): Promise<void> {
    const from = this.lines.length;
    this.proc.stdin.write(`${line}\n`);
    await waitUntil(() => (this.lines.slice(from).includes(`OK ${line}`) ? true : undefined), 2000, `the simulator to confirm "${line}"`);
  }

  /** Pulls the plug: the pty's master goes away without a word to the board or the host. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await Promise.race([gone, sleep(2000)]);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.end();
    this.proc.kill('SIGTERM');
    await Promise.race([gone, sleep(2000)]);
    if (this.running) await this.kill();
  }
}
