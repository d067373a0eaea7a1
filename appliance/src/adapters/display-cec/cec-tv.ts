import { spawn } from 'node:child_process';
import { ApplianceError } from '../../core/errors.js';
import type { DisplayOutput } from '../../ports/display.js';

export interface CecTvOptions {
  /** The CEC adapter, e.g. /dev/cec0 (the Pi's HDMI port; /dev/cec1 for the second). */
  device: string;
  /** A cec-ctl run that takes longer is killed and reported (E_DISPLAY_CEC, reason timeout). */
  timeoutMs: number;
  /** Tests: another program, or PATH pointing at a fake cec-ctl. */
  command?: string;
  env?: NodeJS.ProcessEnv;
}

/** What cec-ctl prints when the TV did not take the message (no ACK, no reply, bus trouble). */
const TX_FAILED = /Not Acknowledged|Timeout|Arbitration Lost|Aborted|Low Drive|Error/i;

/**
 * The TV over HDMI-CEC through cec-ctl (Debian v4l-utils): the unit claims a playback-device
 * address and sends Image View On to the TV (logical address 0) to wake it, Standby after.
 * A TV that does not acknowledge, a missing adapter, or a cec-ctl that hangs is E_DISPLAY_CEC.
 */
export class CecTv implements DisplayOutput {
  readonly kind = 'tv' as const;

  constructor(private readonly o: CecTvOptions) {}

  wake(): Promise<void> {
    return this.send('--image-view-on');
  }

  standby(): Promise<void> {
    return this.send('--standby');
  }

  private send(message: '--image-view-on' | '--standby'): Promise<void> {
    const args = ['-d', this.o.device, '-s', '--playback', '--to', '0', message];
    const fail = (reason: string, text: string, cause?: unknown) =>
      new ApplianceError('E_DISPLAY_CEC', `cec-ctl ${message}: ${text}`, { device: this.o.device, message, reason }, cause ? { cause } : undefined);
    return new Promise((resolve, reject) => {
      let out = '';
      let settled = false;
      const done = (e?: ApplianceError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (e) reject(e);
        else resolve();
      };
      const child = spawn(this.o.command ?? 'cec-ctl', args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.o.env ?? process.env });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(fail('timeout', `no answer within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('error', (e: NodeJS.ErrnoException) => done(fail(e.code === 'ENOENT' ? 'no-cec-ctl' : 'spawn', e.message, e)));
      child.on('close', (code) => {
        const line = out.split('\n').map((l) => l.trim()).find((l) => TX_FAILED.test(l));
        if (code !== 0) done(fail('exit', `exited ${code}${line ? `: ${line}` : ''}`));
        else if (line) done(fail('not-acknowledged', line));
        else done();
      });
    });
  }
}
