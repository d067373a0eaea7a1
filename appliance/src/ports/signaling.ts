import type { ApplianceError } from '../core/errors.js';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed' | 'not-configured';

export type CallEndReason = 'local-hangup' | 'remote-hangup' | 'cancelled' | 'error';

export interface CallInfo {
  target: string;
  audioCodec: string | null;
  videoCodec: string | null;
  /** The far end's display name as the room tells it (P-Asserted-Identity, To or From); null/absent when it sends none. */
  remoteDisplayName?: string | null;
}

export interface SignalingEvents {
  'registration': (state: RegistrationState, error?: ApplianceError) => void;
  /** The call reached Established (200 OK sent or received, ACKed). */
  'established': (info: CallInfo) => void;
  'ended': (reason: CallEndReason, error?: ApplianceError) => void;
  /** An inbound INVITE was refused (603) because the caller is not allow-listed. */
  'inbound-refused': (from: string) => void;
}

export interface Signaling {
  /** Connects the transport and registers when an account is configured. */
  start(): Promise<void>;
  stop(): Promise<void>;
  registrationState(): RegistrationState;
  /** Places a call; resolves when established, rejects with an ApplianceError. */
  call(target: string): Promise<CallInfo>;
  /** Ends the current call: CANCEL while joining, BYE when established. Safe when idle. */
  hangup(): Promise<void>;
  on<E extends keyof SignalingEvents>(event: E, listener: SignalingEvents[E]): this;
  off<E extends keyof SignalingEvents>(event: E, listener: SignalingEvents[E]): this;
}
