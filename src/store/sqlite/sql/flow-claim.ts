/**
 * The claim of a LIMITED queue (core/flow.ts; jobClaim's doc in store/contract/jobs.ts). It
 * runs inside the claim's write transaction, which already makes every claimer of the file
 * wait its turn, so the counts read here are every worker's: a loop of small prepared
 * statements, each a seek on a partial index, costs a few microseconds per step on SQLite.
 *
 * In order: a pause in force claims nothing (one that is over is cleared); the queue's
 * concurrency and rate cap how many may start; a queue without keys then claims in the usual
 * order, a keyed one gives keys turns (below). The queue's rate state and turn cursor are
 * written back once, at the end.
 *
 * Measured (10,000 jobs claimed 50 at a time and finished; busy 2 cores): no limits 1.6 ms
 * a claim; concurrency 1,000: 1.8 ms; fair over 100 keys: 3.3 ms; keyConcurrency 5 over
 * 1,000 keys: 2.2 ms; a key rate over 1,000 keys: 3.8 ms. The dear case is a keyed queue
 * whose due jobs all have a key and few keys: the keyless turn walks the whole queue (jobs
 * without a key have no index of their own, since every plain job would pay for it), so a
 * turn that found none is skipped for a second (`KeylessMemo`): 100,000 jobs over 10 keys,
 * claims of 10: 15.9 ms a claim when each walks, 0.42 ms (median) with the walk skipped.
 */
import { type QueueLimits, type RateLimit, isLimited, keyed, rateAfter, rateAllowance, rateNextStart, rateStateLive } from '../../../core/flow.js';
import type { SqliteConnection } from '../connection.js';
import type { JobRow } from '../rows.js';
import { type FlowRow, limitsFromRow, readFlowRow } from './flow-queues.js';

/** At most this many turns (keys, or the jobs without one) per claim of one queue. */
export const MAX_KEYS_VISITED = 1_000;
/**
 * Past rate rows of idle keys deleted per keyed claim: as many as one claim can add (a row
 * per key started, a start per turn), so they never pile up; a seek on `flow_keys_tat`.
 */
const SWEEP_BATCH = MAX_KEYS_VISITED;

const CLEAR_PAUSE = 'UPDATE queues SET paused_until = NULL, limited = ? WHERE name = ?';
const SAVE_STATE = 'UPDATE queues SET rate_tat = ?, rr_key = ? WHERE name = ?';
const RUNNING = `SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND state = 'running'`;
const KEY_RUNNING = `SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND concurrency_key = ? AND state = 'running'`;
const KEY_TAT = 'SELECT tat FROM flow_keys WHERE queue = ? AND key = ?';
const DROP_KEY_TAT = 'DELETE FROM flow_keys WHERE queue = ? AND key = ?';
// Keys gone idle: their rows at least an interval past (core/flow.ts rateStateLive), a few
// per claim, found by `flow_keys_tat`.
const SWEEP_KEY_TATS = `
  DELETE FROM flow_keys WHERE queue = @queue AND key IN (
    SELECT key FROM flow_keys WHERE queue = @queue AND tat <= @before LIMIT ${SWEEP_BATCH})`;
const SET_KEY_TAT = `
  INSERT INTO flow_keys (queue, key, tat) VALUES (?, ?, ?)
  ON CONFLICT (queue, key) DO UPDATE SET tat = excluded.tat`;

// The first key from @from on (see `nextTurn`) with a due job, passing keys whose
// jobs are all delayed: per key one seek for the key (the next in a key index) and one on
// `jobs_key_due` for its earliest run_at, so a delayed key costs two seeks, whatever its
// jobs, and the walk runs inside SQLite. At most @budget keys; the row is the due key, or the
// last key visited (delayed), `n` the keys visited; none when no key is from @from on. Each
// MIN is a scalar subquery, which SQLite answers with one seek (a MIN in a FROM subquery
// reads every entry after the bound: 5 ms over 100,000 jobs). Exported for the plan tests.
const minKeySql = (from: string): string =>
  `(SELECT MIN(concurrency_key) FROM jobs WHERE queue = @queue AND state = 'pending' AND concurrency_key ${from})`;
