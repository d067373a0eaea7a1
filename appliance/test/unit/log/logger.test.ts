import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, moduleLogger, redactProtocolText, redactUri } from '../../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, stream };
}

describe('logger', () => {
  it('redacts passwords and keys at any depth and tags the module', () => {
    const { lines, stream } = capture();
    const log = moduleLogger(createLogger({ level: 'info' }, stream), 'sip');
    log.info({ account: { username: 'unit1', password: 'hunter2' }, srtp: { keySalt: 'abc' }, token: 't0k' }, 'registering');
    const out = lines.join('');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('t0k');
    expect(out).toContain('"username":"unit1"');
    expect(JSON.parse(lines[0]!).module).toBe('sip');
  });

  it('strips digest credentials, SDES keys and PINs from protocol text', () => {
    const msg = 'INVITE sip:room@x SIP/2.0\r\nProxy-Authorization: Digest username="u", response="deadbeef"\r\n\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3\r\n';
    const r = redactProtocolText(msg);
    expect(r).not.toContain('deadbeef');
    expect(r).not.toContain('QUJDREVG');
    expect(r).toContain('Proxy-Authorization: [redacted]');
    expect(r).toContain('INVITE sip:room@x');
  });

  it('hides room PINs in URIs', () => {
    expect(redactUri('sip:meet.1234**5678@pexip.example')).toBe('sip:meet.1234**[redacted]@pexip.example');
    expect(redactUri('sip:room@x;pin=4321')).toBe('sip:room@x;pin=[redacted]');
    expect(redactUri('sip:room@x')).toBe('sip:room@x');
  });
});
