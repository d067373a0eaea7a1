import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '../../../src/core/errors.js';
import { reservePortPair } from '../../../src/adapters/gstreamer/udp-port-pairs.js';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('reservePortPair', () => {
  it('holds an even RTP port and RTP + 1 until released, never handing out the same pair twice', async () => {
    const pairs = await Promise.all(Array.from({ length: 8 }, () => reservePortPair('127.0.0.1', { min: 21000, max: 21031 })));
    const ports = pairs.flatMap((p) => [p.rtpPort, p.rtcpPort]);
    expect(new Set(ports).size).toBe(16);
    for (const p of pairs) {
      expect(p.rtpPort % 2).toBe(0);
      expect(p.rtcpPort).toBe(p.rtpPort + 1);
      expect(p.rtpPort).toBeGreaterThanOrEqual(21000);
      expect(p.rtcpPort).toBeLessThanOrEqual(21031);
      expect(await bindable(p.rtpPort)).toBe(false);
    }
    for (const p of pairs) await p.release();
    for (const p of pairs) await p.release();
    expect(await bindable(pairs[0]!.rtpPort)).toBe(true);
  });

  it('skips ports someone else holds and fails with E_MEDIA_PIPELINE when none is left', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(21101, '127.0.0.1', () => r()));
    const pair = await reservePortPair('127.0.0.1', { min: 21100, max: 21103 });
    expect(pair.rtpPort).toBe(21102);
    const err = await reservePortPair('127.0.0.1', { min: 21100, max: 21103 }, 8).then(() => undefined, (e: unknown) => e);
    expect(isApplianceError(err) && err.code).toBe('E_MEDIA_PIPELINE');
    await pair.release();
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('fails at once with E_MEDIA_PIPELINE for an address that is not on this host', async () => {
    const err = await reservePortPair('192.0.2.1').then(() => undefined, (e: unknown) => e);
    expect(isApplianceError(err) && err.code).toBe('E_MEDIA_PIPELINE');
    expect(isApplianceError(err) && err.message).toContain('192.0.2.1');
  });
});
