/**
 * What the server needs from the client: everything of `OrdoClient` (the same methods the
 * CLI and user code call), plus verifying a bearer token, recording to the audit log and a
 * feed of the changes seen in the database. Only a client on the database offers the last
 * three; the server never talks to the store itself.
 */
import type { FeedEvent, OrdoClient } from '../client/api.js';
import type { AuditRecord } from '../client/audit.js';
import type { AuditEntry, TokenScope } from '../core/types.js';

/** A verified token, as much of it as the server needs. */
export interface VerifiedToken {
  id: string;
  /** Its label, when it was given one: who the audit log says acted. */
  name: string | null;
  scope: TokenScope;
}

/** Changes read from the database, for every server alike (not only this process's jobs). */
export interface ServerFeed {
  /** Calls `listener` for every change from now on; returns the unsubscriber. */
  subscribe(listener: (event: FeedEvent) => void): () => void;
}

export interface ServerClient extends OrdoClient {
  readonly tokens: OrdoClient['tokens'] & {
    /** The token's record when it exists and is not revoked, else null. */
    verify(token: string): Promise<VerifiedToken | null>;
  };
  readonly audit: OrdoClient['audit'] & {
    /** Appends an entry to the audit log (the server records every operator action it carries out). */
    record(entry: AuditRecord): Promise<AuditEntry>;
  };
  feed(): ServerFeed;
}
