/**
 * Events for durable functions: `POST /events` emits one through the client, so the key,
 * the payload and `keep` are checked with `ordo.emit`'s own words, and the answer says
 * whether this emit was stored (the first of its key wins) and how many waiting runs it woke.
 */
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';

export function emitHandlers(client: ServerClient): HandlersFor<'events.emit'> {
  return {
    'events.emit': async ({ body }) => client.emit(body.key, body.payload, body.keep === undefined ? {} : { keep: body.keep }),
  };
}
