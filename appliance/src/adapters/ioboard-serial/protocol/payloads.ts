import { IoBoardProtocolError } from './errors.js';
import type { Frame } from './frame.js';
import { MESSAGE_TYPE, MESSAGES, PROTOCOL_VERSION } from './protocol-gen.js';
import type { MessageName } from './protocol-gen.js';

type FieldName<N extends MessageName> = (typeof MESSAGES)[N]['fields'][number]['name'];
/** A message's payload as named numbers, typed from the generated layout. */
export type PayloadOf<N extends MessageName> = { [K in FieldName<N>]: number };

export type DecodedMessage = { [N in MessageName]: { name: N; seq: number; fields: PayloadOf<N> } }[MessageName];

const NAME_BY_TYPE = new Map<number, MessageName>(
  (Object.entries(MESSAGE_TYPE) as [MessageName, number][]).map(([name, id]) => [id, name]),
);

const MAX_BY_TYPE = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;

export function messageName(type: number): MessageName | undefined {
  return NAME_BY_TYPE.get(type);
}

export function encodePayload<N extends MessageName>(name: N, values: PayloadOf<N>): Uint8Array {
  const layout = MESSAGES[name];
  const out = new Uint8Array(layout.length);
  const view = new DataView(out.buffer);
  for (const f of layout.fields) {
    const v = (values as Record<string, number>)[f.name];
    if (v === undefined || !Number.isInteger(v) || v < 0 || v > MAX_BY_TYPE[f.type]) {
      throw new IoBoardProtocolError('E_IOBOARD_PAYLOAD', `${name}.${f.name} must be a ${f.type}`, { message: name, field: f.name, value: v });
    }
    if (f.type === 'u8') view.setUint8(f.offset, v);
    else if (f.type === 'u16') view.setUint16(f.offset, v, true);
    else view.setUint32(f.offset, v, true);
  }
  return out;
}

export function decodePayload<N extends MessageName>(name: N, payload: Uint8Array): PayloadOf<N> {
  const layout = MESSAGES[name];
  if (payload.length !== layout.length) {
    throw new IoBoardProtocolError('E_IOBOARD_PAYLOAD', `${name} payload is ${payload.length} bytes, expected ${layout.length}`, {
      message: name,
      length: payload.length,
    });
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const fields: Record<string, number> = {};
  for (const f of layout.fields) {
    fields[f.name] = f.type === 'u8' ? view.getUint8(f.offset) : f.type === 'u16' ? view.getUint16(f.offset, true) : view.getUint32(f.offset, true);
  }
  return fields as PayloadOf<N>;
}

export function buildFrame<N extends MessageName>(name: N, seq: number, values: PayloadOf<N>): Frame {
  return { version: PROTOCOL_VERSION, seq: seq & 0xff, type: MESSAGE_TYPE[name], payload: encodePayload(name, values) };
}

/** Names and decodes a received frame; E_IOBOARD_PAYLOAD for unknown types or wrong sizes. */
export function decodeMessage(frame: Frame): DecodedMessage {
  const name = messageName(frame.type);
  if (name === undefined) {
    throw new IoBoardProtocolError('E_IOBOARD_PAYLOAD', `unknown message type ${frame.type}`, { type: frame.type, seq: frame.seq });
  }
  return { name, seq: frame.seq, fields: decodePayload(name, frame.payload) } as DecodedMessage;
}
