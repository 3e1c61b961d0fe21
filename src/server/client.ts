/**
 * What the server needs from the client: everything of `OrdoClient` (the same methods the
 * CLI and user code call), plus verifying a bearer token and a feed of the changes seen in
 * the database. Only a client on the database offers the last two; the server never talks
 * to the store itself.
 */
import type { FeedEvent, OrdoClient } from '../client/api.js';
import type { TokenScope } from '../core/types.js';

/** A verified token, as much of it as the server needs. */
export interface VerifiedToken {
  id: string;
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
  feed(): ServerFeed;
}
