/**
 * The dashboard's only way to Ordo: the HTTP API, with the session's token. Answers are
 * JSON (times as ISO text); errors are RFC 9457 problems, thrown as `ApiError` with the
 * field they name, so forms can show the message next to it.
 *
 * The shapes below are the wire side (`z.input`) of the route table's schemas, imported as
 * types only: the bundle carries no zod, and a change to the API breaks the dashboard's
 * type check instead of its pages.
 */
import type { z } from 'zod';
import type * as wire from '../../src/api/wire.js';

export type JobRecord = z.input<typeof wire.jobRecord>;
export type AttemptRecord = z.input<typeof wire.attemptRecord>;
export type JobPage = z.input<typeof wire.jobPage>;
export type JobState = JobRecord['state'];
export type QueueStats = z.input<typeof wire.queueStats>;
export type WorkerRecord = z.input<typeof wire.workerRecord>;
export type TaskInfo = z.input<typeof wire.taskInfo>;
export type Throughput = z.input<typeof wire.throughput>;
export type BulkBody = z.input<typeof wire.bulkBody>;
export type BulkResult = z.input<typeof wire.bulkResult>;
export type JobFilterBody = z.input<typeof wire.jobFilterBody>;
export type SessionAnswer = z.input<typeof wire.session>;
export type EnqueueBody = z.input<typeof wire.enqueueBody>;
export type InsertResult = z.input<typeof wire.insertResult>;
export type ScheduleView = z.input<typeof wire.scheduleView>;
export type ScheduleDetail = z.input<typeof wire.scheduleDetail>;
export type ScheduleTiming = ScheduleView['timing'];
export type ScheduleFire = z.input<typeof wire.scheduleFire>;
export type SchedulePreview = z.input<typeof wire.schedulePreview>;
export type AuditEntry = z.input<typeof wire.auditEntry>;
export type AuditPage = z.input<typeof wire.auditPage>;

/** Every job state, in the order a job goes through them. */
export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled'];

const TOKEN_KEY = 'ordo.token';

/** The token lives for the browser session only (sessionStorage), never in a URL. */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const unauthorizedListeners = new Set<() => void>();

/**
 * Called whenever the server answers 401 (the token was revoked or never valid), so the
 * shell can ask for a token again wherever the page was. Returns an unsubscribe function.
 */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  const t = token.get();
  if (t) h.authorization = `Bearer ${t}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The body as JSON, or null when it is empty or not JSON (a proxy's HTML error page). */
function parseBody(text: string): Record<string, unknown> | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Calls `/api/v1<path>`; resolves with the parsed JSON (null for 204), throws `ApiError`. */
export async function api<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const response = await fetch(withQuery(`/api/v1${path}`, options.query), {
    method,
    headers: headers(options.body !== undefined),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return null as T;
  const body = parseBody(await response.text());
  if (!response.ok) {
    if (response.status === 401) for (const listener of [...unauthorizedListeners]) listener();
    const detail = typeof body?.detail === 'string' ? body.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail, typeof body?.field === 'string' ? body.field : undefined, typeof body?.code === 'string' ? body.code : undefined);
  }
  return body as T;
}

export interface StreamEvent {
  type: string;
  data: unknown;
}

/** A job event's `data` (the server's FeedEvent): the state the change left the job in. */
export interface FeedJob {
  id: string;
  task: string;
  queue: string;
  state: JobState;
  attempt: number;
}

/** The job an event is about, or null for worker events and anything unexpected. */
export function eventJob(event: StreamEvent): FeedJob | null {
  if (!event.type.startsWith('job:')) return null;
  const job = (event.data as { job?: FeedJob } | null)?.job;
  return job && typeof job.id === 'string' ? job : null;
}

/** Splits a stream's text into complete `event:`/`data:` blocks; returns what is left over. */
function readBlocks(buffer: string, onEvent: (event: StreamEvent) => void): string {
  let end: number;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) onEvent({ type, data: JSON.parse(data.join('\n')) });
  }
  return buffer;
}

/**
 * Follows the server's event stream (`/api/v1/events`) with the token in a header (an
 * EventSource cannot send one), reconnecting after a pause when it drops. Returns a stop
 * function.
 */
export function followEvents(query: Query, onEvent: (event: StreamEvent) => void, onState?: (connected: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  const run = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(withQuery('/api/v1/events', query), { headers: headers(false), signal: controller.signal });
        if (response.status === 401) for (const listener of [...unauthorizedListeners]) listener();
        if (!response.ok || !response.body) throw new Error(`event stream: ${response.status}`);
        onState?.(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer = readBlocks(buffer + value, onEvent);
        }
      } catch {
        // dropped or refused: try again shortly
      }
      onState?.(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
