import { describe, expect, it } from 'vitest';
import { elapsedSince, formatElapsed, meetingPhase } from '../src/logic/meeting-time.js';

const MIN = 60_000;

describe('meeting time', () => {
  it('formats elapsed time as m:ss, then h:mm:ss', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(59_999)).toBe('0:59');
    expect(formatElapsed(25 * MIN + 7_000)).toBe('25:07');
    expect(formatElapsed(61 * MIN + 5_000)).toBe('1:01:05');
    expect(formatElapsed(-5_000)).toBe('0:00');
  });

  it('warns gently from 25 minutes and says so when past 30', () => {
    expect(meetingPhase(24 * MIN + 59_999)).toBe('normal');
    expect(meetingPhase(25 * MIN)).toBe('warn');
    expect(meetingPhase(29 * MIN + 59_999)).toBe('warn');
    expect(meetingPhase(30 * MIN)).toBe('over');
  });

  it('corrects for the difference between the panel and daemon clocks', () => {
    // The panel's clock runs 2 s ahead of the daemon's.
    expect(elapsedSince(100_000, 112_000, 2_000)).toBe(10_000);
  });
});
