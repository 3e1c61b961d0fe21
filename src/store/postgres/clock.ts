/**
 * The test clock on PostgreSQL: the database's clock, shifted. Time stays the server's
 * (`now()`, `statement_timestamp()`), never this process's, so a test sees the same SQL and
 * the same clock as production, plus one term: each statement's `now()` is rewritten to
 * `(now() + <offset> ms)` as it is sent.
 *
 * Why rewrite the text rather than use a session setting or a parameter: the pool hands out
 * any connection, so a setting would have to be written before every statement; a parameter
 * would add an argument to every statement of production SQL for the sake of tests. The
 * rewrite touches only a store opened with a clock; without one these wrappers are not used
 * at all. Named (prepared) statements get the offset in their name, since one name must keep
 * one text on a connection. Migrations never go through here (a `DEFAULT now()` must stay).
 */
import { type StoreClock, clockOffset } from '../clock.js';
import type { Db, Queryable, Statement } from './pool.js';

const NOW = /\b(?:now|statement_timestamp)\(\)/g;

/** `text` with every `now()` / `statement_timestamp()` moved `offsetMs` ahead. */
export function shiftedText(text: string, offsetMs: number): string {
  if (offsetMs === 0) return text;
  return text.replace(NOW, (call) => `(${call} + ${offsetMs} * interval '1 millisecond')`);
}

function shifted(statement: Statement, offsetMs: number): Statement {
  if (offsetMs === 0) return statement;
  const name = statement.name === undefined ? undefined : `${statement.name}_${offsetMs < 0 ? 'm' : ''}${Math.abs(offsetMs)}`;
  return { ...statement, ...(name === undefined ? {} : { name }), text: shiftedText(statement.text, offsetMs) };
}

/** A Queryable whose statements run on the shifted clock. */
export function clockedQueryable(client: Queryable, clock: StoreClock): Queryable {
  return { query: (text, values) => client.query(shiftedText(text, clockOffset(clock)), values) };
}

/** A Db whose statements (pooled and in transactions) run on the shifted clock. */
export function clockedDb(db: Db, clock: StoreClock): Db {
  return {
    rows: (statement) => db.rows(shifted(statement, clockOffset(clock))),
    transaction: (fn, options) => db.transaction((client) => fn(clockedQueryable(client, clock)), options),
    isOwnBackend: (pid) => db.isOwnBackend(pid),
    close: () => db.close(),
  };
}
