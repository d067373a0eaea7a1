import { describe, expect, it } from 'vitest';
import { defaultProxyPort } from '../../../src/unit.js';

describe('defaultProxyPort', () => {
  it('uses the well-known port of each transport (the self-test checks the same port the unit dials)', () => {
    expect(defaultProxyPort('tls')).toBe(5061);
    expect(defaultProxyPort('wss')).toBe(443);
    expect(defaultProxyPort('tcp')).toBe(5060);
  });
});
