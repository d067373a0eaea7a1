import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The cookie a ward tablet gets after opening the panel once with `?token=`. */
export const TOKEN_COOKIE = 'bedside_token';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.has(address);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The token a request presents: `Authorization: Bearer`, `?token=` (a browser's WebSocket cannot set headers) or the cookie. */
export function presentedToken(req: FastifyRequest): { token: string; via: 'header' | 'query' | 'cookie' } | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7), via: 'header' };
  const q = (req.query as Record<string, unknown> | undefined)?.['token'];
  if (typeof q === 'string') return { token: q, via: 'query' };
  const c = cookie(req.headers.cookie, TOKEN_COOKIE);
  return c === undefined ? null : { token: c, via: 'cookie' };
}

/** 'it' when the request presents the configured token (loopback or not); everyone else is at the bedside. */
export function roleFor(req: FastifyRequest, token: string | undefined): 'bedside' | 'it' {
  const presented = presentedToken(req);
  return token && presented && sameSecret(presented.token, token) ? 'it' : 'bedside';
}

/**
 * onRequest hook: loopback (the unit's own kiosk browser) is always allowed; anything else
 * needs the configured token, and with no token configured it is refused outright.
 */
export function accessGuard(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (isLoopback(req.socket.remoteAddress)) return;
    const presented = presentedToken(req);
    if (!token || !presented || !sameSecret(presented.token, token)) {
      await reply.code(401).send({ error: { code: 'E_UNAUTHORIZED', message: token ? 'a valid token is needed for remote access' : 'remote access is not enabled on this unit' } });
      return;
    }
    if (presented.via === 'query') {
      void reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(presented.token)}; Path=/; HttpOnly; SameSite=Strict`);
    }
  };
}
