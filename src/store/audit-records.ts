/**
 * What both engines check of the audit log before any SQL, so they refuse the same input the
 * same way: an entry's texts (plain text without NUL, which PostgreSQL cannot store, within
 * lengths that keep a row small) and details (JSON), and a listing's limit, cursor and action.
 */
import { ValidationError } from '../core/errors.js';
import type { AuditEntry, Json } from '../core/types.js';
import { checkListLimit } from './filters.js';

/** Longest actor, action and target: a token name, an action name, a filter's description. */
export const MAX_AUDIT_TEXT = { actor: 200, action: 100, target: 10_000 } as const;

/** An entry to append, checked: `details` as JSON text (or null), NUL characters replaced. */
export interface NewAuditEntry {
  actor: string;
  action: string;
  target: string;
  details: string | null;
}

export function checkAuditEntry(entry: Omit<AuditEntry, 'id' | 'at'>): NewAuditEntry {
  if (typeof entry !== 'object' || entry === null) throw new ValidationError('entry', 'an object { actor, action, target, details }', entry);
  for (const field of ['actor', 'action', 'target'] as const) {
    const value: unknown = entry[field];
    const max = MAX_AUDIT_TEXT[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\0')) {
      throw new ValidationError(`entry.${field}`, `a string of 1 to ${max} characters without NUL`, value);
    }
  }
  return { actor: entry.actor, action: entry.action, target: entry.target, details: detailsJson(entry.details) };
}

/**
 * JSON text of the details, or null for none (`null` or left out). NUL characters become
 * U+FFFD, as in attempt records: an odd value must not lose the record of an action that was
 * taken.
 */
function detailsJson(details: Json | null | undefined): string | null {
  if (details === undefined || details === null) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(details);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new ValidationError('entry.details', 'a JSON value, or null', details);
  return text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}

/** A listing of the audit log, checked. */
export interface AuditQuery {
  limit: number;
  /** Entries with an id below this one. */
  before: string | null;
  /** Only this action (exact match); one holding NUL matches nothing. */
  action: string | null;
}

export function checkAuditList(params: { readonly limit: number; readonly before?: string; readonly action?: string }): AuditQuery {
  const { before, action } = params;
  if (action !== undefined && typeof action !== 'string') throw new ValidationError('action', 'a string', action);
  return {
    limit: checkListLimit(params.limit),
    before: before === undefined ? null : checkEntryId(before),
    action: action ?? null,
  };
}

/** Entry ids are both engines' 64-bit row ids, as decimal strings. */
function checkEntryId(value: unknown): string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,18}$/.test(value) || BigInt(value) > 9223372036854775807n) {
    throw new ValidationError('before', 'an audit entry id: a whole number from 1 to 9223372036854775807 as a string', value);
  }
  return value;
}
