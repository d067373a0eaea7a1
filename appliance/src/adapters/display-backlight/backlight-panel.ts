import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError } from '../../core/errors.js';
import type { DisplayOutput } from '../../ports/display.js';

export interface BacklightPanelOptions {
  /** Directory under class/backlight (e.g. 10-0045 for the Pi touch display); unset: the only one. */
  name?: string;
  /** Tests: a fake sysfs tree. */
  sysfsRoot?: string;
}

/** FB_BLANK_UNBLANK and FB_BLANK_POWERDOWN, what bl_power takes. */
const ON = '0';
const OFF = '4';

/** The touch panel's backlight through sysfs bl_power: lit to wake, powered down to blank. */
export class BacklightPanel implements DisplayOutput {
  readonly kind = 'panel' as const;
  private readonly root: string;

  constructor(private readonly o: BacklightPanelOptions = {}) {
    this.root = join(o.sysfsRoot ?? '/sys', 'class', 'backlight');
  }

  wake(): Promise<void> {
    return this.write(ON);
  }

  standby(): Promise<void> {
    return this.write(OFF);
  }

  private async device(): Promise<string> {
    if (this.o.name) return this.o.name;
    const names = await readdir(this.root).catch(() => [] as string[]);
    if (names.length !== 1) {
      throw new ApplianceError('E_DISPLAY_PANEL', names.length === 0
        ? `no backlight under ${this.root}`
        : `${names.length} backlights under ${this.root}: set hardware.display.backlight.name`, { found: names });
    }
    return names[0] as string;
  }

  private async write(value: string): Promise<void> {
    const name = await this.device();
    const path = join(this.root, name, 'bl_power');
    try {
      await writeFile(path, value);
    } catch (e) {
      throw new ApplianceError('E_DISPLAY_PANEL', `cannot write ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
  }
}
