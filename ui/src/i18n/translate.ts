import { ERROR_TEXT, LANGS, STRINGS, UNKNOWN_ERROR_TEXT, type Lang, type StringKey } from './strings.js';

export type { Lang, StringKey } from './strings.js';

/** The string for `key` in `lang`, with `{name}` placeholders filled in. */
export function t(lang: Lang, key: StringKey, params: Record<string, string | number> = {}): string {
  return STRINGS[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface FailureText {
  what: string;
  advice: string;
}

/** The plain-language failure for an error code and the server's advice on what helps. */
export function failureText(lang: Lang, code: string, advice: 'retry' | 'call-it-support'): FailureText {
  return {
    what: ERROR_TEXT[lang][code] ?? UNKNOWN_ERROR_TEXT[lang],
    advice: t(lang, advice === 'retry' ? 'advice.retry' : 'advice.call-it-support'),
  };
}

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGS as readonly string[]).includes(x);
}

export function locale(lang: Lang): string {
  return lang === 'da' ? 'da-DK' : 'en-GB';
}

/** A hardware fault or refusal code in plain words (falls back to the generic sentence). */
export function faultText(lang: Lang, code: string): string {
  return ERROR_TEXT[lang][code] ?? UNKNOWN_ERROR_TEXT[lang];
}

/** Why an action was refused, when there is more to say than "not possible right now". */
export function refusalText(lang: Lang, code: string): string {
  const key = `action.refused.${code}`;
  return key in STRINGS[lang] ? STRINGS[lang][key as StringKey] : t(lang, 'action.refused');
}
