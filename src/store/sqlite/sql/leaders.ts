/**
 * Leader election as a lease row per role: `leaderElect` takes the row when it is free,
 * expired or already ours, in one upsert statement (atomic under SQLite's write lock), and
 * `leaderResign` deletes it. Failover happens when the holder stops renewing and the lease
 * runs out. Correctness never depends on this; it only saves duplicate work.
 */
import type { SqliteConnection } from '../connection.js';

const ELECT = `
  INSERT INTO leaders (name, holder, expires_at) VALUES (@name, @holder, @expiresAt)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE leaders.holder = excluded.holder OR leaders.expires_at <= @now
  RETURNING holder`;

const RESIGN = `DELETE FROM leaders WHERE name = ? AND holder = ?`;

/** True when `holder` holds role `name` until `now + ttlMs` after this call. */
export function electLeader(c: SqliteConnection, now: number, params: { readonly name: string; readonly holderId: string; readonly ttlMs: number }): boolean {
  const row = c.prepare(ELECT).get({ name: params.name, holder: params.holderId, expiresAt: now + params.ttlMs, now });
  return row !== undefined;
}

export function resignLeader(c: SqliteConnection, params: { readonly name: string; readonly holderId: string }): void {
  c.prepare(RESIGN).run(params.name, params.holderId);
}