const minRunAtSql = (key: string): string =>
  `(SELECT MIN(run_at) FROM jobs WHERE queue = @queue AND state = 'pending' AND concurrency_key = ${key})`;
export const NEXT_DUE_KEY = `
  WITH RECURSIVE walk(key, n) AS (
    SELECT ${minKeySql('>= @from')}, 1
    UNION ALL
    SELECT ${minKeySql('> w.key')}, w.n + 1 FROM walk AS w
    WHERE w.key IS NOT NULL AND w.n < @budget AND ${minRunAtSql('w.key')} > @now
  )
  SELECT key, ${minRunAtSql('key')} AS runAt, n FROM walk WHERE key IS NOT NULL ORDER BY n DESC LIMIT 1`;

// One job of a turn: the key's (or the keyless jobs') first due job in claim order; its
// debounce key cleared, as by the plain claim (jobs-claim.ts).
const claimOneSql = (source: string, keyTest: string): string => `
  UPDATE jobs
  SET state = 'running', attempt = attempt + 1, locked_by = @workerId,
      locked_until = @lockedUntil, started_at = @now, progress = NULL, debounce_key = NULL
  WHERE id = (
    SELECT id FROM ${source}
    WHERE state = 'pending' AND queue = @queue AND ${keyTest} AND run_at <= @now
    ORDER BY priority, run_at, id
    LIMIT 1)
  RETURNING *`;
/** A range of `jobs_key_pending`, read in order (exported for the plan tests). */
export const CLAIM_KEY = claimOneSql('jobs', 'concurrency_key = @key');
/**
 * A walk of `jobs_claim` in order, reading each row for its key, that stops at the first
 * keyless due job. INDEXED BY: left to itself, the planner reads every due job of the queue
 * from `jobs_due` and sorts them, for each turn. With no keyless job due the walk reads the
 * whole queue, so it is made once per claim (see `Turns.keylessDone`), and not again for a
 * while unless a keyless job comes (see `KeylessMemo`).
 */
export const CLAIM_KEYLESS = claimOneSql('jobs INDEXED BY jobs_claim', 'concurrency_key IS NULL');

/**
 * Whether a keyless job went pending in the queue since row @mark: a walk of the rows
 * inserted since (the rowid range; `+` keeps the planner off the queue indexes, which would
 * read every pending job of the queue). Exported for the plan tests.
 */
export const NEW_KEYLESS = `
  SELECT EXISTS (SELECT 1 FROM jobs WHERE id > @mark AND +queue = @queue AND +state = 'pending' AND concurrency_key IS NULL) AS found`;
const TOP_ID = 'SELECT COALESCE(MAX(id), 0) AS top FROM jobs';

/** How long a keyless turn that found no due job is skipped (see `KeylessMemo`). */
export const KEYLESS_MEMO_MS = 1_000;

/**
 * "No due keyless job in this queue", remembered per store for KEYLESS_MEMO_MS by the store's
 * clock: the keyless turn walks the queue's pending jobs (they have no index of their own), so
 * a keyed queue whose jobs all have a key must not pay that walk on every claim. Forgotten
 * as soon as a keyless pending job with an id above `mark` (the newest job then) shows up,
 * whoever inserted it; a keyless job that becomes due otherwise (a delay ending, a retry, a
 * rescue) waits at most KEYLESS_MEMO_MS for its turn.
 */
interface KeylessMemo {
  until: number;
  mark: number;
}

const keylessMemos = new WeakMap<SqliteConnection, Map<string, KeylessMemo>>();

function memosOf(c: SqliteConnection): Map<string, KeylessMemo> {
  let memos = keylessMemos.get(c);
  if (!memos) {
    memos = new Map();
    keylessMemos.set(c, memos);
  }
  return memos;
}

