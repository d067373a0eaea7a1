/** Writes the SDP model as text: RFC 8866 line order, CRLF line ends. */
import { serializeCryptoAttribute } from './crypto-attribute.js';
import { payloadTypeOrder, type SdpAttribute, type SdpBandwidth, type SdpConnection, type SdpMedia, type SessionDescription } from './model.js';

export function serializeSdp(sd: SessionDescription): string {
  const out: string[] = [];
  const o = sd.origin;
  out.push('v=0');
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  out.push(`s=${sd.sessionName}`);
  if (sd.info !== null) out.push(`i=${sd.info}`);
  if (sd.uri !== null) out.push(`u=${sd.uri}`);
  for (const e of sd.emails) out.push(`e=${e}`);
  for (const p of sd.phones) out.push(`p=${p}`);
  if (sd.connection) out.push(connectionLine(sd.connection));
  out.push(...bandwidthLines(sd.bandwidths));
  for (const t of sd.timings) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (sd.timeZones !== null) out.push(`z=${sd.timeZones}`);
  if (sd.encryptionKey !== null) out.push(`k=${sd.encryptionKey}`);
  if (sd.direction) out.push(`a=${sd.direction}`);
  out.push(...attributeLines(sd.attributes));
  for (const m of sd.media) out.push(...mediaLines(m));
  return out.join('\r\n') + '\r\n';
}

function mediaLines(m: SdpMedia): string[] {
  const out: string[] = [];
  const port = m.portCount === null ? String(m.port) : `${m.port}/${m.portCount}`;
  out.push(`m=${m.media} ${port} ${m.proto} ${m.formats.join(' ')}`);
  if (m.title !== null) out.push(`i=${m.title}`);
  if (m.connection) out.push(connectionLine(m.connection));
  out.push(...bandwidthLines(m.bandwidths));
  if (m.encryptionKey !== null) out.push(`k=${m.encryptionKey}`);
  if (m.rtcp) out.push(`a=rtcp:${m.rtcp.port}${m.rtcp.connection ? ' ' + connectionValue(m.rtcp.connection) : ''}`);
  if (m.rtcpMux) out.push('a=rtcp-mux');
  for (const pt of payloadTypeOrder(m)) {
    const r = m.rtpmaps.find((x) => x.payloadType === pt);
    if (r) out.push(`a=rtpmap:${pt} ${r.encoding}/${r.clockRate}${r.channels !== undefined ? '/' + r.channels : ''}`);
    const f = m.fmtps.find((x) => x.payloadType === pt);
    if (f) out.push(`a=fmtp:${pt}${f.value === '' ? '' : ' ' + f.value}`);
  }
  if (m.direction) out.push(`a=${m.direction}`);
  for (const c of m.crypto) out.push(`a=crypto:${serializeCryptoAttribute(c)}`);
  for (const s of m.ssrcs) out.push(`a=ssrc:${s.ssrc} ${s.attribute}${s.value === null ? '' : ':' + s.value}`);
  out.push(...attributeLines(m.attributes));
  return out;
}

function connectionValue(c: SdpConnection): string {
  let spec = c.address;
  if (c.ttl !== undefined) spec += `/${c.ttl}`;
  if (c.count !== undefined) spec += `/${c.count}`;
  return `${c.netType} ${c.addrType} ${spec}`;
}

function connectionLine(c: SdpConnection): string {
  return `c=${connectionValue(c)}`;
}

function bandwidthLines(bs: SdpBandwidth[]): string[] {
  return bs.map((b) => `b=${b.type}:${b.kbps}`);
}

function attributeLines(as: SdpAttribute[]): string[] {
  return as.map((a) => (a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`));
}
