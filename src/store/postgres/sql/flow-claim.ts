/**
 * The claim of a LIMITED queue (core/flow.ts; jobClaim's doc in store/contract/jobs.ts), in
 * one transaction that first locks the queue's row (`FOR UPDATE`): every claimer of the queue,
 * on every machine, waits its turn there, so the counts it reads are everyone's. Each
 * statement after the lock starts a new READ COMMITTED snapshot, which sees every commit made
 * before the lock was granted; that is why nothing is counted in the locking statement itself
 * (its snapshot may predate the previous holder's commit).
 *
 * After the lock, one statement per pass does all of it: the queue's concurrency (its running
 * jobs, counted live) and rate (`rate_tat`) cap the starts; a queue without keys then takes
 * its due jobs in the usual order; a keyed one walks its keys (below). The same statement
 * writes back the rate state, the turn cursor, the per-key rate state and clears a pause that
 * is over. Its time is its own `statement_timestamp()`, which the lock wait does not age.
 *
 * Keys take turns: a recursive walk of `jobs_key_due` (one seek per key that has a pending
 * job, which also tells whether one is due; keys whose jobs are all delayed count to the
 * bound but are passed without reading them) from the key after the cursor `rr_key`, in key order, to the wrap, where the jobs
 * without a key take their turn together (NULL in `rr_key`), then from the smallest key up to
 * the cursor. Each key visited gets its first due job in claim order, through LATERAL, if it
 * is under `key_concurrency` (its running jobs, on `jobs_key_running`) and its rate allows
 * (`flow_keys`). The outer LIMIT stops the walk as soon as the allowed starts are found, so a
 * claim of 10 over 1,000 free keys visits 10 keys. A pass visits at most MAX_KEYS_VISITED
 * keys; stopped there, the cursor is the last key visited, so the next claim goes on from it.
 * Another pass (a new statement: the counts include this claim's starts) follows while jobs
 * are still allowed and the last pass started some.
 *
 * The keyless turn reads the queue's pending jobs (jobs without a key have no index of their
 * own); a turn that found none is skipped for a second (`KeylessMemo`) unless a keyless job
 * was inserted since: 20,000 jobs over 10 keys, a pass of 10 starts: 592 pages, 9.6 ms with
 * the walk; 273 pages, 2.3 ms without.
 */
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { type JobRow, jobColumns } from '../rows.js';
import { type FlowRow, anyLimitSql, flowColumns, limitsFromRow } from './flow-queues.js';
import { keyed } from '../../../core/flow.js';

/** At most this many turns (keys, or the jobs without one) per pass of one queue's claim. */
export const MAX_KEYS_VISITED = 1_000;

const lockSql = (s: string): string => `
  SELECT ${flowColumns('q')}, q.paused, q.limited,
         coalesce(q.paused_until > statement_timestamp(), false) AS paused_now
  FROM ${s}.queues AS q WHERE q.name = $1
  FOR UPDATE`;

/**
 * The allowed starts, the picks and the write-back, around `picks` (a CTE of the chosen job
 * ids, with `k` and `n` for the keyed walk). Parameters: $1 queue, $2 wanted, $3 worker,
 * $4 lease ms, $5 concurrency, $6 rate interval ms, $7 rate burst (then the keyed ones).
 */
