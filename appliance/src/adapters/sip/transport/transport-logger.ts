/**
 * The minimal logger the transport writes to: pino-compatible, one argument.
 * Entries are objects with a `msg` field, which pino prints as the message.
 * SIP message text is only ever written at `trace` (it can carry Authorization headers).
 */
export type LogEntry = { msg: string } & Record<string, unknown>;

export interface TransportLogger {
  debug(entry: LogEntry): void;
  info(entry: LogEntry): void;
  warn(entry: LogEntry): void;
  error(entry: LogEntry): void;
  trace?(entry: LogEntry): void;
}

/** The subset of SIP.js's `Logger` the transport can fall back to. */
export interface SipJsLoggerLike {
  debug(content: string): void;
  log(content: string): void;
  warn(content: string): void;
  error(content: string): void;
}

function format(entry: LogEntry): string {
  const { msg, ...rest } = entry;
  return Object.keys(rest).length === 0 ? msg : `${msg} ${JSON.stringify(rest)}`;
}

/** Adapts the logger SIP.js hands to transport constructors. No `trace`, so no message text. */
export function fromSipJsLogger(logger: SipJsLoggerLike): TransportLogger {
  return {
    debug: (e) => logger.debug(format(e)),
    info: (e) => logger.log(format(e)),
    warn: (e) => logger.warn(format(e)),
    error: (e) => logger.error(format(e)),
  };
}

export const silentLogger: TransportLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
