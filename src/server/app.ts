/**
 * The HTTP server: a Fastify instance composed from the parts in this folder, over one
 * client. `buildServer` makes it (for tests and embedding); `startServer` also listens and
 * gives the graceful stop the CLI calls on SIGTERM: stop accepting, end the event streams,
 * let in-flight requests finish (cut after a grace period), then stop the feed. The caller
 * closes its client afterwards.
 *
 * The server keeps no state another server lacks (token cache and metrics aside), so any
 * number of them can run against one PostgreSQL.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { SERVICE_PATHS } from '../api/routes.js';
import { auditTrail } from './audit.js';
import { Authenticator, type AuthMode } from './auth.js';
import type { ServerClient } from './client.js';
import { locateDashboard, registerDashboard } from './dashboard.js';
import { registerDocs } from './docs.js';
import { EventStreams } from './events.js';
import { registerHealth } from './health.js';
import { ServerMetrics, registerMetrics } from './metrics.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_HEARTBEAT_MS, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_TOKEN_CACHE_MS } from './options.js';
import { clientErrorHandler, errorHandler, installProblemHandlers } from './problems.js';
import { methodsOf, registerRoutes } from './register.js';
import { installRequestLog, requestId } from './request-log.js';
import { accessHandlers } from './routes/access.js';
import { emitHandlers } from './routes/emit.js';
import { jobHandlers } from './routes/jobs.js';
import { queueHandlers } from './routes/queues.js';
import { runtimeHandlers } from './routes/runtime.js';
import { scheduleHandlers } from './routes/schedules.js';
import { statsHandlers } from './routes/stats.js';
import { tokenHandlers } from './routes/tokens.js';
import { workflowHandlers } from './routes/workflows.js';
import { installJsonParser } from './json-body.js';
import { TaskCheck } from './task-check.js';

export interface ServerOptions {
  /** The client every route calls: on the database, with the tasks this server knows. */
  ordo: ServerClient;
  /** `none` only for development on loopback (the CLI refuses it elsewhere). @defaultValue 'tokens' */
  auth?: AuthMode;
  /** Largest request body in bytes. @defaultValue 1 MiB */
  bodyLimit?: number;
  /** Access and error logs (JSON lines); none when absent. */
  logger?: Logger;
  /** How long a verified token is trusted before it is checked again. @defaultValue 5 s */
  tokenCacheMs?: number;
  /**
   * The task names jobs and schedules may name (built-in ones included); others get a 422.
   * `null`: any name (the server knows no tasks of its own). @defaultValue from `ordo.taskInfo()`
   */
  taskNames?: readonly string[] | null;
  /** Comment lines on quiet event streams this often. @defaultValue 15 s */
  heartbeatMs?: number;
  /**
   * The folder of the built dashboard served at `/`; `false`: no dashboard (its paths are
   * unknown routes). @defaultValue the bundle `npm run build` makes (dist/dashboard), or a
   * 503 on its pages saying to build it when there is none
   */
  dashboard?: string | false;
}

/** Makes the server (not listening yet). */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { ordo } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // One access line per request is written by request-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestId,
    frameworkErrors: errorHandler(bodyLimit),
    clientErrorHandler,
    bodyLimit,
    // Ids and names are validated by the routes (and named in the problem), not cut off by the router.
    routerOptions: { maxParamLength: 2_000 },
    return503OnClosing: true,
  }) as unknown as FastifyInstance; // the pino logger's type, widened to the base logger every part takes
  const auth = new Authenticator(ordo, options.auth ?? 'tokens', options.tokenCacheMs ?? DEFAULT_TOKEN_CACHE_MS);
  const metrics = new ServerMetrics(ordo);
  const feed = ordo.feed();
  const streams = new EventStreams(feed, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  const stopCounting = feed.subscribe((event) => metrics.observe(event));

  // The event stream (GET) shares its path with the emit route (POST): a 405 there names both.
  installProblemHandlers(app, bodyLimit, (path) => (path.replace(/\/$/, '') === SERVICE_PATHS.events ? ['GET', ...methodsOf(path)] : methodsOf(path)));
  installJsonParser(app);
  installRequestLog(app, (method, route, status) => metrics.countRequest(method, route, status));
  const tasks = new TaskCheck(() => ordo.taskInfo(), options.taskNames);
  registerRoutes(
    app,
    {
      ...jobHandlers(ordo, tasks),
      ...scheduleHandlers(ordo, tasks),
      ...workflowHandlers(ordo),
      ...emitHandlers(ordo),
      ...queueHandlers(ordo),
      ...runtimeHandlers(ordo),
      ...statsHandlers(ordo),
      ...accessHandlers(ordo),
      ...tokenHandlers(ordo, auth),
    },
    auth,
    auditTrail(ordo),
  );
  streams.register(app, auth);
  registerMetrics(app, metrics, auth);
  registerHealth(app, ordo);
  await registerDocs(app);
  if (options.dashboard !== false) await registerDashboard(app, options.dashboard ?? locateDashboard());
  // Streams never end by themselves: end them before the server waits for its connections.
  app.addHook('preClose', async () => streams.closeAll());
  app.addHook('onClose', async () => stopCounting());
  return app;
}

export interface StartOptions extends ServerOptions {
  /** @defaultValue 127.0.0.1 */
  host?: string;
  /** 0 picks a free port. @defaultValue 7000 */
  port?: number;
  /** On stop, how long in-flight requests may take before their connections are cut. @defaultValue 10 s */
  graceMs?: number;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** Where it listens, such as `http://127.0.0.1:7000`. */
  readonly url: string;
  /** Stops gracefully (idempotent): no new connections, event streams ended, in-flight requests finished. */
  stop(): Promise<void>;
}

/** Builds the server and listens. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const app = await buildServer(options);
  const host = options.host ?? DEFAULT_HOST;
  try {
    await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= closeGracefully(app, options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS));
  return { app, url, stop };
}

/**
 * Closing waits for every connection. One whose request finishes during the stop turns idle
 * and would be kept alive for its keep-alive timeout, so idle connections are closed as they
 * appear; whatever is still busy after `graceMs` is cut.
 */
async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