/** Whether the memo says the queue has no due keyless job now (and moves its mark on). */
function keylessNoneRemembered(c: SqliteConnection, queue: string, now: number): boolean {
  const memo = memosOf(c).get(queue);
  if (!memo || now >= memo.until) return false;
  const { top } = c.prepare(TOP_ID).get() as { top: number };
  if ((c.prepare(NEW_KEYLESS).get({ queue, mark: memo.mark }) as { found: number }).found !== 0) return false;
  // Still none: the next check reads only what is inserted after this one.
  memo.mark = top;
  return true;
}

/** Remembers that the queue had no due keyless job now (see KeylessMemo). */
function rememberNoKeyless(c: SqliteConnection, queue: string, now: number, top: number): void {
  memosOf(c).set(queue, { until: now + KEYLESS_MEMO_MS, mark: top });
}

// Whether the queue has a due keyless job: a walk of its due jobs (see KeylessMemo).
const KEYLESS_DUE = `
  SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = @queue AND state = 'pending' AND run_at <= @now AND concurrency_key IS NULL) AS found`;

/** What the limited claim needs of the caller: the lease, and the usual claim of n jobs. */
export interface LimitedClaim {
  queue: string;
  now: number;
  wanted: number;
  lease: { workerId: string; lockedUntil: number };
  claimInOrder: (limit: number) => JobRow[];
}

/** The jobs a limited claim started; `inTurns`: in the order of the keys' turns, to keep. */
export interface LimitedClaimed {
  rows: JobRow[];
  inTurns: boolean;
}

/**
 * Claims up to `wanted` jobs of a limited queue within its limits; `null` when the queue
 * turns out not limited after all (its pause just ended and it has no limit): claim it as usual.
 */
export function claimLimited(c: SqliteConnection, claim: LimitedClaim): LimitedClaimed | null {
  const { queue, now } = claim;
  const row = readFlowRow(c, queue);
  if (!row) return null;
  const limits = limitsFromRow(row);
  if (row.paused_until !== null) {
    if (row.paused_until > now) return { rows: [], inTurns: false };
    const stillLimited = isLimited(limits);
    c.prepare(CLEAR_PAUSE).run(stillLimited ? 1 : 0, queue);
    if (!stillLimited) return null;
  }
  const allowed = allowedStarts(c, claim, limits, row);
  if (allowed <= 0) return { rows: [], inTurns: false };
  const turns = keyed(limits) ? new Turns(c, claim, limits, row.rr_key) : null;
  const claimed = turns ? turns.run(allowed) : claim.claimInOrder(allowed);
  if (turns) c.prepare(SWEEP_KEY_TATS).run({ queue, before: now - (limits.keyRate ? limits.keyRate.periodMs / limits.keyRate.limit : 0) });
  const tat = limits.rate && claimed.length > 0 ? rateAfter(limits.rate, row.rate_tat, now, claimed.length) : row.rate_tat;
  const cursor = turns ? turns.cursor : row.rr_key;
  if (tat !== row.rate_tat || cursor !== row.rr_key) c.prepare(SAVE_STATE).run(tat, cursor, queue);
  return { rows: claimed, inTurns: turns !== null };
}

/**
 * Whether a limited queue with a due job may start one now, from plain reads: idle workers
 * poll a queue held back by its limits as often as an idle one, and must not take the write
 * lock for it.
 */
export function limitedMayStart(c: SqliteConnection, queue: string, now: number): boolean {
  return limitedStartAt(c, queue, now) <= now;
}

/**
 * When a limited queue with a due job may start one, from plain reads: `now`; later, when its
 * pause ends or a rate (the queue's, or the earliest of its held keys') allows; or Infinity
 * when a running job must end first (its concurrency full, or every key with a due job at
 * its key concurrency, and no keyless job due). A keyed queue's keys are read as the claim
 * walks them (a seek or two per key, at most MAX_KEYS_VISITED: past that, `now`, and the
 * claim looks further).
 */
