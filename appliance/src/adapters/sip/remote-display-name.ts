/** The part of a SIP.js message the display name is read from. */
export interface NamedMessage {
  getHeader(name: string): string | undefined;
  readonly to: { readonly displayName?: string };
}

/**
 * The answering side's display name for the panel's participant list: P-Asserted-Identity
 * first (meeting services set it), else the To header's display name. Capped at 80 chars.
 */
export function remoteDisplayName(m: NamedMessage): string | null {
  const pai = m.getHeader('P-Asserted-Identity');
  const fromPai = pai ? /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*</.exec(pai) : null;
  const name = (fromPai?.[1] ?? fromPai?.[2] ?? '').replace(/\\(.)/g, '$1').trim() || (m.to.displayName ?? '').trim();
  return name ? name.slice(0, 80) : null;
}
