import { createPublicKey } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { verifyBundle } from '../../../appliance/src/fleet/bundle/verify.js';
import type { EnrollResponse, HeartbeatResponse } from '../../../appliance/src/fleet/protocol.js';
import { FleetHttpError, refuse } from './errors.js';
import { FLEET_PAGE_CSP, renderFleetPage, renderLoginPage } from './fleet-page.js';
import { meetingsCsv, unitsCsv } from './csv-export.js';
import type { FleetRepository } from './repository.js';
import { constantTimeEqual, hashToken, MIN_IT_TOKEN_LENGTH, newEnrollmentToken, pageSessionValue } from './tokens.js';
import { UnitAuthenticator } from './unit-auth.js';
import { viewUnit } from './unit-view.js';
import { describeErrors, validateApplyReport, validateEnroll, validateHeartbeat, validateNewUnit } from './validators.js';

export interface FleetServerDeps {
  repo: FleetRepository;
  /** The fleet's Ed25519 public key (SPKI PEM): bundles IT uploads must verify against it. */
  fleetPublicKey: string;
  /** IT's bearer token (at least 32 characters). Never logged. */
  itToken: string;
  clock?: () => Date;
  /** fastify logger options; off by default. Authorization, cookies and signatures are redacted. */
  logger?: FastifyServerOptions['logger'];
  https?: { key: string | Buffer; cert: string | Buffer } | null;
  heartbeatIntervalSeconds?: number;
  pollIntervalSeconds?: number;
  /** A unit is offline after this long without a heartbeat; 3 heartbeat intervals by default. */
  offlineAfterSeconds?: number;
  enrollTokenTtlHours?: number;
  /**
   * How long a unit read for authentication is reused (120 s). Changes made through this
   * process apply at once; set 0 when several server processes share one database and
   * revocations must apply at once there too.
   */
  unitCacheTtlMs?: number;
}

const SESSION_COOKIE = 'fleet_session';
/** Heartbeats (100 meetings at most) and enrollments are a few kB; only bundles are big. */
const SMALL_BODY = 256 * 1024;
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-unit-signature"]'];

declare module 'fastify' {
  interface FastifyRequest { rawBody: Buffer }
}

function parseJson(raw: Buffer, code: 'E_HEARTBEAT_MALFORMED' | 'E_REQUEST_MALFORMED'): unknown {
  if (raw.length === 0) throw refuse(400, code, 'the request has no JSON body');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (e) {
    throw refuse(400, code, `the body is not JSON: ${(e as Error).message}`);
  }
}

