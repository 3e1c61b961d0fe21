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
 * with exponential backoff and jitter and LISTENs again. Signals sent while it was down are
 * lost; subscribers poll as a fallback, as the contract requires, so nothing waits forever.
 */
import pg from 'pg';

/** First reconnect delay; it doubles per failed attempt up to `MAX_BACKOFF_MS`. */
export const BASE_BACKOFF_MS = 200;
export const MAX_BACKOFF_MS = 10_000;

export type QueueListener = (queue: string) => void;

export class JobsListener {
  private readonly subscribers = new Set<QueueListener>();
  private current: pg.Client | null = null;
  private connecting = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly isOwnBackend: (pid: number) => boolean,
  ) {}

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
    const client = this.current;
    this.current = null;
    this.wakeWaiters();
    await client?.end().catch(() => undefined);
  }

  private start(): void {
    if (this.stopped || this.current || this.connecting || this.timer) return;
    this.connecting = true;
    void this.open().finally(() => {
      this.connecting = false;
    });
  }

  private async open(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', () => this.dropped(client));
    client.on('end', () => this.dropped(client));
    client.on('notification', (message) => {
      if (message.channel !== this.channel || message.payload === undefined || this.isOwnBackend(message.processId)) return;
      this.emit([message.payload]);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      await client.end().catch(() => undefined);
      this.retryLater();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.current = client;
    this.failures = 0;
    this.wakeWaiters();
  }

  /** The live connection was lost: forget it and reconnect. */
  private dropped(client: pg.Client): void {
    if (client !== this.current) return; // a connect attempt failing; open() handles it
    this.current = null;
    void client.end().catch(() => undefined);
    this.retryLater();
  }

  private retryLater(): void {
    if (this.stopped || this.timer) return;
    const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** this.failures);
    this.failures++;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
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
