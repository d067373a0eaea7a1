import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The appliance package's version (dist/fleet/ and src/fleet/ both sit two levels below it). */
export function softwareVersion(): string {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' && pkg.version ? pkg.version.slice(0, 64) : 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}
