/**
 * `GET /api/v1/events`: a Server-Sent Events stream of the changes the feed reads from the
 * database (jobs enqueued, started, finished, retried; workers up and down), each as
 * `event: <type>` and `data: <json>`, optionally only those of one queue or task. A comment
 * line every `heartbeatMs` keeps proxies from closing a quiet stream. A stream ends when
 * its caller goes away or the server closes (`closeAll`, before the server stops waiting
 * for connections).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { SERVICE_PATHS } from '../api/routes.js';
import { eventsQuery } from '../api/wire.js';
import type { FeedEvent } from '../client/api.js';
import type { Authenticator } from './auth.js';
import type { ServerFeed } from './client.js';
import { parseRequestPart } from './validation.js';

type Filter = z.output<typeof eventsQuery>;

/** Whether an event passes the filter: the task filter keeps only job events (a worker has no task). */
export function eventMatches(event: FeedEvent, filter: Filter): boolean {
  if ('job' in event) return (filter.queue === undefined || event.job.queue === filter.queue) && (filter.task === undefined || event.job.task === filter.task);
  if (filter.task !== undefined) return false;
  return filter.queue === undefined || event.worker.queues.includes(filter.queue);
}

/** One event in the stream's wire form. */
export function formatEvent(event: FeedEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly feed: ServerFeed,
    private readonly heartbeatMs: number,
  ) {}

  register(app: FastifyInstance, auth: Authenticator): void {
    // No HEAD: a stream's headers would wait for a body that HEAD never sends.
    app.get(SERVICE_PATHS.events, { exposeHeadRoute: false, onRequest: async (request) => auth.require(request, 'read') }, async (request, reply) => {
      const filter = parseRequestPart(eventsQuery, request.query, 'query')!;
      this.stream(request, reply, filter);
    });
  }

  /** How many streams are open now. */
  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  private stream(request: FastifyRequest, reply: FastifyReply, filter: Filter): void {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    out.write(': connected\n\n');
    const unsubscribe = this.feed.subscribe((event) => {
      if (eventMatches(event, filter)) out.write(formatEvent(event));
    });
    const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), this.heartbeatMs);
    const end = (): void => {
      if (!this.open.delete(end)) return;
      clearInterval(heartbeat);
      unsubscribe();
      out.end();
      request.log.info({ path: SERVICE_PATHS.events }, 'event stream closed');
    };
    this.open.add(end);
    out.once('close', end);
    out.once('error', end);
    request.log.info({ path: SERVICE_PATHS.events, filter }, 'event stream opened');
  }
}
