import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { isApplianceError } from '../core/errors.js';
import type { UnitController } from '../app/unit-controller.js';
import { SelfTest } from '../app/self-test.js';
import type { ControlAction } from '../core/controls.js';
import { systemClock } from '../ports/clock.js';
import type { SimButton } from '../adapters/sim/sim-button.js';
import type { Signaling } from '../ports/signaling.js';
import type { Logger } from '../log/logger.js';
import { accessGuard, roleFor } from './access.js';
import { applyPanelControl, performAction } from './panel-actions.js';
import { CONTROL_ACTION_SCHEMA } from './ws-protocol.js';
import { StateStream, type PanelSocket } from './state-stream.js';
import type { UnitInfo } from './ws-protocol.js';

export interface ServerDeps {
  controller: UnitController;
  /** Present in sim mode: the simulated start button, pressed over HTTP. */
  simButton?: SimButton;
  logger: Logger;
  /** Registration changes are pushed to panels when given. */
  signaling?: Pick<Signaling, 'on' | 'off'>;
  /** Who the unit is, for the Ready screen. */
  unit?: UnitInfo;
  /** The built touch UI (ui/dist). Default: the repository's ui/dist; null: serve no UI. */
  uiDir?: string | null;
  /** Remote (non-loopback) clients need this token (config server.token). Without it they are refused. It also grants the IT role (loop gain). */
  token?: string;
  /** The self-test the panel starts; default: one with the registration check only. */
  selfTest?: SelfTest;
}

const STATUS_FOR_CODE: Record<string, number> = { E_STATE_TRANSITION: 409, E_SUPPORT_NOT_CONFIGURED: 409, E_CONTROL_INVALID: 422 };

/** appliance/{src,dist}/server/ -> <repo>/ui/dist, the same depth from both. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));

/** The panel loads nothing from anywhere but the unit itself. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The daemon's local HTTP API. Built without listening, so tests use inject(). */
export function build(deps: ServerDeps): FastifyInstance {
  // Request lines only at warn and above: the status endpoint is polled.
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'server' }, { level: 'warn' }) as FastifyBaseLogger,
    // Unknown fields are refused, not silently stripped.
    ajv: { customOptions: { removeAdditional: false } },
  });

  app.addHook('onRequest', accessGuard(deps.token));

  app.setErrorHandler((err, _req, reply) => {
    if (isApplianceError(err)) {
      void reply.code(STATUS_FOR_CODE[err.code] ?? 400).send({ error: { code: err.code, message: err.message } });
      return;
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const message = err instanceof Error ? err.message : String(err);
    void reply.code(status).send({ error: { code: status === 500 ? 'E_INTERNAL' : 'E_BAD_REQUEST', message } });
  });

  app.get('/status', async () => deps.controller.status());
  app.post('/call/join', async () => ({ call: await deps.controller.join() }));
  app.post('/call/leave', async () => ({ call: await deps.controller.leave() }));
  app.post('/call/cancel', async () => ({ call: await deps.controller.cancel() }));
  app.post('/call/support', async () => ({ call: await deps.controller.callSupport() }));

  const selfTest = deps.selfTest ?? new SelfTest({ controller: deps.controller, clock: systemClock });
  app.get('/self-test', async () => selfTest.report());
  app.post('/self-test', async (_req, reply) => {
    await performAction({ controller: deps.controller, selfTest }, { action: 'self-test' }, 'bedside');
    return reply.code(202).send(selfTest.report());
  });

  app.get('/controls', async () => deps.controller.controls());
  // Body: one control action, e.g. {"type":"speaker-volume-step","direction":"up"}.
  app.post<{ Body: ControlAction }>('/controls', { schema: { body: CONTROL_ACTION_SCHEMA } }, async (req) => ({
    controls: applyPanelControl(deps.controller, req.body, roleFor(req, deps.token)),
  }));

  if (deps.simButton) {
    const button = deps.simButton;
    // The simulated start button: a tap, or a 2.2 s hold (leave a meeting, cancel a join).
    app.post<{ Querystring: { ms?: number } }>('/sim/button', {
      schema: { querystring: { type: 'object', properties: { ms: { type: 'integer', minimum: 10, maximum: 40000 } }, additionalProperties: false } },
    }, async (req) => {
      const ms = req.query.ms ?? 150;
      void button.tap(ms);
      return { pressedForMs: ms };
    });
  }

  const stream = new StateStream({
    controller: deps.controller, selfTest, logger: deps.logger,
    ...(deps.signaling ? { signaling: deps.signaling } : {}),
    ...(deps.unit ? { unit: deps.unit } : {}),
  });
  // Panel messages are a few hundred bytes; anything large is not one of ours.
  void app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  void app.register(async (scoped) => {
    scoped.get('/ws', { websocket: true }, (socket, req) => stream.attach(socket as PanelSocket, roleFor(req, deps.token)));
  });
  app.addHook('preClose', async () => stream.closeAll());

  const uiDir = deps.uiDir === undefined ? DEFAULT_UI_DIR : deps.uiDir;
  if (uiDir && existsSync(uiDir)) {
    void app.register(fastifyStatic, {
      root: uiDir,
      prefix: '/',
      cacheControl: false,
      setHeaders(res, path) {
        res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
        res.setHeader('x-content-type-options', 'nosniff');
        // Vite names assets by content hash; index.html must always be fresh after an update.
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else if (uiDir) {
    deps.logger.warn({ uiDir }, 'touch UI not built; serving the API only');
  }
  return app;
}
