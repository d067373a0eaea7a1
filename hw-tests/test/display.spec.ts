/**
 * The screens on a real unit: the TV over HDMI-CEC (HW_CEC_DEVICE, e.g. /dev/cec0) and the touch
 * panel's backlight (HW_BACKLIGHT, the name under /sys/class/backlight). The jig's TV must have
 * CEC switched on; the tester watches it go to standby and wake. On sim there is no CEC adapter
 * or backlight: the adapters run against a fake cec-ctl and a fake sysfs in
 * appliance/test/unit/display/display.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BacklightPanel } from '../../appliance/src/adapters/display-backlight/backlight-panel.js';
import { CecTv } from '../../appliance/src/adapters/display-cec/cec-tv.js';
import { env, hwTarget, sleep } from './support/target.js';

describe('screens (HDMI-CEC TV, panel backlight)', function () {
  this.timeout(30_000);

  before(function () {
    if (hwTarget() === 'sim') {
      console.log('      skipped: sim has no CEC adapter or backlight (the adapters are tested against fakes in appliance/test/unit/display)');
      this.skip();
    }
  });

  it('puts the TV in standby and wakes it again; the TV acknowledges both', async function () {
    const device = env('HW_CEC_DEVICE');
    if (!device) {
      console.log('      skipped: set HW_CEC_DEVICE (e.g. /dev/cec0) with a CEC-enabled TV on the HDMI port');
      this.skip();
    }
    const tv = new CecTv({ device: device!, timeoutMs: 5000 });
    // Each rejects with E_DISPLAY_CEC when the TV does not acknowledge or cec-ctl hangs.
    await tv.standby();
    await sleep(3000);
    await tv.wake();
  });

  it('blanks and lights the panel backlight', async function () {
    const name = env('HW_BACKLIGHT');
    if (!name) {
      console.log('      skipped: set HW_BACKLIGHT (the directory under /sys/class/backlight, e.g. 10-0045)');
      this.skip();
    }
    const panel = new BacklightPanel({ name: name! });
    await panel.standby();
    await sleep(1000);
    await panel.wake();
    assert.equal((await readFile(`/sys/class/backlight/${name!}/bl_power`, 'utf8')).trim(), '0');
  });
});
