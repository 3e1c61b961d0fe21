/**
 * The audit log on SQLite: auditAppend, auditList, and its retention (called by jobPrune).
 * Ids come from AUTOINCREMENT, so an id is never handed out twice, even after the newest
 * entries were pruned, and a listing's `before` cursor keeps its meaning.
 */
import type { AuditEntry, Json } from '../../../core/types.js';
import type { AuditQuery, NewAuditEntry } from '../../audit-records.js';
import type { SqliteConnection } from '../connection.js';

const APPEND = `
  INSERT INTO audit_log (at, actor, action, target, details) VALUES (@now, @actor, @action, @target, @details)
  RETURNING *`;

// Newest first by id: the primary key, or `audit_log_action` for one action.
const listSql = (query: AuditQuery): string => `
  SELECT * FROM audit_log
  WHERE 1${query.before === null ? '' : ' AND id < @before'}${query.action === null ? '' : ' AND action = @action'}
  ORDER BY id DESC LIMIT @limit`;

// Oldest first by time, along `audit_log_at`. Exported for the plan tests.
export const PRUNE_AUDIT = `
  DELETE FROM audit_log WHERE id IN (
    SELECT id FROM audit_log WHERE at < @cutoff ORDER BY at LIMIT @limit)`;

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
}

function entryFromRow(row: AuditRow): AuditEntry {
  return {
    id: String(row.id),
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details === null ? null : (JSON.parse(row.details) as Json),
  };
}

export function appendAudit(c: SqliteConnection, now: number, entry: NewAuditEntry): AuditEntry {
  return entryFromRow(c.prepare(APPEND).get({ ...entry, now }) as AuditRow);
}

export function listAudit(c: SqliteConnection, query: AuditQuery): AuditEntry[] {
  const params = {
    limit: query.limit,
    ...(query.before === null ? {} : { before: BigInt(query.before) }),
    ...(query.action === null ? {} : { action: query.action }),
  };
  return (c.prepare(listSql(query)).all(params) as AuditRow[]).map(entryFromRow);
}

/** Deletes up to `limit` entries older than `cutoff` (ms); returns how many. Runs inside jobPrune's transaction. */
export function pruneAudit(c: SqliteConnection, cutoff: number, limit: number): number {
  return c.prepare(PRUNE_AUDIT).run({ cutoff, limit }).changes;
}
