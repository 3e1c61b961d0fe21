/**
 * "Jobs available" signals of a Postgres store, from two sources:
 * - other processes (and the caller's own transactions, via `jobInsertMany({ tx })`): inserts,
 *   retries, releases, rescues and resumes send `pg_notify(channel, queue)` in the statement
 *   that makes jobs due, and the store's one LISTEN connection receives them;
 * - this store's own writes: the engine calls `emit()` right after they commit, so a
 *   subscriber hears them without waiting for the round trip or for LISTEN to be in place.
 *   The NOTIFY of those writes also comes back on LISTEN; it is skipped by the sender's
 *   server pid (`isOwnBackend`), so each signal arrives once.
 *
 * It is opened on the first subscription (a store that only enqueues never holds it) and
 * kept until `close()`. When the connection drops (server restart, network cut) it reconnects
 * with exponential backoff and jitter and LISTENs again. A connection can also die without a
 * word (a half-open TCP connection after a network cut or a failover): nothing arrives and
 * nothing fails. So the listener pings its connection every `pingIntervalMs` (a statement
 * with the client's `query_timeout`) and reconnects when a ping fails or times out.
 *
 * Signals sent while it was not listening are lost. So once LISTEN is in place, and before
 * it reports itself ready, it asks which queues have pending jobs and wakes every subscriber
 * for each of them, once: a worker that missed the signal of a job enqueued during the outage
 * claims it now rather than at its next poll. (Subscribers poll as a fallback anyway, as the
 * contract requires, so nothing waits forever.)
 *
 * The engine runs a second one on the schedules channel for `onSchedulesChanged`: the same
 * connection handling, a payload that carries no queue, and one wake-up after each connect.
 */
import pg from 'pg';
import { backoffDelay } from '../../core/retry.js';
import { type Queryable, endClient } from './pool.js';

/** First reconnect delay; it doubles per failed attempt up to `MAX_BACKOFF_MS`. */
export const BASE_BACKOFF_MS = 200;
export const MAX_BACKOFF_MS = 10_000;

export type QueueListener = (queue: string) => void;

export interface ListenerOptions {
  /** Connection settings; their `query_timeout` bounds every statement, pings included. */
  config: pg.ClientConfig;
  channel: string;
  /** True for server pids of this store's own pool (their NOTIFYs were emitted in-process). */
  isOwnBackend: (pid: number) => boolean;
  /** How often the connection is pinged while idle. */
  pingIntervalMs: number;
  /** The queues that have pending jobs, asked on the LISTEN connection after each connect. */
  pendingQueues: (client: Queryable) => Promise<string[]>;
}

export class JobsListener {
  private readonly subscribers = new Set<QueueListener>();
  private current: pg.Client | null = null;
  private connecting = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: ListenerOptions) {}

  /** Adds a subscriber (opening the connection if needed); returns its unsubscribe. */
  subscribe(listener: QueueListener): () => void {
    this.subscribers.add(listener);
    this.start();
    return () => {
      this.subscribers.delete(listener);
    };
  }

  /** Resolves once LISTEN is active (at once if it already is, or after `close()`). */
  listening(): Promise<void> {
    if (this.current || this.stopped) return Promise.resolve();
    this.start();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopPinging();
    const client = this.current;
    this.current = null;
    this.wakeWaiters();
    if (client) await endClient(client);
  }

  private start(): void {
    if (this.stopped || this.current || this.connecting || this.timer) return;
    this.connecting = true;
    void this.open().finally(() => {
      this.connecting = false;
    });
  }

  private async open(): Promise<void> {
    const { config, channel, isOwnBackend } = this.options;
    const client = new pg.Client(config);
    // Listened to for the client's whole life, also after it is dropped or ended: an
    // unhandled 'error' event would crash the process.
    client.on('error', () => this.dropped(client));
    client.on('end', () => this.dropped(client));
    client.on('notification', (message) => {
      if (message.channel !== channel || message.payload === undefined || isOwnBackend(message.processId)) return;
      this.emit([message.payload]);
    });
    let pending: string[];
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
      pending = await this.options.pendingQueues(client);
    } catch {
      void endClient(client);
      this.retryLater();
      return;
    }
    if (this.stopped) {
      await endClient(client);
      return;
    }
    this.current = client;
    this.failures = 0;
    this.startPinging(client);
    // Anything that became due while we were not listening: wake subscribers for it once.
    this.emit(pending);
    this.wakeWaiters();
  }

  /** The live connection was lost: forget it and reconnect. */
  private dropped(client: pg.Client): void {
    if (client !== this.current) return; // a connect attempt failing; open() handles it
    this.current = null;
    this.stopPinging();
    void endClient(client);
    this.retryLater();
  }

  /** Pings `client` every `pingIntervalMs`; a ping that fails or times out drops it. */
  private startPinging(client: pg.Client): void {
    let inFlight = false;
    this.pinger = setInterval(() => {
      if (inFlight || client !== this.current) return;
      inFlight = true;
      client.query('SELECT 1').then(
        () => {
          inFlight = false;
        },
        () => this.dropped(client),
      );
    }, this.options.pingIntervalMs);
    this.pinger.unref();
  }

  private stopPinging(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
  }

  private retryLater(): void {
    if (this.stopped || this.timer) return;
    this.failures++;
    const delay = backoffDelay(this.failures, { baseMs: BASE_BACKOFF_MS, capMs: MAX_BACKOFF_MS });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, delay);
    this.timer.unref();
  }

  /** Tells every subscriber that `queues` may have due jobs. Call after commit. */
  emit(queues: readonly string[]): void {
    for (const queue of queues) {
      for (const listener of this.subscribers) {
        try {
          listener(queue);
        } catch {
          // A subscriber's bug must not stop the others from being woken.
        }
      }
    }
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

