/**
 * Small text fix-ups between werift and far ends that are not browsers (pure).
 *
 * - Our descriptions: werift writes `m=<kind> 9` and `c=IN IP4 0.0.0.0` even after gathering.
 *   RFC 8839 wants the default candidate there, and ICE stacks such as baresip's treat a
 *   default destination that is not among the candidates as "the peer does not do ICE".
 * - Far-end answers without a=mid (stacks without BUNDLE): werift needs a mid per section, so
 *   each gets the mid of our offer's section at the same index.
 */

function sections(sdp: string): string[][] {
  const lines = sdp.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1);
  const out: string[][] = [[]];
  for (const line of lines) {
    if (line.startsWith('m=')) out.push([]);
    out[out.length - 1]!.push(line);
  }
  return out;
}

function join(parts: string[][]): string {
  return parts.flat().filter((l) => l !== '').join('\r\n') + '\r\n';
}

/** Puts each section's first IPv4 host candidate (else the first candidate) in its m= port and c= line. */
export function withDefaultCandidates(sdp: string): string {
  const parts = sections(sdp);
  let fallback: { address: string; port: string } | null = null;
  for (const section of parts.slice(1)) {
    const candidates = section.filter((l) => l.startsWith('a=candidate:')).map((l) => l.split(' '));
    const pick = candidates.find((f) => f[2]?.toLowerCase() === 'udp' && f[7] === 'host' && /^\d+\.\d+\.\d+\.\d+$/.test(f[4] ?? '')) ?? candidates[0];
    const chosen: { address: string; port: string } | null = pick && pick[4] && pick[5] ? { address: pick[4], port: pick[5] } : fallback;
    if (!chosen) continue;
    fallback ??= chosen;
    const m = section[0]!.split(' ');
    if (m[1] === '0') continue; // a rejected section stays rejected
    m[1] = chosen.port;
    section[0] = m.join(' ');
    const family = chosen.address.includes(':') ? 'IP6' : 'IP4';
    const c = section.findIndex((l) => l.startsWith('c='));
    if (c >= 0) section[c] = `c=IN ${family} ${chosen.address}`;
    else section.splice(1, 0, `c=IN ${family} ${chosen.address}`);
  }
  return join(parts);
}

/** Adds a=mid to answer sections that lack one, copying the offer's mid at the same index. */
export function withOfferMids(answer: string, offer: string): string {
  const offerMids = sections(offer).slice(1).map((s) => s.find((l) => l.startsWith('a=mid:')) ?? null);
  const parts = sections(answer);
  parts.slice(1).forEach((section, i) => {
    if (section.some((l) => l.startsWith('a=mid:'))) return;
    const mid = offerMids[i];
    if (mid) section.push(mid);
  });
  return join(parts);
}

const SESSION_LEVEL_DEFAULTS = ['setup', 'fingerprint', 'ice-ufrag', 'ice-pwd', 'ice-options'];

/**
 * Copies session-level a=setup, a=fingerprint and ICE credentials into every media section
 * that has none of its own (RFC 8842/8839 allow both levels; werift reads the media level, so a
 * session-level a=setup:active, as baresip writes it, would otherwise be lost and both ends
 * would start DTLS as clients).
 */
export function withMediaLevelDefaults(sdp: string): string {
  const parts = sections(sdp);
  const session = parts[0]!;
  for (const name of SESSION_LEVEL_DEFAULTS) {
    const lines = session.filter((l) => l.startsWith(`a=${name}:`));
    if (lines.length === 0) continue;
    for (const section of parts.slice(1)) {
      if (!section.some((l) => l.startsWith(`a=${name}:`))) section.push(...lines);
    }
  }
  return join(parts);
}
