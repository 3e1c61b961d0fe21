/**
 * Prometheus metrics, one registry per server: job counters by queue and task and a
 * run-time histogram, fed by the change feed (so they count every worker's jobs, not only
 * this process's); queue depths, the oldest due job's age and the live workers read from
 * the database at each scrape. Every server of a cluster counts the same jobs: aggregate
 * them with `max`, not `sum`. Also the API's own requests by route and status, and each
 * limited queue's flow limits and pause (labelled by queue only: keys are unbounded, and
 * would make a series each).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SERVICE_PATHS } from '../api/routes.js';
import type { FeedEvent } from '../client/api.js';
import { isLimited, type QueueLimits } from '../core/flow.js';
import type { QueueStats } from '../core/types.js';
import type { Authenticator } from './auth.js';
import type { ServerClient } from './client.js';

/** Run-time buckets in seconds: from a quick handler to a long report. */
const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const DEPTH_STATES = ['pending', 'due', 'delayed', 'running'] as const;

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly jobs: Record<'enqueued' | 'started' | 'succeeded' | 'failed' | 'cancelled' | 'retried', Counter<'queue' | 'task'>>;
  private readonly runTime: Histogram<'queue' | 'task'>;
  private readonly depth: Gauge<'queue' | 'state'>;
  private readonly oldestDue: Gauge<'queue'>;
  private readonly workers: Gauge;
  private readonly limit: Gauge<'queue' | 'limit'>;
  private readonly pause: Gauge<'queue'>;
  private readonly requests: Counter<'method' | 'route' | 'status'>;

  constructor(private readonly client: ServerClient) {
    const registers = [this.registry];
    const counter = (what: string, help: string) => new Counter({ name: `ordo_jobs_${what}_total`, help, labelNames: ['queue', 'task'], registers });
    this.jobs = {
      enqueued: counter('enqueued', 'Jobs enqueued (new jobs, not unique-key duplicates)'),
      started: counter('started', 'Attempts started by workers'),
      succeeded: counter('succeeded', 'Jobs that succeeded'),
      failed: counter('failed', 'Jobs that failed for good (attempts used up, or a permanent error)'),
      cancelled: counter('cancelled', 'Jobs cancelled'),
      retried: counter('retried', 'Attempts that failed and left the job waiting for a retry'),
    };
    this.runTime = new Histogram({ name: 'ordo_job_run_seconds', help: 'Run time of finished attempts', labelNames: ['queue', 'task'], buckets: RUN_BUCKETS, registers });
    this.depth = new Gauge({ name: 'ordo_queue_jobs', help: 'Jobs per queue and state (due and delayed are the pending ones split by their run time)', labelNames: ['queue', 'state'], registers });
    this.oldestDue = new Gauge({ name: 'ordo_queue_oldest_due_age_seconds', help: 'How long the oldest due job of each queue has waited (0 when none is due)', labelNames: ['queue'], registers });
    this.limit = new Gauge({
      name: 'ordo_queue_limit',
      help: 'Flow limits of each limited queue: concurrency and key_concurrency (jobs running at once), rate and key_rate (starts per second); compare with ordo_queue_jobs running and due',
      labelNames: ['queue', 'limit'],
      registers,
    });
    this.pause = new Gauge({ name: 'ordo_queue_paused_seconds', help: "Seconds left of a limited queue's pause for a handler's rate limit (0 when none)", labelNames: ['queue'], registers });
    this.workers = new Gauge({ name: 'ordo_workers_alive', help: 'Workers whose heartbeat is recent', registers });
    this.requests = new Counter({ name: 'ordo_http_requests_total', help: 'API requests answered, by route and status', labelNames: ['method', 'route', 'status'], registers });
  }

  /** Counts one change from the feed. */
  observe(event: FeedEvent): void {
    if (!('job' in event)) return;
    const labels = { queue: event.job.queue, task: event.job.task };
    if (event.type === 'job:enqueued') this.jobs.enqueued.inc(labels);
    else if (event.type === 'job:started') this.jobs.started.inc(labels);
    else if (event.type === 'job:retried') this.jobs.retried.inc(labels);
    else if (event.type === 'job:finished') {
      const state = event.job.state;
      if (state === 'succeeded' || state === 'failed' || state === 'cancelled') this.jobs[state].inc(labels);
    }
    if ((event.type === 'job:finished' || event.type === 'job:retried') && typeof event.job.durationMs === 'number') {
      this.runTime.observe(labels, event.job.durationMs / 1000);
    }
  }

  countRequest(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  /** The text exposition, with the gauges read from the database now. */
  async scrape(): Promise<string> {
    const [stats, workers] = await Promise.all([this.client.stats(), this.client.listWorkers()]);
    this.depth.reset();
    this.oldestDue.reset();
    this.limit.reset();
    this.pause.reset();
    const now = Date.now();
    for (const queue of stats) {
      for (const state of DEPTH_STATES) this.depth.set({ queue: queue.queue, state }, queue[state]);
      this.oldestDue.set({ queue: queue.queue }, (queue.oldestDueAgeMs ?? 0) / 1000);
      this.setFlow(queue, now);
    }
    this.workers.set(workers.filter((w) => w.status === 'alive').length);
    return this.registry.metrics();
  }

  /** The limits and pause of a limited queue (an unlimited one adds no series). */
  private setFlow(queue: QueueStats, now: number): void {
    if (!isLimited(queue.limits, queue.pausedUntil)) return;
    for (const [limit, value] of Object.entries(limitValues(queue.limits))) if (value !== null) this.limit.set({ queue: queue.queue, limit }, value);
    this.pause.set({ queue: queue.queue }, Math.max(0, (queue.pausedUntil?.getTime() ?? now) - now) / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Each limit as one number: counts as they are, rates in starts per second. */
function limitValues(limits: QueueLimits): Record<string, number | null> {
  const perSecond = (rate: QueueLimits['rate']) => (rate ? (rate.limit * 1000) / rate.periodMs : null);
  return { concurrency: limits.concurrency, rate: perSecond(limits.rate), key_concurrency: limits.keyConcurrency, key_rate: perSecond(limits.keyRate) };
}

/** `GET /metrics` (a read token, like every other look at the data). */
export function registerMetrics(app: FastifyInstance, metrics: ServerMetrics, auth: Authenticator): void {
  app.get(SERVICE_PATHS.metrics, { onRequest: async (request) => auth.require(request, 'read') }, async (_request, reply) => {
    const text = await metrics.scrape();
    return reply.type(metrics.contentType).send(text);
  });
}
