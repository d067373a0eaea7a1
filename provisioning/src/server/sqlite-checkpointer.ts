import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves SQLite's WAL checkpoints off the event loop. better-sqlite3 is synchronous, and a
 * checkpoint fsyncs the database file: run inline (SQLite's auto-checkpoint, on whichever
 * commit crosses 1000 pages) it stalls every request for as long as the disk takes, seconds
 * on a busy machine. Here the server's connection has auto-checkpoint off and a worker
 * thread with its own connection checkpoints (PASSIVE: never blocks the writer) every few
 * seconds, and once more on close.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* next time */ } };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('stopped');
});
`;

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | undefined;

  constructor(path: string, intervalMs = 2000) {
    const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, modulePath, intervalMs } });
    this.worker.unref();
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      const done = () => {
        void this.worker.terminate().finally(resolve);
      };
      this.worker.once('message', done);
      this.worker.once('error', done);
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