function passSql(s: string, picks: string, keyedPass: boolean): string {
  return `
  WITH RECURSIVE clock AS MATERIALIZED (
    SELECT extract(epoch FROM statement_timestamp())::double precision * 1000 AS ms,
           (SELECT rate_tat FROM ${s}.queues WHERE name = $1) AS tat
  ),
  -- core/flow.ts scheduleFrom: where the next start's slot begins (a claim less than one
  -- interval late keeps the schedule).
  now AS MATERIALIZED (
    SELECT ms, tat, ${scheduleFromSql('tat', 'ms', '$6')} AS rate_from FROM clock
  ),
  -- core/flow.ts: min(wanted, concurrency - running, rateAllowance(rate, rate_tat, now)).
  allowed AS MATERIALIZED (
    SELECT greatest(0, least(
             $2::integer,
             CASE WHEN $5::integer IS NULL THEN $2
                  ELSE $5 - (SELECT count(*) FROM ${s}.jobs WHERE queue = $1 AND state = 'running') END,
             CASE WHEN $6::double precision IS NULL THEN $2
                  WHEN now.ms + ($7::integer - 1) * $6 - now.rate_from < 0 THEN 0
                  ELSE floor((now.ms + ($7 - 1) * $6 - now.rate_from) / $6 + 1e-9) + 1 END
           ))::integer AS n
    FROM now
  ),
  ${picks},
  claimed AS (
    UPDATE ${s}.jobs AS t
    -- The debounce key cleared, as by the plain claim (jobs-claim.ts).
    SET state = 'running', attempt = t.attempt + 1, locked_by = $3,
        locked_until = statement_timestamp() + $4 * interval '1 millisecond', started_at = statement_timestamp(), progress = NULL,
        debounce_key = NULL
    -- The state as a sub-select's value: by primary key in the generic plan too (jobs-claim.ts).
    WHERE t.id = ANY (ARRAY(SELECT id FROM picks WHERE id IS NOT NULL)) AND t.state = (SELECT 'pending')
    RETURNING ${jobColumns('t')}
  ),
  ${keyedPass ? keyStateSql(s) : ''}
  saved AS (
    UPDATE ${s}.queues AS q
    SET rate_tat = CASE WHEN $6 IS NOT NULL AND c.m > 0 THEN now.rate_from + c.m * $6 ELSE q.rate_tat END,
        rr_key = ${keyedPass ? 'CASE WHEN c.last_n IS NULL THEN q.rr_key ELSE c.last_k END' : 'q.rr_key'},
        paused_until = CASE WHEN q.paused_until <= statement_timestamp() THEN NULL ELSE q.paused_until END,
        limited = ${anyLimitSql('q')} OR coalesce(q.paused_until > statement_timestamp(), false)
    FROM now, (
      SELECT count(id) AS m, ${keyedPass ? '(array_agg(k ORDER BY n DESC))[1] AS last_k, max(n) AS last_n' : 'NULL AS last_n'} FROM picks
    ) AS c
    WHERE q.name = $1
  )
  -- One row per job started, or one row of the summary alone (its job columns NULL).
  SELECT ${jobColumns('c')}, s.*
  FROM (SELECT (SELECT n FROM allowed) AS allowed_n, (SELECT ms FROM now) AS now_ms, ${keyedPass ? keyedSummarySql(s) : 'false AS bounded, false AS keyless_runs, false AS keyless_missed, NULL::bigint AS top_id'}) AS s
  LEFT JOIN (claimed AS c JOIN picks AS p ON p.id = c.id) ON true
  ORDER BY ${keyedPass ? 'p.n' : 'c.priority, c.run_at, c.id'}`;
}

/**
 * What a keyed pass tells besides its jobs: whether the bound stopped it, whether its keyless
 * turn ran and found no due job (the walk passed the wrap, or ran to its end, without a
 * keyless start), and the newest job id then (see `KeylessMemo`).
 */
const keyedSummarySql = (s: string): string => `
  EXISTS (SELECT 1 FROM picks WHERE id IS NULL) AS bounded,
  (SELECT runs FROM keyless) AS keyless_runs,
  (SELECT runs FROM keyless)
    AND NOT EXISTS (SELECT 1 FROM picks WHERE phase = 1 AND id IS NOT NULL)
    AND (EXISTS (SELECT 1 FROM picks WHERE phase >= 1)
         OR ((SELECT count(*) FROM picks) < (SELECT n FROM allowed) AND NOT EXISTS (SELECT 1 FROM picks WHERE id IS NULL))) AS keyless_missed,
  (SELECT max(id) FROM ${s}.jobs) AS top_id`;

/** A queue without keys: its due jobs in the usual order, as many as allowed. */
const plainPicks = (s: string): string => `
  picks AS MATERIALIZED (
    SELECT id FROM ${s}.jobs
    WHERE queue = $1 AND state = 'pending' AND run_at <= statement_timestamp()
    ORDER BY priority, run_at, id
    LIMIT (SELECT n FROM allowed)
    FOR UPDATE SKIP LOCKED
  )`;

