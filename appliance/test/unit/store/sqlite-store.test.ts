import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../src/adapters/sqlite/sqlite-store.js';
import type { CallRecord } from '../../../src/ports/store.js';

const dirs: string[] = [];
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'store-'));
  dirs.push(d);
  return join(d, 'sub', 'unit.db');
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const call = (id: string, endedAt: number): CallRecord => ({
  id, roomUri: 'sip:room@x', source: 'own-room', meetingId: null, startedAt: endedAt - 5000,
  establishedAt: endedAt - 4000, endedAt, endReason: 'local-hangup', errorCode: null,
  audioCodec: 'opus', videoCodec: 'VP8', packetsLost: 0, jitterMs: 1.5,
});

describe('SqliteStore', () => {
  it('uses WAL, survives a restart, and orders calls newest first', async () => {
    const path = tempDb();
    const s = new SqliteStore(path);
    await s.start();
    s.recordCall(call('a', 1000));
    s.recordCall(call('b', 2000));
    s.appendEvent('state', { from: 'idle', to: 'joining' }, 10);
    s.setSetting('speakerVolume', 7);
    await s.stop();
    await s.stop();

    const again = new SqliteStore(path);
    await again.start();
    expect(again.recentCalls(10).map((c) => c.id)).toEqual(['b', 'a']);
    expect(again.recentCalls(1)[0]).toEqual(call('b', 2000));
    expect(again.recentEvents(10)).toEqual([{ at: 10, type: 'state', data: { from: 'idle', to: 'joining' } }]);
    expect(again.getSetting<number>('speakerVolume')).toBe(7);
    expect(again.getSetting('missing')).toBeUndefined();
    await again.stop();

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((raw.prepare('SELECT duration_ms FROM calls WHERE id = ?').get('a') as { duration_ms: number }).duration_ms).toBe(4000);
    raw.close();
  });

  it('keeps the event log append-only', async () => {
    const path = tempDb();
    const s = new SqliteStore(path);
    await s.start();
    s.appendEvent('boot');
    await s.stop();
    const raw = new Database(path);
    expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(() => raw.prepare("UPDATE events SET type = 'x'").run()).toThrow(/append-only/);
    raw.close();
  });

  it('reports E_STORE when used before start or when the path cannot be opened', async () => {
    const s = new SqliteStore(tempDb());
    expect(() => s.appendEvent('x')).toThrow(expect.objectContaining({ code: 'E_STORE' }));
    const file = tempDb().replace(/sub\/unit\.db$/, 'plain-file');
    writeFileSync(file, 'not a directory');
    const bad = new SqliteStore(join(file, 'unit.db'));
    await expect(bad.start()).rejects.toMatchObject({ code: 'E_STORE' });
  });
});