function schemaRefusal(code: 'E_HEARTBEAT_MALFORMED' | 'E_REQUEST_MALFORMED', errors: Parameters<typeof describeErrors>[0]): FleetHttpError {
  const problems = describeErrors(errors).slice(0, 20);
  return refuse(400, code, problems[0] ?? 'does not match its schema', { problems });
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The fleet server, built without listening so tests use inject(). */
export function build(deps: FleetServerDeps): FastifyInstance {
  if (deps.itToken.length < MIN_IT_TOKEN_LENGTH) throw new Error(`the IT token must be at least ${MIN_IT_TOKEN_LENGTH} characters (make one with: provision it-token)`);
  const fleetKey = createPublicKey(deps.fleetPublicKey);
  if (fleetKey.asymmetricKeyType !== 'ed25519') throw new Error('the fleet public key must be an Ed25519 public key (fleet.pub)');
  const clock = deps.clock ?? (() => new Date());
  const heartbeatIntervalSeconds = deps.heartbeatIntervalSeconds ?? 30;
  const pollIntervalSeconds = deps.pollIntervalSeconds ?? 300;
  const offlineAfterSeconds = deps.offlineAfterSeconds ?? 3 * heartbeatIntervalSeconds;
  const tokenTtlMs = (deps.enrollTokenTtlHours ?? 168) * 3_600_000;
  const session = pageSessionValue(deps.itToken);
  const units = new UnitAuthenticator(deps.repo, deps.unitCacheTtlMs === undefined ? {} : { cacheTtlMs: deps.unitCacheTtlMs });

  const logger = deps.logger === undefined || deps.logger === false ? false
    : deps.logger === true ? { redact: REDACT } : { ...(deps.logger as object), redact: REDACT };
  const app = Fastify({
    logger,
    ...(deps.https ? { https: deps.https } : {}),
    bodyLimit: 2 * 1024 * 1024,
    // Our own refusals carry codes; fastify's "no route" too.
  } as FastifyServerOptions) as unknown as FastifyInstance;

  // Bodies stay raw: a unit's signature covers the exact bytes, so parsing waits until it is verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('preHandler', async (req) => {
    req.rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof FleetHttpError) return reply.code(err.status).send(err.body());
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'fleet server failed');
      return reply.code(500).send({ code: 'E_FLEET_INTERNAL', message: 'the fleet server failed' });
    }
    return reply.code(status).send({ code: 'E_REQUEST_MALFORMED', message: (err as Error).message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'E_REQUEST_MALFORMED', message: `no endpoint ${req.method} ${req.url.split('?')[0]}` }));

  const itOnly = async (req: FastifyRequest): Promise<void> => {
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!constantTimeEqual(bearer, deps.itToken)) throw refuse(401, 'E_FLEET_AUTH', 'IT token missing or wrong (Authorization: Bearer <token>)');
  };
  /** Reading pages and exports: the bearer token, or the session cookie the sign-in form sets. */
  const itOrSession = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (cookie !== undefined && constantTimeEqual(cookie, session)) return;
    if (req.headers.authorization === undefined && req.headers.accept?.includes('text/html')) {
      await reply.redirect('/login', 303);
      return;
    }
    await itOnly(req);
  };
  const authenticateUnit = (req: FastifyRequest) => units.authenticate({ method: req.method, url: req.url, headers: req.headers, body: req.rawBody }, clock());

  // --- units -------------------------------------------------------------------------
  app.post('/v1/enroll', { bodyLimit: SMALL_BODY }, async (req, reply) => {
    const body = parseJson(req.rawBody, 'E_REQUEST_MALFORMED');
    if (!validateEnroll(body)) throw schemaRefusal('E_REQUEST_MALFORMED', validateEnroll.errors);
    for (const [field, type] of [['signingKey', 'ed25519'], ['encryptionKey', 'x25519']] as const) {
      let keyType: string | undefined;
      try {
        keyType = createPublicKey(body[field]).asymmetricKeyType;
      } catch {
        keyType = undefined;
      }
      if (keyType !== type) throw refuse(400, 'E_REQUEST_MALFORMED', `${field} must be an ${type} public key (SPKI PEM)`);
    }
    const outcome = await deps.repo.enroll({
      serial: body.serial, tokenHash: hashToken(body.token), signingKey: body.signingKey, encryptionKey: body.encryptionKey, now: clock(),
    });
    if (outcome === 'token-refused') throw refuse(401, 'E_ENROLL_TOKEN');
    if (outcome === 'revoked') throw refuse(403, 'E_UNIT_REVOKED');
    units.forget(body.serial);
    req.log.info({ serial: body.serial }, 'unit enrolled');
    const res: EnrollResponse = { serial: body.serial, fleetPublicKey: deps.fleetPublicKey, heartbeatIntervalSeconds, pollIntervalSeconds };
    return reply.code(201).send(res);
  });

  app.get('/v1/bundle', async (req, reply) => {
    const { unit } = await authenticateUnit(req);
    const bundle = await deps.repo.getBundle(unit.serial);
    if (!bundle) return reply.code(404).send();
    const etag = `"${bundle.version}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').map((s) => s.trim().replace(/^W\//, '')).includes(etag)) return reply.code(304).send();
    return reply.type('application/json').send(bundle.json);
  });

  app.post('/v1/heartbeat', { bodyLimit: SMALL_BODY }, async (req) => {
    const { unit, sentAt } = await authenticateUnit(req);
    const body = parseJson(req.rawBody, 'E_HEARTBEAT_MALFORMED');
    if (!validateHeartbeat(body)) throw schemaRefusal('E_HEARTBEAT_MALFORMED', validateHeartbeat.errors);
    const ids = body.meetings.map((m) => m.id);
    if (new Set(ids).size !== ids.length) throw refuse(400, 'E_HEARTBEAT_MALFORMED', 'the same meeting id appears twice in one heartbeat');
    const acceptedMeetings = await deps.repo.recordHeartbeat({ unit, sentAt, receivedAt: clock(), heartbeat: body });
    const res: HeartbeatResponse = { acceptedMeetings, bundleVersion: unit.bundleVersion };
    return res;
  });

  app.post('/v1/apply-report', { bodyLimit: SMALL_BODY }, async (req, reply) => {
    const { unit } = await authenticateUnit(req);
    const body = parseJson(req.rawBody, 'E_REQUEST_MALFORMED');
    if (!validateApplyReport(body)) throw schemaRefusal('E_REQUEST_MALFORMED', validateApplyReport.errors);
    await deps.repo.recordApplyReport({ serial: unit.serial, version: body.version, outcome: body.outcome, code: body.code ?? null, message: body.message ?? null, at: clock() });
    if (body.outcome !== 'applied') req.log.warn({ serial: unit.serial, version: body.version, outcome: body.outcome, code: body.code }, 'unit did not apply its bundle');
    return reply.code(204).send();
  });

  // --- IT --------------------------------------------------------------------------------
  app.post('/api/units', { preHandler: itOnly, bodyLimit: SMALL_BODY }, async (req, reply) => {
    const body = parseJson(req.rawBody, 'E_REQUEST_MALFORMED');
    if (!validateNewUnit(body)) throw schemaRefusal('E_REQUEST_MALFORMED', validateNewUnit.errors);
    const existing = await deps.repo.getUnit(body.serial);
    if (existing?.revokedAt) throw refuse(409, 'E_UNIT_REVOKED', `unit ${body.serial} is revoked; a revoked serial is never enrolled again`);
    const now = clock();
    units.forget(body.serial);
    await deps.repo.upsertUnit({ serial: body.serial, name: body.name, site: body.site, ward: body.ward, room: body.room, bed: body.bed ?? '' }, now);
    const enrollmentToken = newEnrollmentToken();
    const expiresAt = new Date(now.getTime() + tokenTtlMs);
    await deps.repo.addEnrollmentToken(body.serial, hashToken(enrollmentToken), expiresAt, now);
    return reply.code(201).send({ serial: body.serial, enrollmentToken, expiresAt: expiresAt.toISOString() });
  });

  app.get('/api/units', { preHandler: itOnly }, async () => {
    const now = clock();
    return { units: (await deps.repo.listUnits()).map((u) => viewUnit(u, now, offlineAfterSeconds)) };
  });

  app.put<{ Params: { serial: string } }>('/api/units/:serial/bundle', { preHandler: itOnly }, async (req, reply) => {
    const { serial } = req.params;
    const unit = await deps.repo.getUnit(serial);
    if (!unit) throw refuse(404, 'E_UNIT_UNKNOWN');
    if (unit.revokedAt) throw refuse(409, 'E_UNIT_REVOKED');
    const body = parseJson(req.rawBody, 'E_REQUEST_MALFORMED');
    const r = verifyBundle(body, { fleetPublicKey: fleetKey, unitSerial: serial, lastAppliedVersion: unit.bundleVersion });
    if (!r.ok) {
      const status = r.code === 'E_BUNDLE_REPLAY' ? 409 : r.code === 'E_BUNDLE_FORMAT' ? 400 : 422;
      throw refuse(status, 'E_BUNDLE_REFUSED', r.message, { reason: r.code });
    }
    const stored = await deps.repo.putBundle({ serial, version: r.version, json: JSON.stringify(r.bundle) }, clock());
    units.forget(serial);
    if (stored === 'not-newer') throw refuse(409, 'E_BUNDLE_REFUSED', `a bundle at least as new as version ${r.version} is already stored`, { reason: 'E_BUNDLE_REPLAY' });
    req.log.info({ serial, version: r.version }, 'bundle stored');
    return reply.code(204).send();
  });

  app.post<{ Params: { serial: string } }>('/api/units/:serial/revoke', { preHandler: itOnly }, async (req, reply) => {
    const revoked = await deps.repo.revoke(req.params.serial, clock());
    units.forget(req.params.serial);
    if (!revoked) throw refuse(404, 'E_UNIT_UNKNOWN');
    req.log.warn({ serial: req.params.serial }, 'unit revoked');
    return reply.code(204).send();
  });

  app.get<{ Params: { serial: string } }>('/api/units/:serial/apply-reports', { preHandler: itOnly }, async (req) => {
    if (!(await deps.repo.getUnit(req.params.serial))) throw refuse(404, 'E_UNIT_UNKNOWN');
    return { reports: await deps.repo.latestApplyReports(req.params.serial, 20) };
  });

  app.get('/api/meetings.csv', { preHandler: itOrSession }, async (_req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="meetings-per-ward-week.csv"')
      .send(meetingsCsv(await deps.repo.meetingsPerWardWeek())));

  app.get('/api/units.csv', { preHandler: itOrSession }, async (_req, reply) => {
    const now = clock();
    const views = (await deps.repo.listUnits()).map((u) => viewUnit(u, now, offlineAfterSeconds));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="units.csv"').send(unitsCsv(views));
  });

  app.get('/fleet', { preHandler: itOrSession }, async (_req, reply) => {
    const now = clock();
    const [all, meetings] = await Promise.all([deps.repo.listUnits(), deps.repo.meetingsPerWardWeek()]);
    const html = renderFleetPage({ units: all.map((u) => viewUnit(u, now, offlineAfterSeconds)), meetings, now, offlineAfterSeconds });
    return reply.type('text/html; charset=utf-8').header('content-security-policy', FLEET_PAGE_CSP)
      .header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(html);
  });

  app.get('/login', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', FLEET_PAGE_CSP).send(renderLoginPage(false)));

  app.post('/login', { bodyLimit: 4096 }, async (req, reply) => {
    const token = new URLSearchParams(req.rawBody.toString('utf8')).get('token') ?? '';
    if (!constantTimeEqual(token, deps.itToken)) {
      return reply.code(401).type('text/html; charset=utf-8').header('content-security-policy', FLEET_PAGE_CSP).send(renderLoginPage(true));
    }
    const secure = deps.https ? '; Secure' : '';
    return reply.header('set-cookie', `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200${secure}`).redirect('/fleet', 303);
  });

  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
