/**
 * No one can call into a patient's room unless IT allow-listed them. Compares user and host
 * of the caller's URI (scheme, port and parameters ignored; host case-insensitive).
 */
export function callerAllowed(fromUri: string, allowList: readonly string[]): boolean {
  const caller = userAtHost(fromUri);
  if (!caller) return false;
  return allowList.some((a) => userAtHost(a) === caller);
}

function userAtHost(uri: string): string | null {
  const m = /^sips?:([^@;?>\s]+)@([^;?:>\s]+)/i.exec(uri.trim().replace(/^<|>$/g, ''));
  if (!m) return null;
  return `${m[1]}@${m[2]!.toLowerCase()}`;
}
