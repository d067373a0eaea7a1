import { describe, expect, it } from 'vitest';
import { ERROR_TEXT, STRINGS } from '../src/i18n/strings.js';
import { failureText, isLang, t } from '../src/i18n/translate.js';

// The codes a call can fail with (appliance/src/core/call-state.ts HINTS): each needs its own words.
const CALL_FAILURE_CODES = ['E_NO_ANSWER', 'E_ROOM_BUSY', 'E_CALL_REJECTED', 'E_SERVER_UNREACHABLE', 'E_SIP_TIMEOUT', 'E_REGISTRATION_FAILED', 'E_CALL_DROPPED', 'E_MEDIA_PIPELINE', 'E_SIP_AUTH', 'E_TLS_UNTRUSTED', 'E_ROOM_NOT_FOUND', 'E_SRTP_REFUSED', 'E_CODEC_UNSUPPORTED', 'E_MEDIA_DEVICE', 'E_CONFIG_INVALID', 'E_CONFIG_UNREADABLE'];

describe('i18n', () => {
  it('has every string in both languages, none empty', () => {
    for (const key of Object.keys(STRINGS.da) as Array<keyof typeof STRINGS.da>) {
      expect(STRINGS.en[key], key).toBeTruthy();
      expect(STRINGS.da[key], key).toBeTruthy();
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('da', 'failed.code', { code: 'E_NO_ANSWER' })).toBe('Fejlkode: E_NO_ANSWER');
    expect(t('en', 'inCall.of', { minutes: 30 })).toBe('of 30 min');
    expect(t('en', 'inCall.of')).toBe('of {minutes} min');
  });

  it('says in plain words what every call failure means, in Danish and English', () => {
    for (const code of CALL_FAILURE_CODES) {
      expect(ERROR_TEXT.da[code], code).toBeTruthy();
      expect(ERROR_TEXT.en[code], code).toBeTruthy();
    }
    expect(failureText('da', 'E_ROOM_NOT_FOUND', 'call-it-support')).toEqual({
      what: 'Mødelokalet findes ikke.',
      advice: 'Ring til IT-support. Det hjælper ikke at prøve igen.',
    });
    expect(failureText('en', 'E_NO_ANSWER', 'retry').advice).toContain('Try again');
  });

  it('falls back to a generic sentence for an unknown code', () => {
    expect(failureText('da', 'E_SOMETHING_NEW', 'retry').what).toBe('Der opstod en fejl.');
  });

  it('recognises only the two languages', () => {
    expect(isLang('da')).toBe(true);
    expect(isLang('de')).toBe(false);
    expect(isLang(null)).toBe(false);
  });
});
