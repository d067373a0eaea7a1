import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ApplianceError } from '../../core/errors.js';
import { pickChip, type GpioLine, type GpioLineSpec } from '../gpio/gpio-line.js';
import {
  DEFAULT_GPIOD_TOOLS, detectGpiodVersion, gpiogetArgs, gpiomonArgs, gpiosetArgs, parseGpiodetect, parseGpiomonLine, runTool,
  type Bias, type GpiodMajor, type GpiodTools,
} from './gpiod-tools.js';

export interface ChardevGpioOptions extends GpioLineSpec {
  tools?: Partial<GpiodTools>;
  /** Input bias; unset leaves the line's bias as it is. */
  bias?: Bias;
}

/**
 * A GPIO line through the character device (/dev/gpiochipN), driven by libgpiod's tools:
 * gpiomon watches an input, a gpioset that stays running holds an output (the line falls
 * back to the kernel's default when a v2 gpioset exits, so it must keep running).
 * Active-low is applied here, so both tool versions are used with raw levels.
 */
export class ChardevGpioLine implements GpioLine {
  private readonly tools: GpiodTools;
  private version: GpiodMajor | null = null;
  private chipName: string | null = null;
  private value = false;
  private monitor: ChildProcess | null = null;
  private holder: { proc: ChildProcess; high: boolean } | null = null;
  private writes: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly listeners = new Set<(v: boolean) => void>();

  constructor(private readonly opts: ChardevGpioOptions) {
    this.tools = { ...DEFAULT_GPIOD_TOOLS, ...opts.tools };
  }

  /** libgpiod's major version and the chip's chardev name, once open. */
  resolved(): { version: GpiodMajor; chip: string } | null {
    return this.version && this.chipName ? { version: this.version, chip: this.chipName } : null;
  }

  async open(): Promise<void> {
    if (this.chipName) return;
    this.closing = false;
    const version = await detectGpiodVersion(this.tools);
    const chips = parseGpiodetect(await runTool(this.tools.gpiodetect, []));
    const chip = pickChip(chips, this.opts.chip);
    if (!chip) {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', `no GPIO chip ${this.opts.chip ?? '(Raspberry Pi header)'} found by gpiodetect`, {
        chip: this.opts.chip ?? null, found: chips.map((c) => `${c.name} [${c.label}]`),
      });
    }
    const { line } = this.opts;
    if (!Number.isInteger(line) || line < 0 || line >= chip.lines) {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', `GPIO chip ${chip.name} [${chip.label}] has no line ${line} (it has ${chip.lines})`, { chip: chip.name, line });
    }
    this.version = version;
    this.chipName = chip.name;
    if (this.opts.direction === 'in') {
      const raw = (await runTool(this.tools.gpioget, gpiogetArgs(version, chip.name, line, this.opts.bias))).trim();
      this.value = this.logical(raw.endsWith('1'));
      this.startMonitor(version, chip.name);
    } else {
      await this.write(false);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const mon = this.monitor;
    this.monitor = null;
    await this.writes;
    const held = this.holder;
    this.holder = null;
    await Promise.all([stopProcess(mon), stopProcess(held?.proc ?? null)]);
    this.chipName = null;
  }

  async read(): Promise<boolean> {
    this.mustBeOpen();
    return this.opts.direction === 'in' ? this.value : this.holder ? this.logical(this.holder.high) : false;
  }

  write(value: boolean): Promise<void> {
    this.mustBeOpen();
    if (this.opts.direction !== 'out') return Promise.reject(new ApplianceError('E_GPIO_UNAVAILABLE', 'GPIO line is an input', { line: this.opts.line }));
    const high = value !== !!this.opts.activeLow;
    const next = this.writes.then(() => this.hold(high));
    this.writes = next.catch(() => {});
    return next;
  }

  watch(listener: (value: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private logical(high: boolean): boolean {
    return high !== !!this.opts.activeLow;
  }

  private mustBeOpen(): void {
    if (!this.chipName) throw new ApplianceError('E_GPIO_UNAVAILABLE', 'GPIO line is not open', { line: this.opts.line });
  }

  private startMonitor(version: GpiodMajor, chip: string): void {
    const proc = spawn(this.tools.gpiomon, gpiomonArgs(version, chip, this.opts.line, this.opts.bias), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.monitor = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-500); });
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      const ev = parseGpiomonLine(text);
      if (!ev || ev.offset !== this.opts.line || this.monitor !== proc) return;
      const v = this.logical(ev.rising);
      if (v === this.value) return;
      this.value = v;
      for (const l of this.listeners) l(v);
    });
    const died = (why: string) => {
      if (this.monitor !== proc || this.closing) return;
      this.monitor = null;
      this.opts.onError?.(new ApplianceError('E_GPIO_UNAVAILABLE', `gpiomon for line ${this.opts.line} stopped: ${why}`, { line: this.opts.line }));
    };
    proc.on('error', (e) => died(e.message));
    proc.on('exit', (code, signal) => died(stderr.trim() || `exit ${code ?? signal}`));
  }

  private async hold(high: boolean): Promise<void> {
    if (this.closing || !this.version || !this.chipName) return;
    if (this.holder?.high === high && this.holder.proc.exitCode === null) return;
    const old = this.holder;
    this.holder = null;
    // The line is busy while the old gpioset runs: it must be gone before the next starts.
    await stopProcess(old?.proc ?? null);
    const proc = spawn(this.tools.gpioset, gpiosetArgs(this.version, this.chipName, this.opts.line, high), { stdio: ['ignore', 'ignore', 'pipe'] });
    const holder = { proc, high };
    this.holder = holder;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-500); });
    const died = (why: string) => {
      if (this.holder !== holder || this.closing) return;
      this.holder = null;
      this.opts.onError?.(new ApplianceError('E_GPIO_UNAVAILABLE', `gpioset for line ${this.opts.line} stopped: ${why}`, { line: this.opts.line }));
    };
    proc.on('error', (e) => died(e.message));
    proc.on('exit', (code, signal) => died(stderr.trim() || `exit ${code ?? signal}`));
  }
}

function stopProcess(proc: ChildProcess | null): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), 2000);
    proc.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
