/** The far end's display name from a real 200 OK as SIP.js parses it (the panel's participant list). */
import { Core } from 'sip.js';
import { describe, expect, it } from 'vitest';
import { remoteDisplayName } from '../../../src/adapters/sip/remote-display-name.js';

const logger = new Core.LoggerFactory().getLogger('test');

function ok200(extra: string[], to = '<sip:vuk-4711@meet.example.org>;tag=abc'): Core.IncomingResponseMessage {
  const raw = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK776asdhds',
    `To: ${to}`,
    'From: <sip:unit1@example.org>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 1 INVITE',
    'Contact: <sip:room@127.0.0.1:5061;transport=tls>',
    ...extra,
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
  const m = Core.Parser.parseMessage(raw, logger);
  if (!(m instanceof Core.IncomingResponseMessage)) throw new Error('not parsed as a response');
  return m;
}

describe('remoteDisplayName', () => {
  it('takes the P-Asserted-Identity name first, quoted or not, unescaping quotes', () => {
    expect(remoteDisplayName(ok200(['P-Asserted-Identity: "Kommunen, hjemmeplejen" <sip:vuk@meet.example.org>']))).toBe('Kommunen, hjemmeplejen');
    expect(remoteDisplayName(ok200(['P-Asserted-Identity: Egen læge <sip:gp@meet.example.org>']))).toBe('Egen læge');
    expect(remoteDisplayName(ok200(['P-Asserted-Identity: "Stue \\"4\\"" <sip:r@x>']))).toBe('Stue "4"');
  });

  it('falls back to the To display name, and to null when the room names nobody', () => {
    expect(remoteDisplayName(ok200([], '"VUK Geriatri" <sip:vuk-4711@meet.example.org>;tag=abc'))).toBe('VUK Geriatri');
    expect(remoteDisplayName(ok200(['P-Asserted-Identity: <sip:vuk@meet.example.org>']))).toBeNull();
    expect(remoteDisplayName(ok200([]))).toBeNull();
  });

  it('caps a long name at 80 characters', () => {
    expect(remoteDisplayName(ok200([`P-Asserted-Identity: "${'x'.repeat(200)}" <sip:a@b>`]))?.length).toBe(80);
  });
});
