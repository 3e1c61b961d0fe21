/**
 * The JSON containment filters of a job listing (`payloadContains`, `resultContains`): what
 * both engines accept, checked before any SQL, and what "contains" means, so the SQLite
 * engine's json_each walk and PostgreSQL's `@>` give the same answers.
 *
 * The meaning is PostgreSQL's jsonb containment, for an object at the top:
 * - an object contains another when every key of the other is present with a value that
 *   contains the other's value (extra keys do not matter, at any depth);
 * - an array contains another when each element of the other is contained in some element
 *   of it (order and repeats do not matter; an object element must be contained in one
 *   element, not pieced together from several);
 * - scalars contain an equal scalar of the same JSON type (numbers by value: 1 equals 1.0);
 * - types never mix below the top: an array does not contain a scalar there, nor an object
 *   an array.
 */
import { ValidationError } from '../core/errors.js';
import type { Json, JsonObject } from '../core/types.js';

/**
 * Most keys and elements one containment filter holds, and how deep it nests: each is one
 * correlated json_each lookup on SQLite, and its statement must stay small whatever it is
 * given. A dashboard's filter holds a few.
 */
export const MAX_CONTAINS_VALUES = 100;
export const MAX_CONTAINS_DEPTH = 8;

const EXPECTED = `a JSON object of at most ${MAX_CONTAINS_VALUES} keys and elements in all, nested at most ${MAX_CONTAINS_DEPTH} deep (plain objects, arrays, strings, finite numbers, booleans, null)`;

/**
 * `value` when it is a containment filter both engines can run, else a ValidationError naming
 * `field`. A filter holding NUL is accepted: it matches nothing (see `containsNul`).
 */
export function checkContainment(value: unknown, field: string): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new ValidationError(field, EXPECTED, value);
  let count = 0;
  const walk = (node: unknown, depth: number): void => {
    const children = Array.isArray(node) ? node : isPlainObject(node) ? Object.values(node) : null;
    if (children === null) {
      if (!isJsonScalar(node)) throw new ValidationError(field, EXPECTED, value);
      return;
    }
    count += children.length;
    if (depth > MAX_CONTAINS_DEPTH || count > MAX_CONTAINS_VALUES) throw new ValidationError(field, EXPECTED, value);
    for (const child of children) walk(child, depth + 1);
  };
  walk(value, 1);
  return value as JsonObject;
}

/**
 * True when a key or string of the filter holds NUL: no stored JSON can (PostgreSQL's jsonb
 * refuses it, and fails a statement that sends one), so such a filter matches nothing, on
 * both engines.
 */
export function containsNul(value: Json): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([key, child]) => key.includes('\0') || containsNul(child));
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isJsonScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
