/**
 * Wakes this process's workers when ANOTHER process changes the database file. SQLite has
 * no LISTEN/NOTIFY, but `PRAGMA data_version` on a connection changes whenever another
 * connection commits to the file; reading it takes no lock and costs a few microseconds.
 * So while something listens for "jobs available" (a worker's producer), the store reads it
 * every DATA_VERSION_CHECK_MS (5 ms); when it moved, it reads the head of each queue that has pending
 * jobs (one index seek per queue) and wakes the listeners of those queues whose head is due
 * now, or earlier than at the previous check (a delayed job the workers' wait must now
 * end sooner for). Without that, a worker would only see another process's enqueue at
 * its next poll (pollMs, about a second).
 *
 * The store's own commits do not move its connection's data_version: they are signalled in
 * the process already (notify.ts). The timer is unref'd and runs only while someone
 * listens, so an idle store costs nothing and never keeps the process alive.
 */
import type { SqliteConnection } from './connection.js';

/** How often a listened-to store reads `PRAGMA data_version`, by default. */
export const DATA_VERSION_CHECK_MS = 5;

/**
 * The head (earliest run_at) of every unpaused queue with pending jobs. The recursive part
 * hops from one queue name to the next along the jobs_due index, so it costs one seek per
 * queue, however many jobs wait.
 */
const QUEUE_HEADS = `
  WITH RECURSIVE names(queue) AS (
    SELECT MIN(queue) FROM jobs WHERE state = 'pending'
    UNION ALL
    SELECT (SELECT MIN(queue) FROM jobs WHERE state = 'pending' AND queue > names.queue) FROM names WHERE names.queue IS NOT NULL
  )
  SELECT queue, (SELECT MIN(run_at) FROM jobs WHERE state = 'pending' AND queue = names.queue) AS run_at
  FROM names
  WHERE queue IS NOT NULL AND NOT EXISTS (SELECT 1 FROM queues WHERE name = names.queue AND paused = 1)`;

/**
 * Runs `unit` on the store's open connection, or returns null when there is none (not
 * opened yet, closed, lost) or the unit failed: the check is best-effort, the store's
 * next real call reports what is wrong, and the worker's poll still runs.
 */
export type Peek = <T>(unit: (c: SqliteConnection, now: number) => T) => T | null;

export interface DataVersionWatchOptions {
  peek: Peek;
  /** Tells this process's listeners that `queues` may have due jobs. */
  emit(queues: readonly string[]): void;
  /** @defaultValue DATA_VERSION_CHECK_MS */
  intervalMs?: number;
}

export class DataVersionWatch {
  private readonly intervalMs: number;
  private users = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The connection the version was read on: each connection counts on its own. */
  private conn: SqliteConnection | null = null;
  private version = 0;
  private heads = new Map<string, number>();

  constructor(private readonly options: DataVersionWatchOptions) {
    this.intervalMs = options.intervalMs ?? DATA_VERSION_CHECK_MS;
  }

  /** Checks while at least one holder holds; returns the release (idempotent). */
  hold(): () => void {
    this.users += 1;
    if (this.users === 1) this.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users -= 1;
      if (this.users === 0) this.stop();
    };
  }

  /** Stops for good (the store closed). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.conn = null;
  }

  private start(): void {
    // The baseline, now: a commit made after the listener subscribed must count as a change.
    this.options.peek((c, now) => this.changedQueues(c, now));
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  private check(): void {
    const queues = this.options.peek((c, now) => this.changedQueues(c, now));
    if (queues && queues.length > 0) this.options.emit(queues);
  }

  /** The queues to wake when the file changed since the last look; empty when it did not. */
  private changedQueues(c: SqliteConnection, now: number): string[] {
    const version = c.prepare('PRAGMA data_version').pluck().get() as number;
    // A new connection (the first, or one reopened) counts on its own: a change too.
    if (c === this.conn && version === this.version) return [];
    this.conn = c;
    this.version = version;
    return this.readHeads(c, now);
  }

  /** Reads the heads; returns the queues to wake: due now, or due earlier than before. */
  private readHeads(c: SqliteConnection, now: number): string[] {
    const rows = c.prepare(QUEUE_HEADS).all() as Array<{ queue: string; run_at: number }>;
    const heads = new Map<string, number>();
    const wake: string[] = [];
    for (const { queue, run_at: runAt } of rows) {
      heads.set(queue, runAt);
      const before = this.heads.get(queue);
      if (runAt <= now || before === undefined || runAt < before) wake.push(queue);
    }
    this.heads = heads;
    return wake;
  }
}
