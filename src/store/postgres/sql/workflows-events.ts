/**
 * Emitted events on PostgreSQL: eventEmit and eventGet. An emit is ONE statement: the event is
 * stored unless an unexpired one holds the key (the first emit wins; an expired row is
 * replaced, in the same upsert, so two emitters never both win), then the pending `main` job
 * of every run with a `waiting` checkpoint on the key becomes due now, and the queues of those
 * jobs are NOTIFYed, as an insert does. The jobs are locked in id order without their runs
 * (like jobRetry), so the emit never waits for a run's lock; the key's advisory lock comes first
 * (workflows-wake.ts: a release committing at the same instant is not missed). Same module as
 * the SQLite engine's.
 */
import { ValidationError } from '../../../core/errors.js';
import type { Json } from '../../../core/types.js';
import type { EmittedEvent } from '../../../core/workflow-types.js';
import type { PgContext } from '../context.js';
import { storableJson } from '../rows.js';
import { DEADLOCK_SAFE } from './workflows-rows.js';
import { lockEventWake } from './workflows-wake.js';

/** Longest keep: 100 years, so the expiry stays a timestamp PostgreSQL can store. */
const MAX_KEEP_MS = 100 * 365 * 24 * 60 * 60 * 1000;

const emitSql = (s: string): string => `
  WITH stored AS (
    INSERT INTO ${s}.workflow_events AS e (key, payload, emitted_at, expires_at)
    VALUES ($1, $2::jsonb, now(), now() + $3 * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET payload = EXCLUDED.payload, emitted_at = EXCLUDED.emitted_at, expires_at = EXCLUDED.expires_at
    WHERE e.expires_at <= now()
    RETURNING 1
  ),
  due AS (
    SELECT j.id FROM ${s}.jobs j
    WHERE j.run_id IN (SELECT c.run_id FROM ${s}.run_checkpoints c WHERE c.event_key = $1 AND c.state = 'waiting')
      AND j.step = 'main' AND j.state = 'pending'
    ORDER BY j.id FOR UPDATE
  ),
  woken AS (
    UPDATE ${s}.jobs j SET run_at = least(j.run_at, now())
    WHERE j.id = ANY (ARRAY(SELECT id FROM due)) AND j.state = 'pending'
    RETURNING j.queue
  ),
  notified AS (SELECT count(pg_notify($4, queue)) AS n FROM (SELECT DISTINCT queue FROM woken) AS q)
  SELECT (SELECT count(*) FROM stored)::integer AS stored, (SELECT count(*) FROM woken)::integer AS woken,
         ARRAY(SELECT DISTINCT queue FROM woken) AS queues, (SELECT n FROM notified) AS notified`;

const getSql = (s: string): string => `
  SELECT key, payload, emitted_at, expires_at FROM ${s}.workflow_events WHERE key = $1 AND expires_at > now()`;

/** Emits `key`; returns whether it was stored, how many runs were woken, and their queues. */
export async function emitEvent(
  ctx: PgContext,
  params: { readonly key: string; readonly payload: Json; readonly keepMs: number },
): Promise<{ stored: boolean; woken: number; queues: string[] }> {
  const key = checkKey(params.key);
  const { keepMs } = params;
  if (typeof keepMs !== 'number' || !Number.isInteger(keepMs) || keepMs < 1 || keepMs > MAX_KEEP_MS) {
    throw new ValidationError('keepMs', `an integer of milliseconds from 1 to ${MAX_KEEP_MS}`, keepMs);
  }
  const payload = payloadJson(params.payload);
  const row = await ctx.db.transaction(async (client) => {
    await lockEventWake(client, key);
    const { rows } = await client.query(emitSql(ctx.s), [key, payload, keepMs, ctx.channel], 'ordo_event_emit');
    return rows[0] as { stored: number; woken: number; queues: string[] } | undefined;
  }, DEADLOCK_SAFE);
  return { stored: (row?.stored ?? 0) > 0, woken: row?.woken ?? 0, queues: row?.queues ?? [] };
}

/** The unexpired event of `key`, or null. */
export async function getEvent(ctx: PgContext, key: string): Promise<EmittedEvent | null> {
  if (typeof key !== 'string' || key.includes('\0')) return null;
  const [row] = await ctx.db.rows<{ key: string; payload: Json; emitted_at: Date; expires_at: Date }>({ name: 'ordo_event_get', text: getSql(ctx.s), values: [key] });
  return row ? { key: row.key, payload: row.payload, emittedAt: row.emitted_at, expiresAt: row.expires_at } : null;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.includes('\0')) throw new ValidationError('key', 'a non-empty string without NUL characters', key);
  return key;
}

function payloadJson(payload: Json): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload === undefined ? null : payload);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new ValidationError('payload', 'a JSON value', payload);
  return storableJson(payload === undefined ? null : payload);
}
