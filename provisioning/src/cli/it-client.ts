import { readFile } from 'node:fs/promises';
import type { UnitView } from '../server/unit-view.js';

/** IT's side of the fleet server API (Bearer token), for the provision CLI. */
export class FleetApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly reason?: string) {
    super(message);
    this.name = 'FleetApiError';
  }
}

export async function readItToken(path: string): Promise<string> {
  const token = (await readFile(path, 'utf8')).trim();
  if (token.length < 32) throw new Error(`${path} does not hold an IT token (at least 32 characters; make one with: provision it-token)`);
  return token;
}

export class ItClient {
  private readonly base: string;
  constructor(server: string, private readonly token: string) {
    this.base = server.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, body?: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      throw new FleetApiError(0, 'E_FLEET_UNREACHABLE', `${this.base}: ${cause ?? (e as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text();
      let parsed: { code?: string; message?: string; reason?: string } = {};
      try { parsed = JSON.parse(text) as typeof parsed; } catch { /* not JSON */ }
      throw new FleetApiError(res.status, parsed.code ?? `HTTP_${res.status}`, parsed.message ?? (text || res.statusText), parsed.reason);
    }
    return res;
  }

  async addUnit(u: { serial: string; name: string; site: string; ward: string; room: string; bed: string }): Promise<{ enrollmentToken: string; expiresAt: string }> {
    return (await this.call('POST', '/api/units', JSON.stringify(u))).json() as Promise<{ enrollmentToken: string; expiresAt: string }>;
  }

  async units(): Promise<UnitView[]> {
    return ((await (await this.call('GET', '/api/units')).json()) as { units: UnitView[] }).units;
  }

  async putBundle(serial: string, bundleJson: string): Promise<void> {
    await this.call('PUT', `/api/units/${encodeURIComponent(serial)}/bundle`, bundleJson);
  }

  async revoke(serial: string): Promise<void> {
    await this.call('POST', `/api/units/${encodeURIComponent(serial)}/revoke`);
  }
}
