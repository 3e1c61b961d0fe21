/**
 * Notices the database file going away under a running store. SQLite keeps writing to the
 * file it opened, whatever happens to the path: a deleted file takes every later write into
 * a file nobody else can see (and a reopened connection would start a new, empty one where
 * the jobs then pile up, unseen by the other processes), a replaced file splits the
 * processes between two databases, and a file made read-only fails every write. None of
 * these heal by retrying, so the store reports them as StoreLostError (not retryable),
 * naming the file and what to do, and refuses every later call.
 *
 * The check compares the path's device and inode with those of the file opened, and its
 * writability with what it was: one `stat` and one `access`, at most once a second
 * (CHECK_INTERVAL_MS) and at once after an I/O or read-only error, so the hot path costs a
 * clock read.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { StoreLostError } from '../../core/errors.js';

/** Longest time between two checks of the file while the store is in use. */
export const CHECK_INTERVAL_MS = 1_000;

interface Identity {
  dev: number;
  ino: number;
  writable: boolean;
}

/** The identity of the file at `path`, or null when there is none. */
function identityOf(path: string): Identity | null {
  try {
    const stats = statSync(path);
    return { dev: stats.dev, ino: stats.ino, writable: isWritable(path) };
  } catch {
    return null;
  }
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Watches one store's file: remember it once opened, then `check()` on use. */
export class FileWatch {
  private opened: Identity | null = null;
  private checkedAt = 0;

  constructor(private readonly path: string) {}

  /** Records the file just opened; a later open must find the same file. */
  remember(): void {
    const current = identityOf(this.path);
    if (this.opened === null) {
      this.opened = current;
      this.checkedAt = Date.now();
      return;
    }
    this.compare(current);
  }

  /** True once a file was opened: reopening must not create a new one in its place. */
  get known(): boolean {
    return this.opened !== null;
  }

  /** Checks the file if the last check is older than CHECK_INTERVAL_MS (or `force`). */
  check(force = false): void {
    if (this.opened === null) return;
    const now = Date.now();
    if (!force && now - this.checkedAt < CHECK_INTERVAL_MS) return;
    this.checkedAt = now;
    this.compare(identityOf(this.path));
  }

  /** True when the file was writable when opened (a write refused now means it changed). */
  get wasWritable(): boolean {
    return this.opened?.writable ?? true;
  }

  private compare(current: Identity | null): void {
    const opened = this.opened;
    if (opened === null) return;
    if (current === null) throw lost(this.path, 'was deleted (or moved away)', 'restore it, or restart Ordo on the right file');
    if (current.dev !== opened.dev || current.ino !== opened.ino) {
      throw lost(this.path, 'was replaced by another file', 'restart Ordo so that every process opens the same file');
    }
    if (opened.writable && !current.writable) throw readOnlyLost(this.path);
  }
}

/** The database became read-only while in use. */
export function readOnlyLost(path: string, cause?: unknown): StoreLostError {
  return lost(path, 'has become read-only', 'make the file, its folder and its -wal/-shm files writable again (and the disk not read-only), then restart Ordo', cause);
}

function lost(path: string, what: string, todo: string, cause?: unknown): StoreLostError {
  return new StoreLostError(`SQLite database ${path} ${what} while this process was using it; nothing more is written to it. To continue, ${todo}`, cause);
}