/**
 * The keyed walk. $8 key concurrency, $9 key rate interval ms, $10 key rate burst, $11 the
 * smallest key to visit first (just after the cursor), $12 the cursor (NULL: the wrap),
 * $13 the most keys to visit, $14 and $15 the store's memo of a keyless turn that found
 * nothing (the newest job id then, and until when; NULL: none). Phases: 0 keys after the
 * cursor, 1 the keyless turn at the wrap, 2 keys from the smallest up to the cursor.
 */
const keyedPicks = (s: string): string => `
  -- Whether the keyless turn walks the queue: not while the memo holds and no keyless job
  -- went pending since its id (the rows inserted since, by primary key: the "|| ''" keep the
  -- planner off the queue indexes, which would read every pending job of the queue).
  keyless AS MATERIALIZED (
    SELECT $14::bigint IS NULL OR (SELECT ms FROM now) >= $15::double precision
           OR EXISTS (SELECT 1 FROM ${s}.jobs AS nj
                      WHERE nj.id > $14 AND (nj.queue || '') = $1 AND (nj.state || '') = 'pending' AND nj.concurrency_key IS NULL) AS runs
  ),
  -- Each step is one seek on jobs_key_due (queue, concurrency_key, run_at): the next key with
  -- a pending job, and its earliest run_at with it (the key's first entry), so a key whose
  -- jobs are all delayed is visited (it counts to the bound) but passed without reading them.
  walk(k, due, phase, n) AS (
    SELECT f.k, f.run_at <= statement_timestamp(), CASE WHEN f.k IS NULL THEN 1 ELSE 0 END, 1
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT concurrency_key AS k, run_at FROM ${s}.jobs
      WHERE queue = $1 AND state = 'pending' AND concurrency_key IS NOT NULL
        AND concurrency_key >= $11::text
      ORDER BY concurrency_key, run_at LIMIT 1
    ) AS f ON true
    UNION ALL
    SELECT x.k, f.run_at <= statement_timestamp(), x.phase, w.n + 1
    FROM walk AS w
    LEFT JOIN LATERAL (
      -- After w.k, or the smallest after the wrap. w.k || chr(1) is the least text greater
      -- than w.k in byte order ("C"), so this is one index seek.
      SELECT concurrency_key AS k, run_at FROM ${s}.jobs
      WHERE queue = $1 AND state = 'pending' AND concurrency_key IS NOT NULL
        AND concurrency_key >= CASE WHEN w.phase = 1 THEN '' ELSE w.k || chr(1) END
      ORDER BY concurrency_key, run_at LIMIT 1
    ) AS f ON true
    CROSS JOIN LATERAL (
      SELECT f.k, CASE WHEN w.phase = 0 AND f.k IS NOT NULL THEN 0 WHEN w.phase = 0 THEN 1 ELSE 2 END AS phase
    ) AS x
    WHERE w.n < $13::integer
      -- Without a cursor the walk started at the smallest key: the keyless turn ends it.
      AND (w.phase <> 1 OR $12::text IS NOT NULL)
      AND (x.phase <> 2 OR (x.k IS NOT NULL AND x.k <= $12::text))
  ),
  picks AS MATERIALIZED (
    SELECT p.id, w.k, w.n, w.phase
    FROM walk AS w
    CROSS JOIN LATERAL (
      SELECT id FROM (
        SELECT j.id FROM ${s}.jobs AS j
        WHERE w.phase <> 1 AND j.queue = $1 AND j.state = 'pending' AND j.concurrency_key = w.k
          -- The key has a due job (a one-time filter): else its jobs in claim order are not read.
          AND w.due AND j.run_at <= statement_timestamp()
          AND ($8::integer IS NULL
               OR (SELECT count(*) FROM ${s}.jobs AS r
                   WHERE r.queue = $1 AND r.state = 'running' AND r.concurrency_key = w.k) < $8)
          -- rateAllowance(keyRate, tat, now) >= 1, i.e. tat <= now + (burst - 1) * interval.
          AND ($9::double precision IS NULL
               OR NOT EXISTS (SELECT 1 FROM ${s}.flow_keys AS fk
                              WHERE fk.queue = $1 AND fk.key = w.k
                                AND fk.tat > (SELECT ms FROM now) + ($10::integer - 1) * $9))
        ORDER BY j.priority, j.run_at, j.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      ) AS keyed
      UNION ALL
      SELECT id FROM (
        SELECT j.id FROM ${s}.jobs AS j
        WHERE w.phase = 1 AND (SELECT runs FROM keyless) AND j.queue = $1 AND j.state = 'pending' AND j.concurrency_key IS NULL
          AND j.run_at <= statement_timestamp()
        ORDER BY j.priority, j.run_at, j.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      ) AS keyless
      UNION ALL
      -- The last visit the bound allows: a marker (no job), so the cursor moves past it.
      SELECT NULL::bigint WHERE w.n = $13
    ) AS p
    LIMIT (SELECT n FROM allowed)
  )`;

