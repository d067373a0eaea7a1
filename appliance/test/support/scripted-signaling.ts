import { EventEmitter } from 'node:events';
import type { CallInfo, RegistrationState, Signaling } from '../../src/ports/signaling.js';

/**
 * Signaling whose call outcome the test decides: call() waits until answer() or fail().
 * With `confirmHangups` a hang-up is confirmed at once (the far end says the call ended);
 * without it the test emits 'ended' itself, or lets the leave timeout fire.
 */
export class ScriptedSignaling extends EventEmitter implements Signaling {
  readonly calls: string[] = [];
  hangups = 0;
  private pending: { resolve: (i: CallInfo) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly options: { confirmHangups?: boolean } = {}) {
    super();
  }

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

  async hangup(): Promise<void> {
    this.hangups += 1;
    if (this.options.confirmHangups) setImmediate(() => this.emit('ended', 'local-hangup'));
  }

  answer(): void {
    const target = this.calls.at(-1);
    if (!target || !this.pending) throw new Error('no call to answer');
    this.pending.resolve({ target, audioCodec: 'opus', videoCodec: 'VP8' });
    this.pending = null;
  }

  fail(e: Error): void {
    if (!this.pending) throw new Error('no call to fail');
    this.pending.reject(e);
    this.pending = null;
  }
}
