import { execFile } from 'node:child_process';
import { ApplianceError } from '../../core/errors.js';
import type { ChipInfo } from '../gpio/gpio-line.js';

/**
 * Debian's libgpiod command-line tools. bookworm ships v1 (positional chip, `-b` line
 * buffering, "event:  RISING EDGE offset: 17 timestamp: [...]"), trixie ships v2 (`-c chip`,
 * `--format`, gpioset holds the line until killed). Paths are configurable for tests.
 */
export interface GpiodTools {
  gpiodetect: string;
  gpioget: string;
  gpiomon: string;
  gpioset: string;
}

export const DEFAULT_GPIOD_TOOLS: Readonly<GpiodTools> = Object.freeze({
  gpiodetect: 'gpiodetect', gpioget: 'gpioget', gpiomon: 'gpiomon', gpioset: 'gpioset',
});

export type GpiodMajor = 1 | 2;
export type Bias = 'pull-up' | 'pull-down' | 'disabled';

/** "gpiodetect (libgpiod) v1.6.3" -> 1; "gpiodetect (libgpiod) v2.1.3" -> 2. */
export function parseGpiodVersion(text: string): GpiodMajor | null {
  const m = /libgpiod\)?\s+v?(\d+)\.\d+/.exec(text) ?? /\bv(\d+)\.\d+/.exec(text);
  const major = m ? Number(m[1]) : NaN;
  return major === 1 || major === 2 ? major : null;
}

/** "gpiochip0 [pinctrl-bcm2711] (58 lines)", one chip a line; the same in v1 and v2. */
export function parseGpiodetect(text: string): ChipInfo[] {
  const chips: ChipInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\[([^\]]*)\]\s+\((\d+)\s+lines?\)/.exec(line);
    if (m) chips.push({ name: m[1] ?? '', label: m[2] ?? '', lines: Number(m[3]) });
  }
  return chips;
}

export interface GpiomonEvent {
  offset: number;
  rising: boolean;
}

/**
 * One line of gpiomon output:
 *   v1 default  "event:  RISING EDGE offset: 17 timestamp: [  8011.365587215]"
 *   v2 ours     "17 rising 8011.365587215"           (--format='%o %E %S')
 *   v2 default  "8011.365587215\trising\tgpiochip0 17" (or a quoted line name instead)
 */
export function parseGpiomonLine(line: string): GpiomonEvent | null {
  const v1 = /event:\s+(RISING|FALLING)\s+EDGE\s+offset:\s*(\d+)/i.exec(line);
  if (v1) return { rising: v1[1]?.toUpperCase() === 'RISING', offset: Number(v1[2]) };
  const ours = /^\s*(\d+)\s+(rising|falling)\b/i.exec(line);
  if (ours) return { offset: Number(ours[1]), rising: ours[2]?.toLowerCase() === 'rising' };
  const v2 = /^\s*[\d.]+\s+(rising|falling)\s+\S+\s+(\d+)\s*$/i.exec(line);
  if (v2) return { rising: v2[1]?.toLowerCase() === 'rising', offset: Number(v2[2]) };
  return null;
}

export function gpiogetArgs(v: GpiodMajor, chip: string, offset: number, bias?: Bias): string[] {
  if (v === 1) return [...(bias ? ['-B', bias] : []), chip, String(offset)];
  return ['--numeric', ...(bias ? ['-b', bias] : []), '-c', chip, String(offset)];
}

export function gpiomonArgs(v: GpiodMajor, chip: string, offset: number, bias?: Bias): string[] {
  if (v === 1) return ['-b', ...(bias ? ['-B', bias] : []), chip, String(offset)];
  return [...(bias ? ['-b', bias] : []), '--format=%o %E %S', '-c', chip, String(offset)];
}

/** gpioset that keeps driving the line until it is sent SIGTERM. */
export function gpiosetArgs(v: GpiodMajor, chip: string, offset: number, high: boolean): string[] {
  const assignment = `${offset}=${high ? 1 : 0}`;
  if (v === 1) return ['--mode=signal', chip, assignment];
  return ['-c', chip, assignment];
}

/** Runs a tool to completion; a missing tool or a failure is E_GPIO_UNAVAILABLE. */
export function runTool(path: string, args: readonly string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, [...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(new ApplianceError('E_GPIO_UNAVAILABLE', `${path} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`, { tool: path }, { cause: err }));
      } else {
        resolve(stdout);
      }
    });
  });
}

export async function detectGpiodVersion(tools: GpiodTools): Promise<GpiodMajor> {
  const out = await runTool(tools.gpiodetect, ['--version']);
  const v = parseGpiodVersion(out);
  if (v === null) throw new ApplianceError('E_GPIO_UNAVAILABLE', `unknown libgpiod version: ${out.split('\n')[0] ?? ''}`, { tool: tools.gpiodetect });
  return v;
}
