/**
 * Leader election with a session-level advisory lock (`pg_try_advisory_lock`) per role, held
 * on a connection dedicated to that (role, holder) pair. The lock lives exactly as long as
 * the holder's session: if the process dies, or its connection closes or is cut, Postgres
 * drops the lock at once and the next candidate to ask becomes leader. No lease to expire,
 * so `ttlMs` only sets `expires_at` of the `leaders` row (who leads, for operators); the row
 * never decides who leads. It does keep the role's `term`: taking the lock increments it
 * (in the same session, so a holder that lost its lock cannot write a term), keeping the
 * lock reads it back. Resigning ends `expires_at` and keeps the row, so terms never go back.
 *
 * Each candidate keeps its connection between calls (one per role per process), so asking
 * again every few seconds costs one round trip, not a new connection. Correctness never
 * depends on leadership: it only saves duplicate work.
 *
 * An elect must answer in time, or the caller's "am I still leader?" loop stalls behind it.
 * Its statements run with a timeout (`timeoutMs`, both client side, for a half-open
 * connection, and server side as `statement_timeout`, so a statement stuck behind a lock
 * ends and the session with it); an elect that times out counts as not leader, and its
 * connection is dropped, so the lock it may hold goes as well. Each candidate's connection
 * has an `error` listener for its whole life: a cut connection only marks it broken.
 */
import pg from 'pg';
import { clockOffset } from '../../clock.js';
import { shiftedText } from '../clock.js';
import type { PgContext } from '../context.js';
import { closedError, isConnectionError, mapError } from '../errors.js';
import { endClient } from '../pool.js';

/** Upper bound of an elect's statements, whatever the store's query timeout. */
export const ELECT_TIMEOUT_MS = 5_000;

const lockKey = `hashtextextended('ordo:leader:' || $1 || ':' || $2, 0)`;

/** Written right after the lock is taken: a new term. */
const takeSql = (s: string): string => `
  INSERT INTO ${s}.leaders (name, holder, expires_at, term) VALUES ($1, $2, now() + $3 * interval '1 millisecond', 1)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, term = ${s}.leaders.term + 1
  RETURNING term`;

/** Written while the lock is held: the same term (a row someone removed is recreated). */
const keepSql = (s: string): string => `
  INSERT INTO ${s}.leaders (name, holder, expires_at, term) VALUES ($1, $2, now() + $3 * interval '1 millisecond', 1)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
    term = CASE WHEN ${s}.leaders.holder = excluded.holder THEN ${s}.leaders.term ELSE ${s}.leaders.term + 1 END
  RETURNING term`;

interface Candidate {
  client: pg.Client;
  leader: boolean;
  /** Set when the connection errored or ended: the lock, if any, is gone with it. */
  broken: boolean;
}

export interface LeaderParams {
  readonly name: string;
  readonly holderId: string;
}

/** The advisory-lock candidates of one store. */
export class LeaderLocks {
  private readonly candidates = new Map<string, Candidate>();
  /** Calls for one (role, holder) run one after another, never interleaved. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;

  private readonly config: pg.ClientConfig;

  /** `timeoutMs` bounds each statement of an elect; connecting is bounded by `config`. */
  constructor(
    private readonly ctx: PgContext,
    config: pg.ClientConfig,
    timeoutMs: number,
  ) {
    this.config = { ...config, query_timeout: timeoutMs, statement_timeout: timeoutMs };
  }

  /** The role's term while `holderId` holds the lock of role `name`; null when another does. */
  elect(params: LeaderParams & { readonly ttlMs: number }): Promise<{ term: number } | null> {
    return this.serial(params, async (key) => {
      if (this.closed) throw closedError();
      const candidate = await this.candidate(key);
      try {
        const taken = !candidate.leader;
        if (taken) {
          const { rows } = await candidate.client.query(`SELECT pg_try_advisory_lock(${lockKey}) AS ok`, [this.ctx.schema, params.name]);
          candidate.leader = (rows[0] as { ok: boolean }).ok;
        }
        if (!candidate.leader) return null;
        // Also proves the session (and so the lock) is still alive.
        const sql = shiftedText((taken ? takeSql : keepSql)(this.ctx.s), clockOffset(this.ctx.clock));
        const { rows } = await candidate.client.query(sql, [params.name, params.holderId, params.ttlMs]);
        return { term: Number((rows[0] as { term: string | number }).term) };
      } catch (err) {
        await this.drop(key);
        // Too slow (a half-open connection, a lock wait): not leader, and no longer holding.
        if (isTimeout(err)) return null;
        throw mapError(err);
      }
    });
  }

  /** Unlocks the role if held and closes the candidate's connection. */
  resign(params: LeaderParams): Promise<void> {
    return this.serial(params, async (key) => {
      const candidate = this.candidates.get(key);
      if (candidate?.leader && !candidate.broken) {
        await candidate.client
          .query(shiftedText(`UPDATE ${this.ctx.s}.leaders SET expires_at = now() WHERE name = $1 AND holder = $2`, clockOffset(this.ctx.clock)), [
            params.name,
            params.holderId,
          ])
          .then(() => candidate.client.query(`SELECT pg_advisory_unlock(${lockKey})`, [this.ctx.schema, params.name]))
          .catch(() => undefined); // closing the session below releases the lock anyway
      }
      await this.drop(key);
    });
  }

  /** Closes every candidate connection, which releases every lock held. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.candidates.keys()].map((key) => this.drop(key)));
  }

  private serial<T>(params: LeaderParams, fn: (key: string) => Promise<T>): Promise<T> {
    const key = `${params.name}\u0000${params.holderId}`;
    const run = (this.queues.get(key) ?? Promise.resolve()).then(() => fn(key));
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** The healthy connected candidate for `key`, connecting a new one if needed. */
  private async candidate(key: string): Promise<Candidate> {
    const existing = this.candidates.get(key);
    if (existing && !existing.broken) return existing;
    if (existing) await this.drop(key);
    const candidate: Candidate = { client: new pg.Client(this.config), leader: false, broken: false };
    const markBroken = (): void => {
      candidate.broken = true;
      candidate.leader = false;
    };
    candidate.client.on('error', markBroken);
    candidate.client.on('end', markBroken);
    try {
      await candidate.client.connect();
    } catch (err) {
      await endClient(candidate.client);
      throw mapError(err);
    }
    if (this.closed) {
      await endClient(candidate.client);
      throw closedError();
    }
    this.candidates.set(key, candidate);
    return candidate;
  }

  private async drop(key: string): Promise<void> {
    const candidate = this.candidates.get(key);
    if (!candidate) return;
    this.candidates.delete(key);
    await endClient(candidate.client);
  }
}

/** A statement that ran out of time: node-postgres' `query_timeout`, or `statement_timeout` (57014). */
function isTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '57014' || (isConnectionError(err) && (err as Error).message.includes('Query read timeout'));
}
