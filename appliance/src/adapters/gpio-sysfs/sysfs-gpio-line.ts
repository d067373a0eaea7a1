import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError } from '../../core/errors.js';
import { pickChip, type GpioLine, type GpioLineSpec } from '../gpio/gpio-line.js';
import { listSysfsChips } from './sysfs-chips.js';

export interface SysfsGpioOptions extends GpioLineSpec {
  /** The sysfs GPIO class directory; tests point it at a fake tree. */
  root?: string;
  /** How often an input's value file is read (sysfs changes do not reach fs.watch). */
  pollIntervalMs?: number;
  /** How long to wait for gpioN/ to appear (and udev to fix its permissions) after export. */
  exportTimeoutMs?: number;
}

const DEFAULT_ROOT = '/sys/class/gpio';

/**
 * A GPIO line through the legacy sysfs interface (what the `onoff` package does), with the
 * global line number found from the chip's base: current kernels number the header chip
 * from 512 or more, so "GPIO17" is no longer gpio17.
 * Active-low is applied here, not through the kernel's active_low file, so a value read
 * means the same on every kernel.
 */
export class SysfsGpioLine implements GpioLine {
  private readonly root: string;
  private global: number | null = null;
  private exportedByUs = false;
  private value = false;
  private poller: ReturnType<typeof setInterval> | null = null;
  private reading = false;
  private readonly listeners = new Set<(v: boolean) => void>();

  constructor(private readonly opts: SysfsGpioOptions) {
    this.root = opts.root ?? DEFAULT_ROOT;
  }

  /** The kernel's global number for the line, once open. */
  globalNumber(): number | null {
    return this.global;
  }

  async open(): Promise<void> {
    if (this.global !== null) return;
    const { chip: wanted, line, direction } = this.opts;
    const chips = await listSysfsChips(this.root);
    const chip = pickChip(chips, wanted);
    if (!chip) {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', `no GPIO chip ${wanted ?? '(Raspberry Pi header)'} under ${this.root}`, {
        chip: wanted ?? null, found: chips.map((c) => `${c.name} [${c.label}]`),
      });
    }
    if (!Number.isInteger(line) || line < 0 || line >= chip.lines) {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', `GPIO chip ${chip.label} has no line ${line} (it has ${chip.lines})`, { chip: chip.label, line });
    }
    const n = chip.base + line;
    const dir = join(this.root, `gpio${n}`);
    if (!(await exists(dir))) {
      await this.sysWrite(join(this.root, 'export'), String(n), n);
      this.exportedByUs = true;
      await this.waitForExport(dir, n);
    }
    await this.sysWrite(join(dir, 'active_low'), '0', n);
    if (direction === 'out') {
      // "low" sets the direction and the level at once, so the LED never flashes on.
      await this.sysWrite(join(dir, 'direction'), this.opts.activeLow ? 'high' : 'low', n);
    } else {
      await this.sysWrite(join(dir, 'direction'), 'in', n);
      await this.sysWrite(join(dir, 'edge'), 'both', n).catch(() => {
        // Some lines cannot interrupt; polling the value still works.
      });
    }
    this.global = n;
    if (direction === 'in') {
      this.value = await this.readValue();
      this.poller = setInterval(() => void this.poll(), this.opts.pollIntervalMs ?? 10);
    }
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    const n = this.global;
    this.global = null;
    if (n !== null && this.exportedByUs) {
      this.exportedByUs = false;
      await writeFile(join(this.root, 'unexport'), String(n)).catch(() => {});
    }
  }

  async read(): Promise<boolean> {
    if (this.global === null) throw new ApplianceError('E_GPIO_UNAVAILABLE', 'GPIO line is not open');
    return this.opts.direction === 'in' ? this.value : this.readValue();
  }

  async write(value: boolean): Promise<void> {
    if (this.global === null || this.opts.direction !== 'out') {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', 'GPIO line is not an open output', { line: this.opts.line });
    }
    await this.sysWrite(join(this.root, `gpio${this.global}`, 'value'), value !== !!this.opts.activeLow ? '1' : '0', this.global);
  }

  watch(listener: (value: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async poll(): Promise<void> {
    if (this.reading || this.global === null) return;
    this.reading = true;
    try {
      const v = await this.readValue();
      if (v !== this.value && this.global !== null) {
        this.value = v;
        for (const l of this.listeners) l(v);
      }
    } catch (e) {
      this.opts.onError?.(e as Error);
    } finally {
      this.reading = false;
    }
  }

  private async readValue(): Promise<boolean> {
    const n = this.global ?? -1;
    let raw: string;
    try {
      raw = (await readFile(join(this.root, `gpio${n}`, 'value'), 'utf8')).trim();
    } catch (e) {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', `cannot read GPIO ${n}: ${(e as Error).message}`, { gpio: n }, { cause: e });
    }
    return (raw === '1') !== !!this.opts.activeLow;
  }

  private async sysWrite(path: string, data: string, n: number): Promise<void> {
    try {
      await writeFile(path, data);
    } catch (e) {
      throw new ApplianceError('E_GPIO_UNAVAILABLE', `cannot write ${data} to ${path}: ${(e as Error).message}`, { gpio: n }, { cause: e });
    }
  }

  private async waitForExport(dir: string, n: number): Promise<void> {
    const deadline = Date.now() + (this.opts.exportTimeoutMs ?? 2000);
    const valuePath = join(dir, 'value');
    for (;;) {
      // udev changes the files' group a moment after they appear; wait until value is writable.
      if (await exists(valuePath, true)) return;
      if (Date.now() > deadline) throw new ApplianceError('E_GPIO_UNAVAILABLE', `GPIO ${n} did not appear after export`, { gpio: n });
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function exists(path: string, writable = false): Promise<boolean> {
  try {
    await access(path, writable ? constants.W_OK : constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
