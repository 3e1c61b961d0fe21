/**
 * JSON containment filters (`payloadContains`, `resultContains`): a JSON object that a job's
 * payload or result must contain. Checked the same way by both clients, whether it came as an
 * object (the TypeScript API, a bulk action's body) or as JSON text (a query string, a CLI
 * flag), so every way in refuses the same values with the same words.
 */
import { ValidationError } from '../core/errors.js';
import type { Json, JsonObject } from '../core/types.js';

/** The longest containment filter, as JSON text: a filter, not a document. */
export const MAX_CONTAINS_JSON = 2_000;

const EXPECTED = `a JSON object of at most ${MAX_CONTAINS_JSON} characters, such as {"customer":42}`;

/**
 * A containment filter checked and copied as plain JSON; null for `{}` (contained in every
 * object: no filter at all).
 */
export function checkJsonObject(value: unknown, field: string): JsonObject | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, EXPECTED, value);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new ValidationError(field, EXPECTED, value, (err as Error).message);
  }
  if (text.length > MAX_CONTAINS_JSON) throw new ValidationError(field, EXPECTED, `${text.length} characters of JSON`);
  const copy = JSON.parse(text) as JsonObject;
  // PostgreSQL's jsonb cannot hold a NUL character, and would fail the query (a 500) instead of matching nothing.
  if (holdsNul(copy)) throw new ValidationError(field, 'JSON without NUL (\\u0000) characters', value);
  return Object.keys(copy).length === 0 ? null : copy;
}

/** A containment filter given as JSON text (a query parameter, a flag), parsed and checked. */
export function jsonObjectFromText(text: unknown, field: string): JsonObject | null {
  if (typeof text !== 'string') throw new ValidationError(field, EXPECTED, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError(field, EXPECTED, text, 'It is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError(field, EXPECTED, text);
  return checkJsonObject(parsed, field);
}

function holdsNul(value: Json): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(holdsNul);
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
}
