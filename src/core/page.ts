/**
 * Pages of job listings: the default and largest page size, and the one check of a page
 * that the client (naming the user's `limit`/`offset`) and every engine (naming
 * `page.limit`/`page.offset`, for callers of the store itself) apply.
 */
import { ValidationError } from './errors.js';
import type { Page } from './types.js';

/** Jobs per page when the caller gives no limit. */
export const DEFAULT_PAGE_LIMIT = 50;
/** The largest page a caller may ask for. */
export const MAX_PAGE_LIMIT = 1000;

/** A page with both fields set: the defaults filled in, each checked against its bounds. */
export function resolvePage(page: Page, fields = { limit: 'page.limit', offset: 'page.offset' }): Required<Page> {
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(fields.limit, `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
  }
  const offset = page.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new ValidationError(fields.offset, 'a whole number ≥ 0', offset);
  return { limit, offset };
}
