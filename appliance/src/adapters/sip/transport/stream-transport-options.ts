import { X509Certificate } from 'node:crypto';
import { ApplianceError } from '../../../core/errors.js';
import type { FramerLimits } from './stream-framer.js';
import type { TransportLogger } from './transport-logger.js';

export interface StreamTransportTlsOptions {
  /** Trusted CA certificate(s), PEM. Without it Node's bundled public CAs are used. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name for SNI and for the certificate check; defaults to `host`. */
  servername?: string;
  /** Must stay true unless `labAllowUntrustedTls` is set. */
  rejectUnauthorized?: boolean;
}

export interface ReconnectOptions {
  initialMs: number;
  maxMs: number;
}

/** What both SIP transports (TLS/TCP and WSS) take. */
export interface CommonTransportOptions {
  host: string;
  port: number;
  tls?: StreamTransportTlsOptions;
  /** Lab only: permits `tls.rejectUnauthorized: false`. */
  labAllowUntrustedTls?: boolean;
  /** Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * Ping period: CRLFCRLF over TLS/TCP (RFC 5626 §4.4.1, only for peers that answer it),
   * a WebSocket ping over WSS. 0 (default) disables.
   */
  keepaliveIntervalMs?: number;
  /** No pong (or any inbound message) this long after a ping means the connection is dead. Default 10 000. */
  keepaliveTimeoutMs?: number;
  /** Backoff after an unexpected drop; `false` leaves reconnection to the caller. Default 1 s .. 30 s. */
  reconnect?: ReconnectOptions | false;
  /** How long a graceful close may take before the socket is destroyed. Default 1 000. */
  closeGraceMs?: number;
  logger?: TransportLogger;
}

export interface StreamTransportOptions extends CommonTransportOptions {
  /** Via sent-protocol. Default 'TLS'; 'TCP' is for the lab. */
  protocol?: 'TLS' | 'TCP';
  framerLimits?: FramerLimits;
}

export interface ResolvedStreamTransportOptions {
  host: string;
  port: number;
  protocol: 'TLS' | 'TCP';
  tls: StreamTransportTlsOptions & { rejectUnauthorized: boolean };
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  reconnect: ReconnectOptions | false;
  closeGraceMs: number;
  logger: TransportLogger | undefined;
  framerLimits: FramerLimits;
}

const DEFAULT_RECONNECT: ReconnectOptions = { initialMs: 1_000, maxMs: 30_000 };

function invalid(field: string, message: string): ApplianceError {
  return new ApplianceError('E_CONFIG_INVALID', `SIP transport: ${field} ${message}`, { field });
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw invalid(field, 'must be a non-negative number');
  return v;
}

/** Node silently ignores an unparsable CA, which would surface later as "untrusted"; say so now. */
function checkCa(ca: string | Buffer | Array<string | Buffer>): void {
  const pems = (Array.isArray(ca) ? ca : [ca]).map((c) => c.toString());
  const blocks = pems.flatMap((p) => p.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []);
  if (blocks.length === 0) throw invalid('tls.ca', 'holds no PEM certificate');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw invalid('tls.ca', 'holds a certificate that cannot be parsed');
    }
  }
}

/** Applies defaults and rejects unsafe or nonsensical options with E_CONFIG_INVALID. */
export function resolveStreamTransportOptions(options: StreamTransportOptions): ResolvedStreamTransportOptions {
  if (typeof options?.host !== 'string' || options.host.length === 0) throw invalid('host', 'is required');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) throw invalid('port', 'must be 1..65535');
  const protocol = options.protocol ?? 'TLS';
  if (protocol !== 'TLS' && protocol !== 'TCP') throw invalid('protocol', "must be 'TLS' or 'TCP'");
  const rejectUnauthorized = options.tls?.rejectUnauthorized ?? true;
  if (!rejectUnauthorized && options.labAllowUntrustedTls !== true) {
    throw invalid('tls.rejectUnauthorized', 'may only be false with labAllowUntrustedTls');
  }
  const reconnect = options.reconnect === undefined ? DEFAULT_RECONNECT : options.reconnect;
  if (reconnect !== false) {
    nonNegative('reconnect.initialMs', reconnect.initialMs, 0);
    nonNegative('reconnect.maxMs', reconnect.maxMs, 0);
    if (reconnect.initialMs <= 0 || reconnect.maxMs < reconnect.initialMs) {
      throw invalid('reconnect', 'needs 0 < initialMs <= maxMs');
    }
  }
  if (options.tls?.ca !== undefined) checkCa(options.tls.ca);
  const connectTimeoutMs = nonNegative('connectTimeoutMs', options.connectTimeoutMs, 10_000);
  if (connectTimeoutMs === 0) throw invalid('connectTimeoutMs', 'must be positive');
  const keepaliveTimeoutMs = nonNegative('keepaliveTimeoutMs', options.keepaliveTimeoutMs, 10_000);
  if (keepaliveTimeoutMs === 0) throw invalid('keepaliveTimeoutMs', 'must be positive');
  return {
    host: options.host,
    port: options.port,
    protocol,
    tls: { ...options.tls, rejectUnauthorized },
    connectTimeoutMs,
    keepaliveIntervalMs: nonNegative('keepaliveIntervalMs', options.keepaliveIntervalMs, 0),
    keepaliveTimeoutMs,
    reconnect: reconnect === false ? false : { ...reconnect },
    closeGraceMs: nonNegative('closeGraceMs', options.closeGraceMs, 1_000),
    logger: options.logger,
    framerLimits: { ...options.framerLimits },
  };
}
