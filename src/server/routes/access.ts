/**
 * Who is asking and what has been done: the caller's session (its scope and token name, so
 * the dashboard offers only the actions the server would allow) and the audit log of
 * operator actions.
 */
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import { withoutUndefined } from './jobs.js';

export function accessHandlers(client: ServerClient): HandlersFor<'session.get' | 'audit.list'> {
  return {
    'session.get': async ({ caller }) => ({ auth: caller.auth, scope: caller.scope, name: caller.name }),
    'audit.list': async ({ query }) => client.audit.list(withoutUndefined({ limit: query.limit, cursor: query.cursor, action: query.action })),
  };
}
