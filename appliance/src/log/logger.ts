import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', '*.*.*.password',
  'authorizationPassword', '*.authorizationPassword',
  'pin', '*.pin', '*.*.pin', 'roomPin', '*.roomPin',
  'token', '*.token', '*.*.token',
  'keySalt', '*.keySalt', '*.*.keySalt',
  'authorization', '*.authorization', 'headers.authorization',
  'credential', '*.credential', '*.*.credential', '*.*.*.credential',
];

export function createLogger(opts: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'bedside-unit',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A child logger per module, e.g. moduleLogger(root, 'sip'). */
export function moduleLogger(root: Logger, module: string): Logger {
  return root.child({ module });
}

const SECRET_SIP_HEADER = /^((?:Proxy-)?Authorization|WWW-Authenticate|Proxy-Authenticate)\s*:.*$/gim;
const SDES_INLINE_KEY = /inline:[A-Za-z0-9+/=]+/g;
const PIN_PARAM = /([;?&](?:pin|PIN|conference_pin|password)=)[^;&\s>]+/g;

/** Strips credentials, SRTP keys and room PINs from raw protocol text before it is logged. */
export function redactProtocolText(text: string): string {
  return text
    .replace(SECRET_SIP_HEADER, (_m, name: string) => `${name}: [redacted]`)
    .replace(SDES_INLINE_KEY, 'inline:[redacted]')
    .replace(PIN_PARAM, '$1[redacted]');
}

/** Hides a room PIN embedded in a SIP URI (e.g. sip:1234**5678@pexip) for log lines. */
export function redactUri(uri: string): string {
  return uri.replace(PIN_PARAM, '$1[redacted]').replace(/^(sips?:[^@*]+)\*\*[^@]+@/, '$1**[redacted]@');
}
