/**
 * Checks a request's parameters, query and body with the route's zod schema and turns the
 * first problem into the `ValidationError` every way in uses: the field (the issue's path
 * joined with '.'), the expected form and the value received. Zod's own messages repeat
 * the received type and never show the value, so the expected form is phrased here.
 */
import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';

type Issue = z.core.$ZodIssue;

/** Where in the request a value came from, for a field named by its path alone (`body`, `query`). */
export type RequestPart = 'params' | 'query' | 'body';

/** The parsed value, or a ValidationError naming the first bad field. */
export function parseRequestPart<T>(schema: z.ZodType<T> | undefined, value: unknown, part: RequestPart): T | undefined {
  if (!schema) return undefined;
  if (part !== 'body') refuseNul(value);
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw issueError(result.error.issues[0]!, part, value);
}

/**
 * Names, ids and filters never hold a NUL character, and PostgreSQL cannot even compare text
 * with one (it fails the query, which would be a 500): refused here, naming the field.
 */
function refuseNul(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    for (const text of [item].flat()) {
      if (typeof text === 'string' && text.includes('\u0000')) throw new ValidationError(key, 'text without NUL (\\u0000) characters', text);
    }
  }
}

function issueError(issue: Issue, part: RequestPart, root: unknown): ValidationError {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const field = [...path, key].join('.');
    const owner = valueAt(root, issue.path) as Record<string, unknown> | undefined;
    return new ValidationError(field, `no field named ${key} here (a misspelling? see /api/openapi.json)`, owner?.[key]);
  }
  const field = path.length > 0 ? path.join('.') : part === 'body' ? 'body' : part;
  // What the caller sent (before a coercion), unless the path goes inside a transformed value.
  const sent = valueAt(root, issue.path);
  const received = sent === undefined && 'input' in issue ? issue.input : sent;
  return new ValidationError(field, expectedForm(issue, path.length === 0 && part === 'body'), received);
}

/** The expected form an issue asks for, in the words of the rest of Ordo's errors. */
function expectedForm(issue: Issue, wholeBody: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return wholeBody && issue.expected === 'object' ? 'a JSON object (Content-Type: application/json)' : article(issue.expected);
    case 'too_big':
      return `${issue.origin === 'string' ? 'a text' : issue.origin === 'array' ? 'a list' : 'a value'} of at most ${String(issue.maximum)}${unitOf(issue.origin)}`;
    case 'too_small':
      return `${issue.origin === 'string' ? 'a text' : issue.origin === 'array' ? 'a list' : 'a value'} of at least ${String(issue.minimum)}${unitOf(issue.origin)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return unionForm(issue);
    case 'invalid_format':
      return `a ${issue.format} text`;
    default:
      return issue.message;
  }
}

function unionForm(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const kinds = issue.errors.flatMap((errors) => errors.filter((e) => e.code === 'invalid_type').map((e) => article((e as { expected: string }).expected)));
  return kinds.length > 0 ? [...new Set(kinds)].join(' or ') : issue.message;
}

function article(kind: string): string {
  if (kind === 'undefined') return 'nothing';
  if (kind === 'null') return 'null';
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function unitOf(origin: string): string {
  if (origin === 'string') return ' characters';
  if (origin === 'array' || origin === 'set') return ' items';
  return '';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
