import { parsePositionedYaml } from '../yaml-file.js';
import type { Problem } from '../problems.js';

/**
 * secrets.yaml, kept by IT offline and never written into a bundle in the clear:
 *   sipAccounts:
 *     <sip_account_ref>: { password: "...", authUsername: "..." (optional) }
 */
export interface SipAccountSecret {
  password: string;
  authUsername?: string;
}

export interface FleetSecrets {
  file: string;
  sipAccounts: ReadonlyMap<string, SipAccountSecret>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseSecretsFile(text: string, file: string): { secrets?: FleetSecrets; problems: Problem[] } {
  const y = parsePositionedYaml(text, file, 'E_SECRETS_INVALID');
  const problems = [...y.problems];
  if (problems.length > 0) return { problems };
  const bad = (path: string[], message: string, key = false): void => {
    problems.push({ file, ...y.locate(path, { key }), code: 'E_SECRETS_INVALID', message });
  };
  const v = y.value ?? {};
  if (!isRecord(v)) {
    bad([], 'secrets file must be a mapping with sipAccounts');
    return { problems };
  }
  for (const key of Object.keys(v)) if (key !== 'sipAccounts') bad([key], `unknown key "${key}" (expected sipAccounts)`, true);
  const accounts = new Map<string, SipAccountSecret>();
  const raw = v.sipAccounts ?? {};
  if (!isRecord(raw)) {
    bad(['sipAccounts'], 'sipAccounts must be a mapping of account reference to { password }');
  } else {
    for (const [ref, entry] of Object.entries(raw)) {
      if (!isRecord(entry)) {
        bad(['sipAccounts', ref], `${ref}: expected { password: ... }`);
        continue;
      }
      for (const key of Object.keys(entry)) {
        if (key !== 'password' && key !== 'authUsername') bad(['sipAccounts', ref, key], `${ref}: unknown key "${key}" (expected password, authUsername)`, true);
      }
      // A secret value is never echoed into a problem message.
      if (typeof entry.password !== 'string' || entry.password === '') {
        bad(['sipAccounts', ref, 'password'], `${ref}: password must be a non-empty string`);
        continue;
      }
      if (entry.authUsername !== undefined && typeof entry.authUsername !== 'string') {
        bad(['sipAccounts', ref, 'authUsername'], `${ref}: authUsername must be a string`);
        continue;
      }
      accounts.set(ref.toLowerCase(), { password: entry.password, ...(entry.authUsername ? { authUsername: entry.authUsername } : {}) });
    }
  }
  return problems.length > 0 ? { problems } : { secrets: { file, sipAccounts: accounts }, problems };
}
