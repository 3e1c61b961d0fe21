/**
 * JSON containment on SQLite (the meaning is containment.ts's, PostgreSQL's `@>`): the filter
 * object becomes nested EXISTS lookups over `json_each` of the stored JSON text. Keys and
 * values travel as parameters, never in the SQL text, so the text depends only on the
 * filter's shape (how many keys and elements, how nested) and any key works, quotes, dots
 * and brackets included (a key is compared as the decoded text json_each gives, not as a
 * JSON path that would need quoting).
 *
 * An object: `json_type = 'object'`, and for each key an EXISTS over its members with that
 * key whose value matches. An array: `json_type = 'array'`, and for each element an EXISTS
 * over its elements with one that matches. A scalar: the same JSON type (integer and real
 * alike) and an equal value. Each json_each row carries `type`, `atom` (the scalar's SQL
 * value) and `value` (a container's JSON text, walked one level further down).
 */
import type { Json, JsonObject } from '../../../core/types.js';

/** SQL text and its positional parameters, in order. */
export interface SqlPart {
  sql: string;
  args: unknown[];
}

/**
 * A condition true when the JSON text in `column` (`jobs.payload`, `jobs.result`) contains
 * `filter`. The aliases of the lookups are `c1`, `c2`, … by depth, so a nested one never
 * shadows the row it looks into.
 */
export function containsCondition(column: string, filter: JsonObject): SqlPart {
  const args: unknown[] = [];
  const sql = `(json_type(${column}) = 'object'${objectTerms(column, filter, 1, args)})`;
  return { sql, args };
}

/** ` AND EXISTS (…)` per key of `object`, looked up among the members of the object in `json`. */
function objectTerms(json: string, object: JsonObject, depth: number, args: unknown[]): string {
  const alias = `c${depth}`;
  return Object.entries(object)
    .map(([key, value]) => {
      args.push(key);
      const match = matchTerms(alias, value, depth, args);
      return ` AND EXISTS (SELECT 1 FROM json_each(${json}) AS ${alias} WHERE ${alias}.key = ?${match})`;
    })
    .join('');
}

/** ` AND EXISTS (…)` per element of `array`, each matched by some element of the array in `json`. */
function arrayTerms(json: string, array: readonly Json[], depth: number, args: unknown[]): string {
  const alias = `c${depth}`;
  return array.map((value) => ` AND EXISTS (SELECT 1 FROM json_each(${json}) AS ${alias} WHERE 1${matchTerms(alias, value, depth, args)})`).join('');
}

/** ` AND …`: the json_each row `alias` holds a value that contains `value`. */
function matchTerms(alias: string, value: Json, depth: number, args: unknown[]): string {
  if (value === null) return ` AND ${alias}.type = 'null'`;
  if (typeof value === 'boolean') return ` AND ${alias}.type = '${value ? 'true' : 'false'}'`;
  if (typeof value === 'number') {
    args.push(value);
    return ` AND ${alias}.type IN ('integer', 'real') AND ${alias}.atom = ?`;
  }
  if (typeof value === 'string') {
    args.push(value);
    return ` AND ${alias}.type = 'text' AND ${alias}.atom = ?`;
  }
  if (Array.isArray(value)) return ` AND ${alias}.type = 'array'${arrayTerms(`${alias}.value`, value, depth + 1, args)}`;
  return ` AND ${alias}.type = 'object'${objectTerms(`${alias}.value`, value, depth + 1, args)}`;
}