/**
 * core/flow.ts scheduleFrom in SQL: `tat` when `now` is less than one `interval` past it,
 * else the later of the two (`now` when there is no state).
 */
const scheduleFromSql = (tat: string, now: string, interval: string): string =>
  `(CASE WHEN ${tat} IS NOT NULL AND ${now} >= ${tat} AND ${now} - ${tat} < ${interval} THEN ${tat} ELSE greatest(coalesce(${tat}, ${now}), ${now}) END)`;

/** The started keys' rate state (rateAfter(keyRate, tat, now, 1)), and some past ones dropped. */
const keyStateSql = (s: string): string => `
  keys_started AS (
    INSERT INTO ${s}.flow_keys (queue, key, tat)
    SELECT $1, p.k, ${scheduleFromSql('fk.tat', 'now.ms', '$9')} + $9
    FROM picks AS p CROSS JOIN now
    LEFT JOIN ${s}.flow_keys AS fk ON fk.queue = $1 AND fk.key = p.k
    WHERE $9 IS NOT NULL AND p.id IS NOT NULL AND p.k IS NOT NULL
    ON CONFLICT (queue, key) DO UPDATE SET tat = excluded.tat
  ),
  -- A tat an interval past says nothing (core/flow.ts rateStateLive): a few are dropped per
  -- pass (flow_keys_tat), so idle keys cost nothing.
  keys_dropped AS (
    DELETE FROM ${s}.flow_keys
    WHERE ctid = ANY (ARRAY(
      SELECT ctid FROM ${s}.flow_keys
      WHERE queue = $1 AND tat <= (SELECT ms FROM now) - coalesce($9, 0)
        AND key <> ALL (ARRAY(SELECT k FROM picks WHERE id IS NOT NULL AND k IS NOT NULL))
      LIMIT 100))
  ),`;

/** One pass of a keyed queue's claim, for schema `s` (exported for the plan tests). */
export const keyedPassSql = (s: string): string => passSql(s, keyedPicks(s), true);

/** The claim of a limited queue without keys, for schema `s`. */
export const plainPassSql = (s: string): string => passSql(s, plainPicks(s), false);

interface LockRow extends FlowRow {
  paused: boolean;
  limited: boolean;
  paused_now: boolean;
}

/** A pass's rows: its jobs, each with the summary; or the summary alone (`id` null). */
type PassRow = JobRow & { allowed_n: number; now_ms: number; bounded: boolean; keyless_runs: boolean; keyless_missed: boolean; top_id: string | null };

/** What a limited claim needs: the queue, how many jobs at most, and the lease. */
export interface LimitedClaim {
  readonly queue: string;
  readonly wanted: number;
  readonly workerId: string;
  readonly leaseMs: number;
}

/** How long a keyless turn that found no due job is skipped (see `KeylessMemo`). */
export const KEYLESS_MEMO_MS = 1_000;

/**
 * "No due keyless job in this queue", remembered per store for KEYLESS_MEMO_MS by the
 * database's clock: the keyless turn reads the queue's pending jobs (they have no index of
 * their own), so a keyed queue whose jobs all have a key must not pay that on every pass.
 * Forgotten as soon as a keyless pending job with an id above `mark` (the newest id then)
 * shows up, whoever inserted it; a keyless job that becomes due otherwise (a delay ending, a
 * retry, a rescue, or an insert whose id was taken before `mark` but committed after) waits
 * at most KEYLESS_MEMO_MS for its turn.
 */