export function limitedStartAt(c: SqliteConnection, queue: string, now: number): number {
  const row = readFlowRow(c, queue);
  if (!row) return now;
  const limits = limitsFromRow(row);
  const held = heldUntil(row, limits, now);
  if (held !== null && held > now) return held;
  if (allowedStarts(c, { queue, now, wanted: 1 }, limits, row) <= 0) return Infinity;
  if (!keyed(limits)) return now;
  const { keyConcurrency, keyRate } = limits;
  let earliest = Infinity;
  let at: string | null = null;
  for (let visits = 0; visits < MAX_KEYS_VISITED; ) {
    const next = nextTurn(c, queue, now, at, MAX_KEYS_VISITED - visits);
    visits += next.visits;
    if (next.bounded) break;
    if (next.turn === null) {
      // The keyless jobs' turn: as the claim's, skipped while the memo says none (KeylessMemo).
      if (keylessNoneRemembered(c, queue, now)) return earliest;
      const { top } = c.prepare(TOP_ID).get() as { top: number };
      if ((c.prepare(KEYLESS_DUE).get({ queue, now }) as { found: number }).found !== 0) return now;
      rememberNoKeyless(c, queue, now, top);
      return earliest;
    }
    at = next.turn;
    if (keyConcurrency !== null && (c.prepare(KEY_RUNNING).get(queue, at) as { n: number }).n >= keyConcurrency) continue;
    if (!keyRate) return now;
    const tatRow = c.prepare(KEY_TAT).get(queue, at) as { tat: number } | undefined;
    const tat = tatRow && rateStateLive(keyRate, tatRow.tat, now) ? tatRow.tat : null;
    const start = rateNextStart(keyRate, tat, now);
    if (start === null || start <= now) return now;
    earliest = Math.min(earliest, start);
  }
  return now;
}

/** When a limited queue's pause or rate lets it start a job next (null: now, or never held). */
export function limitedNextStart(c: SqliteConnection, queue: string, now: number): number | null {
  const row = readFlowRow(c, queue);
  if (!row) return null;
  return heldUntil(row, limitsFromRow(row), now);
}

/** The later of the queue's pause end and its rate's next start (null: neither holds it). */
function heldUntil(row: FlowRow, limits: QueueLimits, now: number): number | null {
  const paused = row.paused_until !== null && row.paused_until > now ? row.paused_until : null;
  const rate = limits.rate ? rateNextStart(limits.rate, row.rate_tat, now) : null;
  return paused === null ? rate : Math.max(paused, rate ?? 0);
}

/**
 * The next turn after `at` (a key, or null: the wrap) from `nextDueKey`'s walk, and how many
 * visits it cost; `bounded`: the budget ran out on a delayed key (`turn`), the claim stops there.
 */
interface NextTurn {
  turn: string | null;
  visits: number;
  bounded: boolean;
}

/** The next key after `at` with a due job within `budget` visits (see NEXT_DUE_KEY). */
function nextTurn(c: SqliteConnection, queue: string, now: number, at: string | null, budget: number): NextTurn {
  // The least text above `at` in byte order (BINARY) is `at` + U+0001; every key from ''.
  const from = at === null ? '' : `${at}\u0001`;
  const row = c.prepare(NEXT_DUE_KEY).get({ queue, now, from, budget }) as { key: string; runAt: number; n: number } | undefined;
  if (!row) return { turn: null, visits: 1, bounded: false };
  if (row.runAt <= now) return { turn: row.key, visits: row.n, bounded: false };
  if (row.n >= budget) return { turn: row.key, visits: row.n, bounded: true };
  // Ran past the last key, all delayed: the wrap is the next turn.
  return { turn: null, visits: row.n + 1, bounded: false };
}

/** How many jobs the queue's concurrency and rate let start now, at most `wanted`. */
function allowedStarts(c: SqliteConnection, claim: Pick<LimitedClaim, 'queue' | 'now' | 'wanted'>, limits: QueueLimits, row: FlowRow): number {
  let allowed = claim.wanted;
  if (limits.concurrency !== null) {
    const { n } = c.prepare(RUNNING).get(claim.queue) as { n: number };
    allowed = Math.min(allowed, limits.concurrency - n);
  }
  if (limits.rate) allowed = Math.min(allowed, rateAllowance(limits.rate, row.rate_tat, claim.now));
  return allowed;
}

