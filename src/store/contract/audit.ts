/**
 * The audit entity of the Store contract: every operator action through the HTTP API (who,
 * when, what, on what), kept until pruned by retention like finished jobs.
 */
import type { AuditEntry } from '../../core/types.js';

export interface AuditStore {
  /** Appends one entry; `at = now` (store clock). */
  auditAppend(params: { readonly entry: Omit<AuditEntry, 'id' | 'at'> }): Promise<AuditEntry>;

  /** Newest first; `before` (an entry id) continues a listing. At most `limit` (1–1000). */
  auditList(params: { readonly limit: number; readonly before?: string; readonly action?: string }): Promise<AuditEntry[]>;
}
