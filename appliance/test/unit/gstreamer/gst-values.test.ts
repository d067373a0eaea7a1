import { describe, expect, it } from 'vitest';
import { levelRmsDb, parseNumberArray, parseStructureNumbers } from '../../../src/adapters/gstreamer/gst-values.js';
import { audioReceiveStats, framesRendered, srtpReceiveCounts } from '../../../src/adapters/gstreamer/receive-stats.js';

describe('level messages', () => {
  it('reads the loudest channel of the rms array string', () => {
    expect(levelRmsDb('< -4.871666 >')).toBeCloseTo(-4.871666);
    expect(levelRmsDb('< -20.5, -6.25 >')).toBe(-6.25);
  });

  it('treats silence and garbage as -Infinity', () => {
    expect(levelRmsDb('< -inf, -inf >')).toBe(-Infinity);
    expect(levelRmsDb('<  >')).toBe(-Infinity);
    expect(levelRmsDb(undefined)).toBe(-Infinity);
    expect(levelRmsDb(42)).toBe(-Infinity);
    expect(levelRmsDb('< abc >')).toBe(-Infinity);
  });

  it('accepts typed array members', () => {
    expect(parseNumberArray('< (double)-3.5, (double)-700 >')).toEqual([-3.5, -700]);
  });
});

const JITTERBUFFER =
  'application/x-rtp-jitterbuffer-stats, num-pushed=(guint64)147, num-lost=(guint64)3, num-late=(guint64)0, ' +
  'num-duplicates=(guint64)0, avg-jitter=(guint64)2290228, rtx-count=(guint64)0, rtx-success-count=(guint64)0, ' +
  'rtx-per-packet=(double)0, rtx-rtt=(guint64)0;';

const SRTPDEC =
  'application/x-srtp-decoder-stats, streams=(structure)< "application/x-srtp-stream\\,\\ ssrc\\=\\(uint\\)1912085336\\,\\ ' +
  'roc\\=\\(uint\\)0\\,\\ recv-count\\=\\(uint\\)148\\,\\ recv-drop-count\\=\\(uint\\)7\\;" >, recv-count=(uint)150, recv-drop-count=(uint)9;';

describe('GstStructure strings', () => {
  it('reads top-level numeric fields of jitter buffer stats', () => {
    const s = parseStructureNumbers(JITTERBUFFER);
    expect(s['num-pushed']).toBe(147);
    expect(s['num-lost']).toBe(3);
    expect(s['avg-jitter']).toBe(2290228);
    expect(s['rtx-per-packet']).toBe(0);
  });

  it('does not let fields nested in arrays shadow the top-level ones', () => {
    const s = parseStructureNumbers(SRTPDEC);
    expect(s['recv-count']).toBe(150);
    expect(s['recv-drop-count']).toBe(9);
    expect(s['ssrc']).toBeUndefined();
  });

  it('maps jitter buffer stats to MediaStats (jitter ns -> ms)', () => {
    expect(audioReceiveStats({ stats: JITTERBUFFER })).toEqual({ packetsReceived: 147, packetsLost: 3, jitterMs: 2.290228 });
    expect(audioReceiveStats(undefined)).toEqual({ packetsReceived: 0, packetsLost: 0, jitterMs: 0 });
  });

  it('reads basesink rendered frames and srtpdec counters', () => {
    expect(framesRendered({ stats: 'application/x-gst-base-sink-stats, average-rate=(double)14.9, dropped=(guint64)0, rendered=(guint64)57;' })).toBe(57);
    expect(framesRendered({ stats: undefined })).toBe(0);
    expect(srtpReceiveCounts({ stats: SRTPDEC })).toEqual({ received: 150, dropped: 9 });
    expect(srtpReceiveCounts(undefined)).toBeNull();
  });
});
