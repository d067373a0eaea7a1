import { describe, expect, it } from 'vitest';
import { jitterBufferTargetMs, nextJitterBufferMs } from '../../../src/adapters/gstreamer/jitter-target.js';

describe('adaptive jitter buffer', () => {
  it('follows 4 x jitter + 40 ms within 40..300 ms', () => {
    expect(jitterBufferTargetMs(0)).toBe(40);
    expect(jitterBufferTargetMs(Number.NaN)).toBe(40);
    expect(jitterBufferTargetMs(10)).toBe(80);
    expect(jitterBufferTargetMs(30)).toBe(160);
    expect(jitterBufferTargetMs(500)).toBe(300);
  });

  it('grows at once and shrinks only by 30 ms or more', () => {
    expect(nextJitterBufferMs(80, 30)).toBe(160);
    expect(nextJitterBufferMs(160, 25)).toBeNull();
    expect(nextJitterBufferMs(160, 20)).toBe(120);
    expect(nextJitterBufferMs(80, 0)).toBe(40);
    expect(nextJitterBufferMs(60, 0)).toBeNull();
  });
});
