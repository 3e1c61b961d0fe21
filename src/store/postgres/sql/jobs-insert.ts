/**
 * jobInsertMany: one INSERT … SELECT FROM unnest(…) for the whole batch, deduplicating by
 * active `unique_key` with ON CONFLICT on the partial unique index `jobs_unique_active`, and
 * sending `pg_notify` for the queues that got a job in the same statement. A NOTIFY issued
 * inside a transaction is delivered at COMMIT and dropped on ROLLBACK, which is exactly the
 * wake-up semantics transactional enqueue needs.
 *
 * With the caller's `tx` the statements run on that client with no BEGIN/COMMIT of ours, so
 * the jobs exist if and only if the caller commits. Without it, a batch with no unique keys is
 * a single auto-committed statement; a batch with unique keys also looks up the ids of the
 * jobs it collided with, in one transaction with the insert.
 *
 * Times are `statement_timestamp()`, not `now()`: inside the caller's transaction `now()` is
 * when that transaction began, so a job delayed 5 s in a transaction that ran 10 s would be
 * due (and look 10 s old) the moment it commits.
 *
 * A job with a unique key waits on the unique index while another transaction holds an
 * uncommitted job with the same key (Postgres cannot know yet whether it will commit). In the
 * caller's transaction that wait is the caller's business; in ours it holds a pooled
 * connection, so it is bounded by `lock_timeout` and then fails as a retryable conflict: an
 * application that keeps such a transaction open must not freeze the pool.
 */
import { ValidationError } from '../../../core/errors.js';
import type { InsertResult, JobInsert } from '../../../core/types.js';
import { sleep } from '../../../core/sleep.js';
import { compareIds, traceIdOf } from '../../records.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { isLockTimeout, uniqueKeyHeldError } from '../errors.js';
import { hasNul } from '../rows.js';
import { UNIQUE_KEY_LOCK_TIMEOUT_MS, activeJobsWithKeys, recentJobsWithKeys } from './unique-keys.js';

const insertSql = (s: string): string => `
  WITH input AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::integer[], $5::timestamptz[],
                         $6::double precision[], $7::integer[], $8::bigint[], $9::bigint[],
                         $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::integer[],
                         $16::text[])
      WITH ORDINALITY AS t(task, queue, payload, priority, run_at, delay_ms, max_attempts,
                           timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key, trace_id,
                           run_id, step, map_index, concurrency_key, ord)
  ),
  inserted AS (
    -- ORDER BY ord: identity values are drawn in input order, so ids ascend with it.
    INSERT INTO ${s}.jobs (task, queue, payload, state, priority, run_at, created_at, max_attempts,
                           timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key, trace_id,
                           run_id, step, map_index, concurrency_key)
    SELECT task, queue, payload, 'pending', priority,
           coalesce(run_at, statement_timestamp() + delay_ms * interval '1 millisecond'),
           statement_timestamp(), max_attempts, timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key, trace_id,
           run_id, step, map_index, concurrency_key
    FROM input ORDER BY ord
    ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('pending', 'running')
    DO NOTHING
    RETURNING id, unique_key, queue
  ),
  notified AS (
    SELECT count(pg_notify($17, queue)) AS n FROM (SELECT DISTINCT queue FROM inserted) AS q
  )
  SELECT inserted.id, inserted.unique_key, inserted.queue FROM inserted CROSS JOIN notified`;

/**
 * Debounce: one statement whose ON CONFLICT on `jobs_debounce` (the task's pending job of the key) moves
 * that job on (payload, trace id, key, due `forMs` from now) instead of inserting, atomic
 * across processes; `xmax = 0` tells a new row from a moved one. A job the claim took a
 * moment ago is running, no longer pending, so a new one is inserted.
 */
