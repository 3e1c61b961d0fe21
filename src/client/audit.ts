/**
 * The audit log: who did what to which job, queue, schedule or token, and when. The HTTP
 * server records every operator action it carries out (`record`, on the client on the
 * database only); any client reads the log (`list`), newest first, with a cursor.
 */
import { ValidationError } from '../core/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, checkJobId } from '../core/page.js';
import type { AuditEntry, Json } from '../core/types.js';
import type { Store } from '../store/contract.js';

export interface AuditListOptions {
  /** At most this many (1–1000). @defaultValue 50 */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Only entries of exactly this action, such as `job.retry` or `jobs.bulk-cancel`. */
  action?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** Reading the audit log: what every client offers. */
export interface AuditClient {
  list(options?: AuditListOptions): Promise<AuditPage>;
}

/** What a caller records: the store adds the id and the time (its own clock). */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at'>;

const MAX_DETAILS_JSON = 20_000;
const CONTROL = /\p{Cc}/u;

export class Audit implements AuditClient {
  constructor(private readonly store: Store) {}

  async list(options: AuditListOptions = {}): Promise<AuditPage> {
    const { limit, before, action } = checkAuditList(options);
    const entries = await this.store.auditList({ limit, ...(before === undefined ? {} : { before }), ...(action === undefined ? {} : { action }) });
    const last = entries[entries.length - 1];
    return { entries, nextCursor: entries.length === limit && last ? last.id : null };
  }

  /** Appends one entry, stamped with the database's time. */
  async record(entry: AuditRecord): Promise<AuditEntry> {
    return this.store.auditAppend({ entry: checkAuditRecord(entry) });
  }
}

/** A listing's options checked; the cursor is the id of the last entry of the page before. */
export function checkAuditList(options: AuditListOptions = {}): { limit: number; before?: string; action?: string } {
  const limit = options?.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw new ValidationError('limit', `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
  const checked: { limit: number; before?: string; action?: string } = { limit };
  if (options.cursor !== undefined) {
    try {
      checked.before = checkJobId(options.cursor, 'cursor');
    } catch {
      throw new ValidationError('cursor', 'the nextCursor of an earlier page of the audit log, passed back unchanged', options.cursor);
    }
  }
  if (options.action !== undefined) checked.action = checkLabel(options.action, 'action', 100);
  return checked;
}

function checkAuditRecord(entry: AuditRecord): AuditRecord {
  if (typeof entry !== 'object' || entry === null) throw new ValidationError('entry', "an object such as { actor: 'ci', action: 'job.retry', target: '42', details: null }", entry);
  return {
    actor: checkLabel(entry.actor, 'actor', 200),
    action: checkLabel(entry.action, 'action', 100),
    target: checkLabel(entry.target, 'target', 1000),
    details: checkDetails(entry.details ?? null),
  };
}

function checkLabel(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL.test(value)) {
    throw new ValidationError(field, `a text of 1 to ${max} characters without control characters`, value);
  }
  return value;
}

function checkDetails(details: unknown): Json | null {
  const expected = `JSON of at most ${MAX_DETAILS_JSON} characters, or null`;
  let text: string | undefined;
  try {
    text = JSON.stringify(details);
  } catch (err) {
    throw new ValidationError('details', expected, details, (err as Error).message);
  }
  if (text === undefined || text.length > MAX_DETAILS_JSON) throw new ValidationError('details', expected, details);
  return JSON.parse(text) as Json;
}
