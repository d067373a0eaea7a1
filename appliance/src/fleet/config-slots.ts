import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { ApplianceError } from '../core/errors.js';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import type { Bundle } from './bundle/types.js';

/**
 * The applied configuration and the one before it, each one file written atomically
 * (current.json, previous.json; 0600: the config holds the decrypted SIP password).
 */
export interface ConfigSlot {
  version: number;
  bundle: Bundle;
  /** The validated config with secrets filled in, as applied. */
  config: Record<string, unknown>;
}

export class ConfigSlots {
  constructor(private readonly stateDir: string) {}

  private path(which: 'current' | 'previous'): string {
    return join(this.stateDir, `${which}.json`);
  }

  read(which: 'current' | 'previous'): ConfigSlot | null {
    let v: unknown;
    try {
      v = readJsonFile(this.path(which));
    } catch (e) {
      throw new ApplianceError('E_FLEET_STATE', `cannot read the ${which} config: ${(e as Error).message}`, {}, { cause: e });
    }
    if (v === undefined) return null;
    const slot = v as Partial<ConfigSlot>;
    if (typeof slot.version !== 'number' || typeof slot.config !== 'object' || slot.config === null || typeof slot.bundle !== 'object') {
      throw new ApplianceError('E_FLEET_STATE', `the ${which} config file is malformed`);
    }
    return slot as ConfigSlot;
  }

  /** The current slot becomes the previous one, then `next` becomes current. */
  install(next: ConfigSlot): void {
    const current = this.read('current');
    if (current) writeFileAtomic(this.path('previous'), JSON.stringify(current), 0o600);
    writeFileAtomic(this.path('current'), JSON.stringify(next), 0o600);
  }

  /** The previous slot becomes current again (or none, when there was no previous: the local file then applies). */
  rollBack(): ConfigSlot | null {
    const previous = this.read('previous');
    if (previous) writeFileAtomic(this.path('current'), JSON.stringify(previous), 0o600);
    else rmSync(this.path('current'), { force: true });
    return previous;
  }
}
