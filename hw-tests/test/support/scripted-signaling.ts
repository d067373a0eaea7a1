import { EventEmitter } from 'node:events';
import type { MediaEngine } from '../../../appliance/src/ports/media-engine.js';
import type { CallInfo, RegistrationState, Signaling } from '../../../appliance/src/ports/signaling.js';

/** Signaling whose call outcome the test decides: call() waits until answer() or fail(). */
export class ScriptedSignaling extends EventEmitter implements Signaling {
  readonly calls: string[] = [];
  hangups = 0;
  private pending: { resolve: (i: CallInfo) => void; reject: (e: Error) => void } | null = null;

  registrationState(): RegistrationState {
    return 'registered';
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  call(target: string): Promise<CallInfo> {
    this.calls.push(target);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** A BYE is confirmed at once: the far end says the call ended. */
  async hangup(): Promise<void> {
    this.hangups += 1;
    setImmediate(() => this.emit('ended', 'local-hangup'));
  }

  answer(): void {
    const target = this.calls.at(-1);
    if (!target || !this.pending) throw new Error('no call to answer');
    this.pending.resolve({ target, audioCodec: 'opus', videoCodec: 'VP8' });
    this.pending = null;
  }
}

/** A media engine that holds nothing: the suites test the button and LED path, not media. */
export const idleEngine = {
  stats: () => ({ audio: null, video: null }),
  release: async () => undefined,
} as unknown as MediaEngine;
