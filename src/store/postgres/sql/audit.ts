/**
 * The audit log on PostgreSQL: auditAppend, auditList; its retention is part of jobPrune's
 * statement (jobs-prune.ts). Ids come from an identity column, never handed out twice, so a
 * listing's `before` cursor keeps its meaning after pruning. Same module as the SQLite
 * engine's.
 */
import type { AuditEntry } from '../../../core/types.js';
import type { AuditQuery, NewAuditEntry } from '../../audit-records.js';
import type { PgContext } from '../context.js';

const COLUMNS = 'id, at, actor, action, target, details';

const appendSql = (s: string): string => `
  INSERT INTO ${s}.audit_log (at, actor, action, target, details) VALUES (now(), $1, $2, $3, $4::jsonb)
  RETURNING ${COLUMNS}`;

// Newest first by id: the primary key, or `audit_log_action` for one action.
const listSql = (s: string, query: AuditQuery): string => {
  let n = 1;
  const before = query.before === null ? '' : ` AND id < $${++n}::bigint`;
  const action = query.action === null ? '' : ` AND action = $${++n}`;
  return `SELECT ${COLUMNS} FROM ${s}.audit_log WHERE true${before}${action} ORDER BY id DESC LIMIT $1`;
};

/** A row exactly as node-postgres returns it: the id a decimal string, `details` parsed. */
type AuditRow = AuditEntry;

export async function appendAudit(ctx: PgContext, entry: NewAuditEntry): Promise<AuditEntry> {
  const [row] = await ctx.db.rows<AuditRow>({ text: appendSql(ctx.s), values: [entry.actor, entry.action, entry.target, entry.details] });
  return { ...row!, details: row!.details ?? null };
}

export async function listAudit(ctx: PgContext, query: AuditQuery): Promise<AuditEntry[]> {
  // PostgreSQL cannot take NUL in a parameter; no stored action holds one.
  if (query.action?.includes('\0')) return [];
  const values: unknown[] = [query.limit];
  if (query.before !== null) values.push(query.before);
  if (query.action !== null) values.push(query.action);
  return ctx.db.rows<AuditRow>({ text: listSql(ctx.s, query), values });
}
