/**
 * The caller's own transaction client (`jobInsertMany({ tx })`): checked before use, and
 * wrapped so driver errors are mapped like ours.
 *
 * The check is what makes transactional enqueue trustworthy: a client that is not inside
 * BEGIN would auto-commit the jobs at once (they would exist even if the caller's work later
 * rolled back), a pool would run each statement on whichever connection is free (outside the
 * caller's transaction), and a transaction that already failed can only answer "current
 * transaction is aborted". node-postgres clients report their state after every statement
 * (`getTransactionStatus()`: 'I' idle, 'T' in a transaction, 'E' in a failed one); objects
 * that do not expose it are trusted.
 */
import { ValidationError } from '../../core/errors.js';
import { mapError } from './errors.js';
import type { Queryable } from './pool.js';

const EXPECTED = 'a node-postgres client inside an open transaction (after BEGIN)';

/** Checks `tx` and returns it as a `Queryable` whose errors are mapped; throws ValidationError. */
export function callerClient(tx: unknown): Queryable {
  if (typeof tx !== 'object' || tx === null || typeof (tx as Queryable).query !== 'function') {
    throw new ValidationError('tx', EXPECTED, tx);
  }
  if (typeof (tx as { connect?: unknown }).connect === 'function' && 'totalCount' in tx) {
    // Never echo the pool itself: its options hold the connection string and password.
    throw new ValidationError(
      'tx',
      EXPECTED,
      'a pool',
      'A pool runs each statement on any free connection, outside your transaction: pass the client from `await pool.connect()` after `BEGIN`',
    );
  }
  checkTransactionStatus(tx as { getTransactionStatus?: unknown });
  const client = tx as Queryable;
  return {
    query: async (text, values) => {
      try {
        return await client.query(text, values);
      } catch (err) {
        // node-postgres rejects a failed query before the server's ReadyForQuery updates
        // getTransactionStatus(), so a just-failed transaction can still read 'T' above.
        if ((err as { code?: unknown }).code === '25P02') throw failedTransaction();
        throw mapError(err);
      }
    },
  };
}

function checkTransactionStatus(tx: { getTransactionStatus?: unknown }): void {
  if (typeof tx.getTransactionStatus !== 'function') return;
  const status: unknown = tx.getTransactionStatus();
  if (status === 'I') {
    throw new ValidationError(
      'tx',
      EXPECTED,
      'a client that is not in a transaction',
      'tx is not inside BEGIN, so the jobs would be committed at once whatever your transaction does: run `BEGIN` on it first',
    );
  }
  if (status === 'E') throw failedTransaction();
}

function failedTransaction(): ValidationError {
  return new ValidationError('tx', EXPECTED, 'a client whose transaction has failed', 'Your transaction has failed; roll it back (`ROLLBACK`) and start again');
}
