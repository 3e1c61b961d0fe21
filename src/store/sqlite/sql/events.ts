/**
 * Emitted events on SQLite: eventEmit stores an event unless an unexpired one of the key is
 * there (the first emit wins; an expired row is replaced in the same upsert), then wakes the
 * runs waiting for the key, in one IMMEDIATE transaction. eventGet reads an unexpired event.
 * Expired rows stay until jobPrune removes them (pruneEvents), and are never read meanwhile.
 */
import type { Json } from '../../../core/types.js';
import type { EmittedEvent } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { wakeWaiters } from './workflows-wake.js';

const EMIT = `
  INSERT INTO workflow_events (key, payload, emitted_at, expires_at) VALUES (@key, @payload, @now, @expiresAt)
  ON CONFLICT (key) DO UPDATE
  SET payload = excluded.payload, emitted_at = excluded.emitted_at, expires_at = excluded.expires_at
  WHERE workflow_events.expires_at <= @now`;

const GET = `SELECT payload, emitted_at, expires_at FROM workflow_events WHERE key = ? AND expires_at > ?`;

// By expiry (workflow_events_expires), bounded like every other kind of row pruned.
const PRUNE = `
  DELETE FROM workflow_events WHERE key IN (
    SELECT key FROM workflow_events WHERE expires_at <= @now ORDER BY expires_at LIMIT @limit)`;

/** Stores (first emit wins) and wakes; `queues`: the queues of the jobs woken (to signal after commit). */
export function emitEvent(c: SqliteConnection, now: number, key: string, payload: string, keepMs: number): { stored: boolean; woken: number; queues: string[] } {
  return c.write(() => {
    const stored = c.prepare(EMIT).run({ key, payload, now, expiresAt: now + keepMs }).changes > 0;
    const woken = wakeWaiters(c, now, key);
    return { stored, woken: woken.length, queues: [...new Set(woken)] };
  });
}

export function getEvent(c: SqliteConnection, now: number, key: string): EmittedEvent | null {
  const row = c.prepare(GET).get(key, now) as { payload: string; emitted_at: number; expires_at: number } | undefined;
  if (!row) return null;
  return { key, payload: JSON.parse(row.payload) as Json, emittedAt: new Date(row.emitted_at), expiresAt: new Date(row.expires_at) };
}

/** Deletes up to `limit` expired events; returns how many. */
export function pruneEvents(c: SqliteConnection, now: number, limit: number): number {
  return c.prepare(PRUNE).run({ now, limit }).changes;
}
