/**
 * What the shell hands every page: who is looking (their scope decides which actions are
 * offered; the server enforces it anyway) and the live feed of changes.
 */
import type { StreamEvent } from './api.js';

export type Scope = 'read' | 'write' | 'admin';

export interface Session {
  auth: 'none' | 'tokens';
  scope: Scope;
  name: string | null;
}

const ORDER: Scope[] = ['read', 'write', 'admin'];

/** True when the session's scope includes `needed`. */
export function can(session: Session, needed: Scope): boolean {
  return ORDER.indexOf(session.scope) >= ORDER.indexOf(needed);
}

/**
 * The server's event stream, batched by the shell: listeners get the events of the last
 * half second at once (a busy queue sends thousands a second; re-rendering per event would
 * freeze the tab). One connection serves the whole app.
 */
export interface LiveFeed {
  subscribe(listener: (events: StreamEvent[]) => void): () => void;
  /** Told when the stream connects or drops (it reconnects by itself). */
  onStatus(listener: (connected: boolean) => void): () => void;
  readonly connected: boolean;
}

export interface PageProps {
  session: Session;
  live: LiveFeed;
  /** Path parameters of the page's route, such as `{ id: '42' }`. */
  params: Record<string, string>;
}
