/**
 * Pages of job listings: the default and largest page size, and the one check of a page
 * that the client (naming the user's `limit`/`offset`/`before`) and every engine (naming
 * `page.limit`/`page.offset`/`page.before`, for callers of the store itself) apply.
 */
import { ValidationError } from './errors.js';
import type { Page } from './types.js';

/** Jobs per page when the caller gives no limit. */
export const DEFAULT_PAGE_LIMIT = 50;
/** The largest page a caller may ask for. */
export const MAX_PAGE_LIMIT = 1000;

/** The largest job id: both engines' ids are signed 64-bit integers. */
const MAX_JOB_ID = 9223372036854775807n;

/** A page with its limit and offset set (the defaults filled in) and every field checked. */
export type ResolvedPage = Required<Omit<Page, 'before'>> & Pick<Page, 'before'>;

/** The names a caller gives the page's fields in its errors. */
export interface PageFields {
  limit: string;
  offset: string;
  /** @defaultValue 'page.before' */
  before?: string;
}

/** A page with the defaults filled in, each field checked against its bounds; `before` only when given. */
export function resolvePage(page: Page, fields: PageFields = { limit: 'page.limit', offset: 'page.offset' }): ResolvedPage {
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(fields.limit, `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
  }
  const offset = page.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new ValidationError(fields.offset, 'a whole number ≥ 0', offset);
  if (page.before === undefined) return { limit, offset };
  return { limit, offset, before: checkJobId(page.before, fields.before ?? 'page.before') };
}

/** `value` when it is a job id (a decimal string from 1 to 2^63 - 1), else a ValidationError naming `field`. */
export function checkJobId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,18}$/.test(value) || BigInt(value) > MAX_JOB_ID) {
    throw new ValidationError(field, `a job id: a whole number from 1 to ${MAX_JOB_ID} as a string`, value);
  }
  return value;
}
