export { StreamTransport, createStreamTransportClass } from './stream-transport.js';
export type { StreamTransportConstructor, StreamTransportStats } from './stream-transport.js';
export type { CommonTransportOptions, StreamTransportOptions, StreamTransportTlsOptions, ReconnectOptions } from './stream-transport-options.js';
export type { TransportStats } from './reconnecting-transport.js';
export { SipStreamFramer, MAX_BODY_BYTES, MAX_HEADER_BYTES } from './stream-framer.js';
export type { FramerEvent, MalformedReason } from './stream-framer.js';
export type { TransportLogger, LogEntry } from './transport-logger.js';
export { WssTransport, createWssTransportClass } from './wss-transport.js';
export type { WssTransportOptions, WssTransportStats, WssTransportConstructor } from './wss-transport.js';