interface KeylessMemo {
  mark: string;
  until: number;
}

const keylessMemos = new WeakMap<PgContext, Map<string, KeylessMemo>>();

function memosOf(ctx: PgContext): Map<string, KeylessMemo> {
  let memos = keylessMemos.get(ctx);
  if (!memos) {
    memos = new Map();
    keylessMemos.set(ctx, memos);
  }
  return memos;
}

/**
 * Claims up to `wanted` jobs of a limited queue within its limits, in claim order; `null`
 * when the queue turns out not limited (claim it the usual way).
 */
export function claimLimited(ctx: PgContext, claim: LimitedClaim): Promise<JobRow[] | null> {
  return ctx.db.transaction(async (client) => {
    const { rows } = await client.query(lockSql(ctx.s), [claim.queue], 'ordo_flow_lock');
    const row = rows[0] as LockRow | undefined;
    if (!row || !row.limited) return null;
    if (row.paused || row.paused_now) return [];
    return keyed(limitsFromRow(row)) ? keyedPasses(ctx, client, claim, row) : (await runPass(ctx, client, claim, row, claim.wanted, null)).rows;
  });
}

async function keyedPasses(ctx: PgContext, client: Queryable, claim: LimitedClaim, row: LockRow): Promise<JobRow[]> {
  const claimed: JobRow[] = [];
  let cursor = row.rr_key;
  while (claimed.length < claim.wanted) {
    const pass = await runPass(ctx, client, claim, row, claim.wanted - claimed.length, cursor);
    claimed.push(...pass.rows);
    // Nothing started, the queue's own limits reached, or the bound hit: the next claim goes on.
    if (pass.rows.length === 0 || pass.rows.length >= pass.allowed || pass.bounded) break;
    cursor = pass.cursor;
  }
  return claimed;
}

async function runPass(
  ctx: PgContext,
  client: Queryable,
  claim: LimitedClaim,
  row: LockRow,
  wanted: number,
  cursor: string | null,
): Promise<{ rows: JobRow[]; allowed: number; bounded: boolean; cursor: string | null }> {
  const limits = limitsFromRow(row);
  const interval = (rate: { limit: number; periodMs: number } | null): number | null => (rate ? rate.periodMs / rate.limit : null);
  const values: unknown[] = [claim.queue, wanted, claim.workerId, claim.leaseMs, limits.concurrency, interval(limits.rate), limits.rate?.burst ?? 1];
  const keyedPass = keyed(limits);
  const memos = memosOf(ctx);
  const memo = memos.get(claim.queue);
  if (keyedPass) {
    // The least key after the cursor in byte order (see keyedPicks), or every key.
    values.push(limits.keyConcurrency, interval(limits.keyRate), limits.keyRate?.burst ?? 1, cursor === null ? '' : `${cursor}\u0001`, cursor, MAX_KEYS_VISITED);
    values.push(memo?.mark ?? null, memo?.until ?? null);
  }
  const text = keyedPass ? keyedPassSql(ctx.s) : plainPassSql(ctx.s);
  const { rows } = await client.query(text, values, keyedPass ? 'ordo_flow_claim_keyed' : 'ordo_flow_claim');
  const passRows = rows as PassRow[];
  const summary = passRows[0];
  const jobs = passRows.filter((r) => r.id !== null);
  if (keyedPass && summary) {
    if (summary.keyless_missed && summary.top_id !== null) memos.set(claim.queue, { mark: summary.top_id, until: summary.now_ms + KEYLESS_MEMO_MS });
    else if (jobs.some((job) => job.concurrency_key === null)) memos.delete(claim.queue);
    // Still none: the next check reads only what is inserted after this one.
    else if (memo && !summary.keyless_runs && summary.top_id !== null) memo.mark = summary.top_id;
  }
  const last = jobs[jobs.length - 1];
  return {
    rows: jobs,
    allowed: summary ? summary.allowed_n : 0,
    bounded: summary ? summary.bounded : false,
    cursor: last ? last.concurrency_key : cursor,
  };
}
