/**
 * API tokens (admin only): create (the token is in this answer and nowhere else), list
 * (never the tokens or their hashes), revoke. A revocation clears this server's cache of
 * verified tokens, so here it takes effect at once.
 */
import type { TokenRecord } from '../../core/types.js';
import type { Authenticator } from '../auth.js';
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';

type TokenRoutes = 'tokens.create' | 'tokens.list' | 'tokens.revoke';

/** A token record as shown: never its hash, whatever the client hands over. */
function view(record: Omit<TokenRecord, 'hash'>): Omit<TokenRecord, 'hash'> {
  const { id, name, scope, createdAt, revokedAt } = record;
  return { id, name, scope, createdAt, revokedAt };
}

export function tokenHandlers(client: ServerClient, auth: Authenticator): HandlersFor<TokenRoutes> {
  return {
    'tokens.create': async ({ body }) => {
      const created = await client.tokens.create({ scope: body.scope as TokenRecord['scope'], ...(body.name === undefined ? {} : { name: body.name }) });
      return { token: created.token, record: view(created.record) };
    },
    'tokens.list': async () => ({ tokens: (await client.tokens.list()).map(view) }),
    'tokens.revoke': async ({ params }) => {
      const revoked = await client.tokens.revoke(params.id);
      auth.forget();
      return { id: params.id, revoked };
    },
  };
}
