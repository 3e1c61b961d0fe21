/**
 * A checked JobFilter (filters.ts) as SQL conditions on `jobs` with numbered parameters, for
 * jobList and the bulk actions, so both select exactly the same jobs. Texts are ILIKE
 * patterns with their wildcards escaped, over the jsonb's text; JSON containment is jsonb's
 * own `@>` (containment.ts says what it means, and the SQLite engine does the same). Text or
 * JSON holding NUL matches nothing: PostgreSQL cannot take it as a parameter. Same module as
 * the SQLite engine's.
 */
import type { JobFilter } from '../../../core/types.js';
import { containsNul } from '../../containment.js';
import { LIKE_ESCAPE, holdsNul, likeContaining } from '../../filters.js';
import { filterEqualities } from '../../records.js';

export interface FilterSql {
  conditions: string[];
  /** The parameters `$1` … `$n` of the conditions; later parameters of a statement follow. */
  args: unknown[];
}

export function whereClause(filter: JobFilter): FilterSql {
  const conditions: string[] = [];
  const args: unknown[] = [];
  if (holdsNul(filter.payloadText, filter.resultText, ...filterEqualities(filter).map(([, value]) => value))) return { conditions: ['false'], args };
  if ([filter.payloadContains, filter.resultContains].some((object) => object !== undefined && containsNul(object))) return { conditions: ['false'], args };
  const param = (value: unknown): string => {
    args.push(value);
    return `$${args.length}`;
  };
  if (filter.state !== undefined) conditions.push(`state = ANY (${param(Array.isArray(filter.state) ? filter.state : [filter.state])}::text[])`);
  for (const [column, value] of filterEqualities(filter)) conditions.push(`${column} = ${param(value)}`);
  if (filter.id !== undefined) conditions.push(`id = ${param(filter.id)}::bigint`);
  if (filter.createdFrom !== undefined) conditions.push(`created_at >= ${param(filter.createdFrom)}::timestamptz`);
  if (filter.createdTo !== undefined) conditions.push(`created_at < ${param(filter.createdTo)}::timestamptz`);
  if (filter.payloadText !== undefined) conditions.push(`payload::text ILIKE ${param(likeContaining(filter.payloadText))} ESCAPE '${LIKE_ESCAPE}'`);
  if (filter.resultText !== undefined) conditions.push(`result::text ILIKE ${param(likeContaining(filter.resultText))} ESCAPE '${LIKE_ESCAPE}'`);
  if (filter.payloadContains !== undefined) conditions.push(`payload @> ${param(JSON.stringify(filter.payloadContains))}::jsonb`);
  if (filter.resultContains !== undefined) conditions.push(`result @> ${param(JSON.stringify(filter.resultContains))}::jsonb`);
  return { conditions, args };
}

export function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
