/**
 * The audit entity of the Store contract: every operator action through the HTTP API (who,
 * when, what, on what), kept until pruned by retention like finished jobs.
 */
import type { AuditEntry } from '../../core/types.js';

export interface AuditStore {
  /**
   * Appends one entry; `at = now` (store clock). `actor`, `action` and `target` are text
   * without NUL (at most 200, 100 and 10,000 characters); `details` any JSON, or null.
   */
  auditAppend(params: { readonly entry: Omit<AuditEntry, 'id' | 'at'> }): Promise<AuditEntry>;

  /**
   * Newest first (by id); `before` (an entry id) continues a listing, `action` keeps one
   * action (exact match). At most `limit` (1–1000). Retention is jobPrune's.
   */
  auditList(params: { readonly limit: number; readonly before?: string; readonly action?: string }): Promise<AuditEntry[]>;
}
