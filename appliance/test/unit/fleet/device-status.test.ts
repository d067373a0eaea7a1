import { describe, expect, it } from 'vitest';
import type { UnitStatus, ActiveFault } from '../../../src/app/unit-controller.js';
import type { CallSnapshot } from '../../../src/core/call-state.js';
import { DEFAULT_CONTROLS } from '../../../src/core/controls.js';
import type { ErrorCode } from '../../../src/core/errors.js';
import { deviceStatuses, type DeviceFacts } from '../../../src/fleet/device-status.js';
import { buildHeartbeat } from '../../../src/fleet/heartbeat.js';

const fault = (code: string, source: string): ActiveFault => ({ code: code as ErrorCode, source, since: 0 });

function status(faults: ActiveFault[], loopEnabled = true): UnitStatus {
  return {
    call: { state: 'idle' } as CallSnapshot, registration: 'registered', led: null,
    controls: { ...DEFAULT_CONTROLS, loopEnabled }, faults, nextMeeting: null,
  } as UnitStatus;
}

/** The devices as the heartbeat reports them: the facts, then active faults on top. */
function reported(o: { faults?: ActiveFault[]; loopEnabled?: boolean; ioBoard?: DeviceFacts['ioBoard']; mode?: 'sim' | 'pi'; video?: boolean } = {}) {
  const s = status(o.faults ?? [], o.loopEnabled ?? true);
  const devices = deviceStatuses({ mode: o.mode ?? 'sim', videoEnabled: o.video ?? true, ioBoard: o.ioBoard === undefined ? { answered: true } : o.ioBoard, status: s });
  return buildHeartbeat({ status: s, softwareVersion: 't', bundleVersion: 0, uptimeSeconds: 1, meetings: [], devices });
}

describe('heartbeat device statuses from the unit\'s real state', () => {
  it('a unit without a pod reports the I/O board and the loop absent', () => {
    expect(reported({ ioBoard: null }).devices).toEqual({ camera: 'ok', microphone: 'ok', speaker: 'ok', loop: 'absent', ioBoard: 'absent' });
  });

  it('a connected pod with the loop on is ok; loop off is not measured, so unknown', () => {
    expect(reported().devices).toMatchObject({ loop: 'ok', ioBoard: 'ok' });
    expect(reported({ loopEnabled: false }).devices).toMatchObject({ loop: 'unknown', ioBoard: 'ok' });
  });

  it('a configured board that has not answered yet is unknown, not ok', () => {
    expect(reported({ ioBoard: { answered: false } }).devices).toMatchObject({ loop: 'unknown', ioBoard: 'unknown' });
  });

  it('an unreachable board is a fault and its loop unknown', () => {
    const hb = reported({ faults: [fault('E_IOBOARD_UNREACHABLE', 'ioboard')] });
    expect(hb.devices).toMatchObject({ loop: 'unknown', ioBoard: 'fault' });
    expect(hb.faults).toEqual(['E_IOBOARD_UNREACHABLE']);
  });

  it('a loop fault is the loop\'s; a stuck pod button is the board\'s', () => {
    expect(reported({ faults: [fault('E_LOOP_OPEN_CIRCUIT', 'loop')] }).devices).toMatchObject({ loop: 'fault', ioBoard: 'ok' });
    expect(reported({ faults: [fault('E_BUTTON_STUCK', 'pod')] }).devices).toMatchObject({ loop: 'ok', ioBoard: 'fault' });
  });

  it('display and start-button faults travel as fault codes without touching the devices', () => {
    const hb = reported({ faults: [fault('E_DISPLAY_CEC', 'display'), fault('E_BUTTON_STUCK', 'start-button')] });
    expect(hb.devices).toEqual({ camera: 'ok', microphone: 'ok', speaker: 'ok', loop: 'ok', ioBoard: 'ok' });
    expect(hb.faults).toEqual(['E_DISPLAY_CEC', 'E_BUTTON_STUCK']);
  });

  it('on a pi the media devices are unknown until a self-test; no video means no camera', () => {
    expect(reported({ mode: 'pi' }).devices).toEqual({ camera: 'unknown', microphone: 'unknown', speaker: 'unknown', loop: 'ok', ioBoard: 'ok' });
    expect(reported({ mode: 'pi', video: false, ioBoard: null }).devices).toMatchObject({ camera: 'absent', loop: 'absent', ioBoard: 'absent' });
  });
});
