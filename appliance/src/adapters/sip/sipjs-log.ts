import type { Logger } from '../../log/logger.js';
import { redactProtocolText } from '../../log/logger.js';

/** Routes SIP.js's own log lines into pino, with credentials and keys stripped. */
export function sipJsLogConnector(log: Logger) {
  return (level: string, category: string, _label: string | undefined, content: string): void => {
    const text = redactProtocolText(content);
    const entry = { component: 'sip.js', category };
    if (level === 'error') log.error(entry, text);
    else if (level === 'warn') log.warn(entry, text);
    else log.debug(entry, text);
  };
}
