/** Media direction arithmetic (RFC 3264 section 6.1). */
import type { Direction } from '../../../core/media-types.js';

export function canSend(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

export function canReceive(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

export function directionFrom(send: boolean, receive: boolean): Direction {
  if (send) return receive ? 'sendrecv' : 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

/** The same stream seen from the other end: sendonly <-> recvonly. */
export function reverseDirection(d: Direction): Direction {
  return directionFrom(canReceive(d), canSend(d));
}

/** What the unit does on a stream: it sends only when it wants to and the far end receives, and vice versa. */
export function unitDirection(unitWants: Direction, farEnd: Direction, farEndHeld: boolean): Direction {
  const send = canSend(unitWants) && canReceive(farEnd) && !farEndHeld;
  const receive = canReceive(unitWants) && canSend(farEnd);
  return directionFrom(send, receive);
}
