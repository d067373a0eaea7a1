import type { FleetErrorBody } from '../../../appliance/src/fleet/protocol.js';
import { signRequest, type UnitIdentity } from './unit-identity.js';

export interface UnitResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Signed requests from a (simulated) unit to the fleet server. */
export class UnitClient {
  private readonly base: URL;
  constructor(server: string, private readonly id: Pick<UnitIdentity, 'serial' | 'signingKey'>) {
    this.base = new URL(server.endsWith('/') ? server : `${server}/`);
  }

  async send(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}, signed = true): Promise<UnitResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const text = body === undefined ? '' : JSON.stringify(body);
    const res = await fetch(url, {
      method,
      headers: {
        ...(signed ? signRequest(this.id, method, `${url.pathname}${url.search}`, text) : {}),
        ...(text ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(text ? { body: text } : {}),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

/** "CODE message" of a refusal, for logs. */
export function refusalText(r: UnitResponse): string {
  try {
    const b = JSON.parse(r.text) as FleetErrorBody;
    return `${r.status} ${b.code} ${b.message}`;
  } catch {
    return `${r.status} ${r.text}`;
  }
}
