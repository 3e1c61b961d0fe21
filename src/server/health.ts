/**
 * Liveness and readiness, for load balancers and orchestrators, without a token:
 * `/healthz` answers 200 as long as the process serves; `/readyz` answers 200 when the
 * database answers a cheap read, else 503 with `Retry-After` (take the server out of
 * rotation; it comes back by itself when the database does).
 */
import type { FastifyInstance } from 'fastify';
import { SERVICE_PATHS } from '../api/routes.js';
import type { ServerClient } from './client.js';

export function registerHealth(app: FastifyInstance, client: ServerClient): void {
  app.get(SERVICE_PATHS.health, async () => ({ status: 'ok' }));
  app.get(SERVICE_PATHS.ready, async () => {
    // A lookup by primary key: the cheapest read that still goes to the database.
    await client.getJob('1');
    return { status: 'ready' };
  });
}