const debounceSql = (s: string): string => `
  WITH input AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::integer[], $5::double precision[],
                         $6::integer[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[],
                         $11::text[], $12::text[])
      WITH ORDINALITY AS t(task, queue, payload, priority, for_ms, max_attempts, timeout_ms,
                           backoff_base_ms, backoff_cap_ms, trace_id, concurrency_key, debounce_key, ord)
  ),
  upserted AS (
    INSERT INTO ${s}.jobs AS j (task, queue, payload, state, priority, run_at, created_at, max_attempts,
                                timeout_ms, backoff_base_ms, backoff_cap_ms, trace_id, concurrency_key, debounce_key)
    SELECT task, queue, payload, 'pending', priority, statement_timestamp() + for_ms * interval '1 millisecond',
           statement_timestamp(), max_attempts, timeout_ms, backoff_base_ms, backoff_cap_ms, trace_id,
           concurrency_key, debounce_key
    FROM input ORDER BY ord
    ON CONFLICT (task, debounce_key) WHERE state = 'pending' AND debounce_key IS NOT NULL
    DO UPDATE SET payload = excluded.payload, trace_id = excluded.trace_id,
                  concurrency_key = excluded.concurrency_key, run_at = excluded.run_at
    RETURNING j.id, j.task, j.debounce_key, j.queue, (j.xmax = 0) AS created
  ),
  notified AS (
    SELECT count(pg_notify($13, queue)) AS n FROM (SELECT DISTINCT queue FROM upserted) AS q
  )
  SELECT upserted.id, upserted.task, upserted.debounce_key, upserted.queue, upserted.created FROM upserted CROSS JOIN notified`;

interface InsertedRow {
  id: string;
  unique_key: string | null;
  queue?: string;
}

/** Tries this often when a colliding job finishes between our insert and our lookup. */
const MAX_ROUNDS = 5;

/**
 * Inserts a batch with unique keys in a transaction of its own (the collision lookup must
 * share the insert's snapshot). A deadlock with another batch taking the same keys in the
 * opposite order is retried; a key held by another open transaction fails after
 * `UNIQUE_KEY_LOCK_TIMEOUT_MS` with a retryable conflict.
 */
export async function insertJobsWithUniqueKeys(ctx: PgContext, jobs: readonly JobInsert[]): Promise<{ results: InsertResult[]; queues: string[] }> {
  try {
    return await retryDeadlock(() =>
      ctx.db.transaction((client) => insertJobs(ctx, client, jobs), { lockTimeoutMs: UNIQUE_KEY_LOCK_TIMEOUT_MS }),
    );
  } catch (err) {
    if (!isLockTimeout(err)) throw err;
    const keys = [...new Set(jobs.map((job) => job.uniqueKey ?? job.debounce?.key ?? null).filter((key): key is string => key !== null))];
    throw uniqueKeyHeldError(keys, err);
  }
}

/**
 * Runs `fn` again when PostgreSQL aborted it as a deadlock victim: two batches taking the
 * same unique keys in opposite orders wait on each other, and one of them must be retried.
 */
async function retryDeadlock<T>(fn: () => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: unknown }).code !== '40P01' || attempt >= tries) throw err;
      // A short jittered pause lets the transaction that won finish before we try again.
      await sleep(10 + Math.random() * 40);
    }
  }
}

/**
 * Inserts `jobs` in order on `client` (the pool, a transaction client, or the caller's tx);
 * `queues` lists the queues that got a new job, for in-process wake-ups.
 */
export async function insertJobs(
  ctx: PgContext,
  client: Queryable,
  jobs: readonly JobInsert[],
): Promise<{ results: InsertResult[]; queues: string[] }> {
  const results: (InsertResult | undefined)[] = new Array(jobs.length);
  const queues = new Set<string>();
  const debounced = jobs.flatMap((job, index) => (job.debounce ? [index] : []));
  await lockUniqueKeys(ctx, client, jobs);
  let todo = (await withoutRecentDuplicates(ctx, client, jobs, results)).filter((index) => !jobs[index]?.debounce);
  for (let round = 0; todo.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new Error(`jobInsertMany: unique keys kept changing state during ${MAX_ROUNDS} attempts`);
    todo = await insertRound(ctx, client, jobs, todo, results, queues);
  }
  if (debounced.length > 0) await debounceJobs(ctx, client, jobs, debounced, results, queues);
  return { results: results as InsertResult[], queues: [...queues] };
}

/**
 * Inserts or moves on the debounced jobs at `indexes`. Jobs of one batch with the same task
 * and key are one job whose last wins: one row per task and key goes to the statement (ON
 * CONFLICT may not touch a row twice), the first of them answers `created` as the row says,
 * the later ones `created: false`, as if they came one after another.
 */
