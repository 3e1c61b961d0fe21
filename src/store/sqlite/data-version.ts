/**
 * Wakes this process's workers when ANOTHER process changes the database file. SQLite has
 * no LISTEN/NOTIFY, but `PRAGMA data_version` on a connection changes whenever another
 * connection commits to the file; reading it takes no lock and costs a few microseconds.
 * While something listens for "jobs available" (a worker's producer), the store reads it
 * whenever the file's write-ahead log (`<file>-wal`, where every commit is written) is
 * modified, as the OS reports it (fs.watch: inotify on Linux, so a commit is noticed within
 * a millisecond and an idle store does no work at all), and every DATA_VERSION_CHECK_MS as
 * well, for what the OS does not report (a network file system, a log deleted and
 * recreated, a watch that failed). A timer alone would have to run every few milliseconds
 * to be as quick, which costs an idle worker over 1 % of a core.
 *
 * When the version moved, it reads the head of each queue that has pending jobs (one index
 * seek per queue) and wakes the listeners of those queues whose head is due now or changed
 * since the previous check (a job the workers' wait must now end sooner for); another
 * process's delayed job behind an unchanged head wakes no one.
 * Without that, a worker would only see another process's enqueue at its next poll.
 *
 * The store's own commits do not move its connection's data_version: they are signalled in
 * the process already (notify.ts). The watch and the timer run only while someone listens
 * and never keep the process alive.
 */
import { type FSWatcher, watch } from 'node:fs';
import type { SqliteConnection } from './connection.js';

/** How far another process's clock may run ahead of this one's, for "due now". */
const CLOCK_SLACK_MS = 10;

/**
 * How often a listened-to store reads `PRAGMA data_version` when the OS did not report a
 * change of the log, by default: the longest wake-up delay where file watching fails.
 */
export const DATA_VERSION_CHECK_MS = 50;

/**
 * When the log was written but no commit is visible yet: how long to keep looking again at
 * once (on every turn of the event loop: the commit is usually published microseconds after
 * its last write to the log), then the pauses before the later looks.
 */
const RECHECK_SPIN_MS = 0.3;
const RECHECK_MS = [1, 2, 5, 10];

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
  /** The database file; its write-ahead log is `<path>-wal`. */
  path: string;
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
  private watcher: FSWatcher | null = null;
  /** The look due on this turn of the event loop (one commit reports several writes). */
  private soon: NodeJS.Immediate | null = null;
  /** The next of the later looks after a write whose commit was not visible yet. */
  private later: NodeJS.Timeout | null = null;
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
    if (this.later) clearTimeout(this.later);
    this.later = null;
    this.unwatch();
    this.conn = null;
  }

  private start(): void {
    // The baseline, now: a commit made after the listener subscribed must count as a change.
    this.options.peek((c, now) => this.changedQueues(c, now));
    this.watchLog();
    this.timer = setInterval(() => {
      if (!this.watcher) this.watchLog();
      this.check();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Watches the write-ahead log; without one (not created yet, no support) the timer is all. */
  private watchLog(): void {
    try {
      this.watcher = watch(`${this.options.path}-wal`, { persistent: false }, (event) => {
        // Deleted or replaced: the watch follows the old file; the timer watches the new one.
        if (event === 'rename') this.unwatch();
        this.queueCheck();
      });
      this.watcher.on('error', () => this.unwatch());
    } catch {
      this.watcher = null;
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  /**
   * Checks after the log was written. The log is written before the commit is published
   * (in the shared-memory index data_version is read from), so a check that sees no change
   * yet looks again at once for a moment, then a little later, a few times (RECHECK_MS). A
   * new write starts the looks over: the looks still pending after an earlier write (this
   * store's own commits are reported too, and change nothing it can see) must not make another
   * process's commit wait for their next pause.
   */
  private queueCheck(): void {
    if (this.later) clearTimeout(this.later);
    this.later = null;
    if (this.soon) return; // a look is already due on this turn of the event loop
    const spinUntil = performance.now() + RECHECK_SPIN_MS;
    const attempt = (next: number): void => {
      this.soon = null;
      if (!this.timer || this.check() || next >= RECHECK_MS.length) return;
      if (next === 0 && performance.now() < spinUntil) {
        this.soon = setImmediate(() => attempt(0));
        return;
      }
      this.later = setTimeout(() => {
        this.later = null;
        attempt(next + 1);
      }, RECHECK_MS[next]);
      this.later.unref();
    };
    this.soon = setImmediate(() => attempt(0));
  }

  /** Checks once; true when the file had changed. */
  private check(): boolean {
    const queues = this.options.peek((c, now) => this.changedQueues(c, now));
    if (queues && queues.length > 0) this.options.emit(queues);
    return queues !== null;
  }

  /** The queues to wake when the file changed since the last look; null when it did not. */
  private changedQueues(c: SqliteConnection, now: number): string[] | null {
    const version = c.prepare('PRAGMA data_version').pluck().get() as number;
    // A new connection (the first, or one reopened) counts on its own: a change too.
    if (c === this.conn && version === this.version) return null;
    this.conn = c;
    this.version = version;
    return this.readHeads(c, now);
  }

  /**
   * Reads the heads; returns the queues to wake: due now, or whose head is not the one seen
   * at the previous check. A head later than before is news too: the earlier one may have
   * been claimed (by this process, whose own commits are not seen here) and the workers' wait
   * no longer covers the new one. And "due now" allows CLOCK_SLACK_MS: another process's
   * clock may run a millisecond ahead of this one's (CPUs of a virtual machine disagree), so a
   * job enqueued just now may look due a millisecond from now (and two jobs enqueued within a
   * millisecond have the same head time).
   */
  private readHeads(c: SqliteConnection, now: number): string[] {
    const rows = c.prepare(QUEUE_HEADS).all() as Array<{ queue: string; run_at: number }>;
    const heads = new Map<string, number>();
    const wake: string[] = [];
    for (const { queue, run_at: runAt } of rows) {
      heads.set(queue, runAt);
      if (runAt <= now + CLOCK_SLACK_MS || runAt !== this.heads.get(queue)) wake.push(queue);
    }
    this.heads = heads;
    return wake;
  }
}