/**
 * Keys take turns: from the key after the cursor, in key order, wrapping round; the jobs
 * without a key take their turn at the wrap, as one more key without a per-key limit. A turn
 * starts the key's first due job if the key is under its limits. Turns go on while jobs are
 * still allowed and a whole round has not passed without a start, for at most
 * MAX_KEYS_VISITED turns.
 *
 * The cursor (`rr_key`) is the last key served, NULL for the wrap: so after the keyless turn
 * the next claim starts at the smallest key, and a claim of one job at a time serves each key
 * and the keyless jobs in turn. Stopped by the bound, it is the last turn visited, so the
 * next claim goes on from there.
 */
class Turns {
  /** Where the next claim starts after: a key, or null for the wrap. */
  cursor: string | null;
  private keylessDone = false;

  constructor(
    private readonly c: SqliteConnection,
    private readonly claim: LimitedClaim,
    private readonly limits: QueueLimits,
    cursor: string | null,
  ) {
    this.cursor = cursor;
  }

  run(allowed: number): JobRow[] {
    const claimed: JobRow[] = [];
    // Turns visited since the last start: meeting one again means a round without any.
    const idle = new Set<string | null>();
    let at = this.cursor;
    for (let visits = 0; claimed.length < allowed; ) {
      if (visits >= MAX_KEYS_VISITED) {
        this.cursor = at;
        break;
      }
      // Keys whose jobs are all delayed are passed inside the walk; they count to the bound.
      const next = nextTurn(this.c, this.claim.queue, this.claim.now, at, MAX_KEYS_VISITED - visits);
      visits += next.visits;
      if (next.bounded) {
        this.cursor = next.turn;
        break;
      }
      if (idle.has(next.turn)) break;
      at = next.turn;
      const job = at === null ? this.keylessTurn() : this.keyTurn(at);
      if (job) {
        claimed.push(job);
        idle.clear();
        this.cursor = at;
      } else {
        idle.add(at);
      }
    }
    return claimed;
  }

  private keylessTurn(): JobRow | undefined {
    if (this.keylessDone) return undefined;
    const { queue, now } = this.claim;
    if (keylessNoneRemembered(this.c, queue, now)) {
      this.keylessDone = true;
      return undefined;
    }
    const { top } = this.c.prepare(TOP_ID).get() as { top: number };
    const job = this.c.prepare(CLAIM_KEYLESS).get(this.bind({})) as JobRow | undefined;
    if (job) {
      memosOf(this.c).delete(queue);
    } else {
      // None due now means none for the rest of this claim, and (see KeylessMemo) for a while.
      rememberNoKeyless(this.c, queue, now, top);
      this.keylessDone = true;
    }
    return job;
  }

  private keyTurn(key: string): JobRow | undefined {
    const { queue, now } = this.claim;
    const { keyConcurrency, keyRate } = this.limits;
    if (keyConcurrency !== null && (this.c.prepare(KEY_RUNNING).get(queue, key) as { n: number }).n >= keyConcurrency) return undefined;
    const tat = keyRate ? this.keyTat(key, keyRate) : null;
    if (keyRate && rateAllowance(keyRate, tat, now) < 1) return undefined;
    const job = this.c.prepare(CLAIM_KEY).get(this.bind({ key })) as JobRow | undefined;
    if (job && keyRate) this.c.prepare(SET_KEY_TAT).run(queue, key, rateAfter(keyRate, tat, now, 1));
    return job;
  }

  /**
   * The key's rate state; one that no longer says anything (an interval past) is deleted, so
   * idle keys cost nothing.
   */
  private keyTat(key: string, keyRate: RateLimit): number | null {
    const { queue, now } = this.claim;
    const row = this.c.prepare(KEY_TAT).get(queue, key) as { tat: number } | undefined;
    if (!row) return null;
    if (rateStateLive(keyRate, row.tat, now)) return row.tat;
    this.c.prepare(DROP_KEY_TAT).run(queue, key);
    return null;
  }

  private bind(extra: Record<string, unknown>): Record<string, unknown> {
    const { queue, now, lease } = this.claim;
    return { queue, now, workerId: lease.workerId, lockedUntil: lease.lockedUntil, ...extra };
  }
}
