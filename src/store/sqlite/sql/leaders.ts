/**
 * Leader election as a lease row per role: `leaderElect` takes the row when it is free,
 * expired or already ours, in one upsert statement (atomic under SQLite's write lock), and
 * `leaderResign` ends the lease at once. Failover happens when the holder stops renewing and
 * the lease runs out. Correctness never depends on this; it only saves duplicate work.
 *
 * The row's `term` increases whenever leadership changes hands: a new holder, or a lease
 * that lapsed (or was resigned) taken again. Resigning keeps the row, so the term never goes
 * back.
 */
import type { SqliteConnection } from '../connection.js';

const ELECT = `
  INSERT INTO leaders (name, holder, expires_at, term) VALUES (@name, @holder, @expiresAt, 1)
  ON CONFLICT (name) DO UPDATE SET
    holder = excluded.holder,
    expires_at = excluded.expires_at,
    term = CASE WHEN leaders.holder = excluded.holder AND leaders.expires_at > @now THEN leaders.term ELSE leaders.term + 1 END
  WHERE leaders.holder = excluded.holder OR leaders.expires_at <= @now
  RETURNING term`;

const RESIGN = `UPDATE leaders SET expires_at = @now WHERE name = @name AND holder = @holder AND expires_at > @now`;

/** The term while `holder` holds role `name` until `now + ttlMs` after this call; else null. */
export function electLeader(
  c: SqliteConnection,
  now: number,
  params: { readonly name: string; readonly holderId: string; readonly ttlMs: number },
): { term: number } | null {
  const row = c.prepare(ELECT).get({ name: params.name, holder: params.holderId, expiresAt: now + params.ttlMs, now }) as { term: number } | undefined;
  return row ? { term: row.term } : null;
}

export function resignLeader(c: SqliteConnection, now: number, params: { readonly name: string; readonly holderId: string }): void {
  c.prepare(RESIGN).run({ name: params.name, holder: params.holderId, now });
}
