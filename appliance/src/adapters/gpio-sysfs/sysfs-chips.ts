import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChipInfo } from '../gpio/gpio-line.js';

export interface SysfsChip extends ChipInfo {
  /** Global number of the chip's line 0: 0 on old kernels, 512 or more on current ones. */
  base: number;
}

/** Reads every /sys/class/gpio/gpiochipN (N is the base, not the chardev index). */
export async function listSysfsChips(root: string): Promise<SysfsChip[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: SysfsChip[] = [];
  for (const name of names) {
    try {
      const [label, base, ngpio] = await Promise.all(['label', 'base', 'ngpio'].map((f) => readFile(join(root, name, f), 'utf8')));
      const b = Number.parseInt(base ?? '', 10);
      const n = Number.parseInt(ngpio ?? '', 10);
      if (Number.isInteger(b) && Number.isInteger(n)) chips.push({ name, label: (label ?? '').trim(), base: b, lines: n });
    } catch {
      // A chip directory without the usual files is not one we can use.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}
