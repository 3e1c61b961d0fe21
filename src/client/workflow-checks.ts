/**
 * The checks of `ordo.workflows` arguments that the client on the database and the client
 * over HTTP both apply, so that both name the same field with the same words: a run id
 * (which over HTTP would otherwise reach another route), a name, run states and a page's
 * limit (which the query string's own form would otherwise name as `state.0` or `limit`).
 */
import { ValidationError } from '../core/errors.js';
import { MAX_PAGE_LIMIT } from '../core/page.js';
import { RUN_STATES, type RunState } from '../core/workflow-types.js';

/** A run id: a whole number as a string (a safe integer is taken as its digits). */
export function checkRunId(id: unknown, field = 'id'): string {
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,18}$/.test(text)) throw new ValidationError(field, 'a workflow run id: a whole number as a string, such as "7"', id);
  return text;
}

/** `value` when it is a string that is not blank, else a ValidationError naming `field` and `expected`. */
export function checkText(value: unknown, field: string, expected: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, expected, value);
  return value;
}

/** A filter's `state`: one run state or several, as a list. */
export function checkRunStates(state: RunState | readonly RunState[]): RunState[] {
  const states = [state].flat();
  for (const one of states) if (!RUN_STATES.includes(one)) throw new ValidationError('state', `one or more of ${RUN_STATES.join(', ')}`, one);
  return states;
}

/** Runs a page asks for. */
export function checkRunPageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw new ValidationError('limit', `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
  return limit;
}
