import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeChip { label: string; base: number; ngpio: number }

/** A /sys/class/gpio look-alike in a temp dir: chips, export/unexport, and lines on demand. */
export class FakeSysfs {
  private constructor(readonly root: string) {}

  static async create(chips: FakeChip[]): Promise<FakeSysfs> {
    const root = await mkdtemp(join(tmpdir(), 'fake-sysfs-gpio-'));
    await writeFile(join(root, 'export'), '');
    await writeFile(join(root, 'unexport'), '');
    for (const c of chips) {
      const dir = join(root, `gpiochip${c.base}`);
      await mkdir(dir);
      await writeFile(join(dir, 'label'), `${c.label}\n`);
      await writeFile(join(dir, 'base'), `${c.base}\n`);
      await writeFile(join(dir, 'ngpio'), `${c.ngpio}\n`);
    }
    return new FakeSysfs(root);
  }

  /** What the kernel does on export: gpioN/ with its attribute files. */
  async addLine(n: number, value = '0'): Promise<void> {
    const dir = join(this.root, `gpio${n}`);
    await mkdir(dir, { recursive: true });
    for (const [f, v] of [['value', value], ['direction', 'in'], ['edge', 'none'], ['active_low', '0']] as const) {
      await writeFile(join(dir, f), `${v}\n`);
    }
  }

  setValue(n: number, value: '0' | '1'): Promise<void> {
    return writeFile(join(this.root, `gpio${n}`, 'value'), `${value}\n`);
  }

  async attr(n: number, name: string): Promise<string> {
    return (await readFile(join(this.root, `gpio${n}`, name), 'utf8')).trim();
  }

  async file(name: string): Promise<string> {
    return (await readFile(join(this.root, name), 'utf8')).trim();
  }

  remove(): Promise<void> {
    return rm(this.root, { recursive: true, force: true });
  }
}