async function debounceJobs(
  ctx: PgContext,
  client: Queryable,
  jobs: readonly JobInsert[],
  indexes: number[],
  results: (InsertResult | undefined)[],
  queues: Set<string>,
): Promise<void> {
  // A debounce key belongs to its task: grouped (and matched back) by both.
  const taskKey = (task: string, key: string): string => JSON.stringify([task, key]);
  const byKey = new Map<string, number[]>();
  for (const index of indexes) {
    const job = jobs[index] as JobInsert;
    const key = taskKey(job.task, job.debounce?.key as string);
    byKey.set(key, [...(byKey.get(key) ?? []), index]);
  }
  const batch = [...byKey.values()].map((group) => jobs[group[group.length - 1] as number] as JobInsert);
  const { rows } = await client.query(debounceSql(ctx.s), [...debounceColumns(batch), ctx.channel]);
  type DebouncedRow = { id: unknown; task: string; debounce_key: string; queue: string; created: boolean };
  const byRow = new Map((rows as DebouncedRow[]).map((row) => [taskKey(row.task, row.debounce_key), row]));
  for (const [key, group] of byKey) {
    const row = byRow.get(key);
    if (!row) throw new Error(`jobInsertMany: the debounced job of task and key ${key} came back from neither insert nor update`);
    queues.add(row.queue);
    // String(): the caller's client may parse bigint as a number or a BigInt.
    group.forEach((index, n) => {
      results[index] = { id: String(row.id), created: n === 0 && row.created };
    });
  }
}

function debounceColumns(batch: readonly JobInsert[]): unknown[][] {
  return [
    batch.map((job) => job.task),
    batch.map((job) => job.queue),
    batch.map((job) => payloadJson(job.payload)),
    batch.map((job) => job.priority),
    batch.map((job) => job.debounce?.forMs ?? 0),
    batch.map((job) => job.maxAttempts),
    batch.map((job) => job.timeoutMs),
    batch.map((job) => job.backoffBaseMs),
    batch.map((job) => job.backoffCapMs),
    batch.map(traceIdOf),
    batch.map((job) => job.concurrencyKey ?? null),
    batch.map((job) => job.debounce?.key ?? null),
  ];
}

/**
 * uniqueFor: answers the jobs whose key has a job created within their `uniqueForMs` (or an
 * active one) with that job, and returns the indexes of the others, still to insert. The
 * unique index cannot express a time window, so this is a lookup under the keys' advisory
 * locks: a concurrent enqueue of the same key has committed (and is seen) by now.
 */
async function withoutRecentDuplicates(
  ctx: PgContext,
  client: Queryable,
  jobs: readonly JobInsert[],
  results: (InsertResult | undefined)[],
): Promise<number[]> {
  const all = jobs.map((_, index) => index);
  const windowed = all.filter((index) => {
    const job = jobs[index] as JobInsert;
    const windowMs = job.uniqueForMs ?? 0;
    return job.uniqueKey !== null && windowMs > 0 && Number.isFinite(windowMs);
  });
  if (windowed.length === 0) return all;
  const windows = windowed.map((index) => ({ key: (jobs[index] as JobInsert).uniqueKey as string, windowMs: (jobs[index] as JobInsert).uniqueForMs as number }));
  const found = await recentJobsWithKeys(ctx, client, windows);
  const answered = new Set<number>();
  for (const index of windowed) {
    const id = found.get((jobs[index] as JobInsert).uniqueKey as string);
    if (id === undefined) continue;
    results[index] = { id, created: false };
    answered.add(index);
  }
  return all.filter((index) => !answered.has(index));
}

/**
 * Takes a transaction advisory lock per unique key, in one sorted order, before inserting.
 * The unique index alone locks keys in each batch's own order, so two batches taking the
 * same keys in opposite orders deadlock and wait out `deadlock_timeout`, and a few such
 * batches could chain into the lock timeout. Sorted locks make them queue instead. A
 * transaction without a unique key takes none; the locks end with the transaction.
 */
