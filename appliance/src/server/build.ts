import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { isApplianceError } from '../core/errors.js';
import type { UnitController } from '../app/unit-controller.js';
import type { SimButton } from '../adapters/sim/sim-button.js';
import type { Logger } from '../log/logger.js';

export interface ServerDeps {
  controller: UnitController;
  /** Present in sim mode: the simulated start button, pressed over HTTP. */
  simButton?: SimButton;
  logger: Logger;
}

const STATUS_FOR_CODE: Record<string, number> = { E_STATE_TRANSITION: 409 };

/** The daemon's local HTTP API. Built without listening, so tests use inject(). */
export function build(deps: ServerDeps): FastifyInstance {
  // Request lines only at warn and above: the status endpoint is polled.
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'server' }, { level: 'warn' }) as FastifyBaseLogger,
    // Unknown fields are refused, not silently stripped.
    ajv: { customOptions: { removeAdditional: false } },
  });

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
  return app;
}
