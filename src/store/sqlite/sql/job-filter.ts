/**
 * A checked JobFilter (filters.ts) as SQL conditions on `jobs` with positional parameters,
 * for jobList and the bulk actions, so both select exactly the same jobs. Texts are LIKE
 * patterns with their wildcards escaped (SQLite's LIKE folds ASCII letters only); JSON
 * containment is job-contains.ts's. Text or JSON holding NUL matches nothing.
 */
import type { JobFilter } from '../../../core/types.js';
import { containsNul } from '../../containment.js';
import { LIKE_ESCAPE, holdsNul, likeContaining } from '../../filters.js';
import { filterEqualities } from '../../records.js';
import { containsCondition } from './job-contains.js';

export interface FilterSql {
  conditions: string[];
  args: unknown[];
  /**
   * True when the text depends on the filter's JSON objects (how many keys, how nested):
   * such statements are prepared for the call, not kept in the connection's cache, which
   * would grow with every new shape.
   */
  shaped: boolean;
}

export function whereClause(filter: JobFilter): FilterSql {
  const conditions: string[] = [];
  const args: unknown[] = [];
  if (filter.state !== undefined) {
    conditions.push('state IN (SELECT value FROM json_each(?))');
    args.push(JSON.stringify(Array.isArray(filter.state) ? filter.state : [filter.state]));
  }
  for (const [column, value] of filterEqualities(filter)) {
    conditions.push(`${column} = ?`);
    args.push(value);
  }
  if (filter.id !== undefined) {
    conditions.push('id = ?');
    args.push(BigInt(filter.id));
  }
  if (filter.createdFrom !== undefined) {
    conditions.push('created_at >= ?');
    args.push(filter.createdFrom.getTime());
  }
  if (filter.createdTo !== undefined) {
    conditions.push('created_at < ?');
    args.push(filter.createdTo.getTime());
  }
  for (const [column, text] of [['payload', filter.payloadText], ['result', filter.resultText]] as const) {
    if (text === undefined) continue;
    conditions.push(holdsNul(text) ? '0' : `jobs.${column} LIKE ? ESCAPE '${LIKE_ESCAPE}'`);
    if (!holdsNul(text)) args.push(likeContaining(text));
  }
  let shaped = false;
  for (const [column, object] of [['payload', filter.payloadContains], ['result', filter.resultContains]] as const) {
    if (object === undefined) continue;
    if (containsNul(object)) {
      conditions.push('0');
      continue;
    }
    const part = containsCondition(`jobs.${column}`, object);
    conditions.push(part.sql);
    args.push(...part.args);
    shaped = true;
  }
  return { conditions, args, shaped };
}

export function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
