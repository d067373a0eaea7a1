import { appendFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpiodTools } from '../../../src/adapters/gpio-chardev/gpiod-tools.js';

/**
 * Shell scripts standing in for libgpiod's tools. Each logs "<tool> <pid> <args>" to calls.log;
 * gpiomon replays whatever the test appends to events.txt; gpioset holds until killed.
 */
export class FakeGpiod {
  private constructor(readonly dir: string) {}

  static async create(version: '1.6.3' | '2.1.3', chips = 'gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)'): Promise<FakeGpiod> {
    const dir = await mkdtemp(join(tmpdir(), 'fake-gpiod-'));
    const log = (tool: string) => `echo "${tool} $$ $*" >> '${dir}/calls.log'`;
    const scripts: Record<keyof GpiodTools, string> = {
      gpiodetect: `${log('gpiodetect')}\nif [ "$1" = --version ]; then echo "gpiodetect (libgpiod) v${version}"; echo "Copyright (C) 2017-2023 Bartosz Golaszewski"; exit 0; fi\ncat '${dir}/chips.txt'`,
      gpioget: `${log('gpioget')}\ncat '${dir}/level.txt'`,
      gpiomon: `${log('gpiomon')}\nexec tail -n +1 -f '${dir}/events.txt'`,
      gpioset: `${log('gpioset')}\nexec sleep 3600`,
    };
    await writeFile(join(dir, 'chips.txt'), `${chips}\n`);
    await writeFile(join(dir, 'level.txt'), '0\n');
    await writeFile(join(dir, 'events.txt'), '');
    await writeFile(join(dir, 'calls.log'), '');
    for (const [name, body] of Object.entries(scripts)) {
      await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
      await chmod(join(dir, name), 0o755);
    }
    return new FakeGpiod(dir);
  }

  get tools(): GpiodTools {
    return { gpiodetect: join(this.dir, 'gpiodetect'), gpioget: join(this.dir, 'gpioget'), gpiomon: join(this.dir, 'gpiomon'), gpioset: join(this.dir, 'gpioset') };
  }

  setLevel(raw: '0' | '1'): Promise<void> {
    return writeFile(join(this.dir, 'level.txt'), `${raw}\n`);
  }

  emit(line: string): Promise<void> {
    return appendFile(join(this.dir, 'events.txt'), `${line}\n`);
  }

  /** Calls of one tool: [pid, args] in order. */
  async calls(tool: keyof GpiodTools): Promise<{ pid: number; args: string }[]> {
    const text = await readFile(join(this.dir, 'calls.log'), 'utf8');
    return text.split('\n').filter((l) => l.startsWith(`${tool} `)).map((l) => {
      const [, pid, ...args] = l.split(' ');
      return { pid: Number(pid), args: args.join(' ') };
    });
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