async function lockUniqueKeys(ctx: PgContext, client: Queryable, jobs: readonly JobInsert[]): Promise<void> {
  const keys = [...new Set(jobs.map((job) => job.uniqueKey).filter((key): key is string => key !== null))].sort();
  if (keys.length === 0) return;
  await client.query(
    `SELECT count(pg_advisory_xact_lock(hashtextextended($1 || k, 0))) FROM unnest($2::text[]) AS k`,
    [`ordo:unique:${ctx.schema}:`, keys],
  );
}

/** One insert of the jobs at `indexes`; returns the indexes still without a result. */
async function insertRound(
  ctx: PgContext,
  client: Queryable,
  jobs: readonly JobInsert[],
  indexes: number[],
  results: (InsertResult | undefined)[],
  queues: Set<string>,
): Promise<number[]> {
  const batch = indexes.map((index) => jobs[index] as JobInsert);
  const { rows } = await client.query(insertSql(ctx.s), [...insertColumns(batch), ctx.channel]);
  // String(): the caller's client may parse bigint as a number or a BigInt.
  const inserted = (rows as InsertedRow[]).map((row) => ({ id: String(row.id), unique_key: row.unique_key }));
  for (const row of rows as InsertedRow[]) queues.add(row.queue as string);
  inserted.sort((a, b) => compareIds(a.id, b.id));
  const created = createdIndexes(batch, new Set(inserted.map((row) => row.unique_key)));
  created.forEach((position, n) => {
    results[indexes[position] as number] = { id: (inserted[n] as InsertedRow).id, created: true };
  });
  const createdSet = new Set(created);
  const collided = indexes.filter((_, position) => !createdSet.has(position));
  if (collided.length === 0) return [];
  // Only jobs with a unique key can collide.
  const keyOf = (index: number): string => (jobs[index] as JobInsert).uniqueKey as string;
  const active = await activeJobsWithKeys(ctx, client, collided.map(keyOf));
  return collided.filter((index) => {
    const id = active.get(keyOf(index));
    if (id !== undefined) results[index] = { id, created: false };
    return id === undefined;
  });
}

/**
 * Positions in `batch` that the INSERT created, in order: every job without a unique key,
 * and the first job of each key that came back in RETURNING (later duplicates in the same
 * batch hit ON CONFLICT against the first).
 */
function createdIndexes(batch: readonly JobInsert[], returnedKeys: Set<string | null>): number[] {
  const seen = new Set<string>();
  const created: number[] = [];
  batch.forEach((job, position) => {
    const key = job.uniqueKey;
    if (key === null) created.push(position);
    else if (returnedKeys.has(key) && !seen.has(key)) created.push(position);
    if (key !== null) seen.add(key);
  });
  return created;
}

/** A payload's JSON text; jsonb cannot hold NUL characters, so such a payload is refused. */
export function payloadJson(payload: JobInsert['payload']): string {
  const text = JSON.stringify(payload ?? null);
  if (hasNul(text)) {
    throw new ValidationError('payload', 'JSON without NUL (\\u0000) characters, which PostgreSQL jsonb cannot store', payload);
  }
  return text;
}

function insertColumns(batch: readonly JobInsert[]): unknown[][] {
  return [
    batch.map((job) => job.task),
    batch.map((job) => job.queue),
    batch.map((job) => payloadJson(job.payload)),
    batch.map((job) => job.priority),
    batch.map((job) => job.runAt),
    batch.map((job) => job.delayMs),
    batch.map((job) => job.maxAttempts),
    batch.map((job) => job.timeoutMs),
    batch.map((job) => job.backoffBaseMs),
    batch.map((job) => job.backoffCapMs),
    batch.map((job) => job.uniqueKey),
    batch.map(traceIdOf),
    batch.map((job) => job.workflow?.runId ?? null),
    batch.map((job) => job.workflow?.step ?? null),
    batch.map((job) => job.workflow?.mapIndex ?? null),
    batch.map((job) => job.concurrencyKey ?? null),
  ];
}

/**
 * True when the batch needs a transaction of its own: the collision lookup of unique keys, or
 * a debounce, which waits like a unique key on another transaction's uncommitted job of its key.
 */
export function needsTransaction(jobs: readonly JobInsert[]): boolean {
  return jobs.some((job) => job.uniqueKey !== null || (job.debounce !== undefined && job.debounce !== null));
}
