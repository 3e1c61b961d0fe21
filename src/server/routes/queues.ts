/**
 * Queues: their counts and ages, pause, resume, cleaning out pending jobs, and their flow
 * limits (set, cleared, and what they hold back now).
 */
import { renameField } from '../../core/errors.js';
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';

type QueueRoutes = 'queues.list' | 'queues.pause' | 'queues.resume' | 'queues.clean' | 'queues.setLimits' | 'queues.clearLimits' | 'queues.flow';

export function queueHandlers(client: ServerClient): HandlersFor<QueueRoutes> {
  return {
    'queues.list': async () => ({ queues: await client.stats() }),
    'queues.pause': async ({ params }) => {
      const { name } = params;
      await client.pause(name);
      return { queue: name, paused: true };
    },
    'queues.resume': async ({ params }) => {
      const { name } = params;
      await client.resume(name);
      return { queue: name, paused: false };
    },
    'queues.clean': async ({ params }) => {
      const { name } = params;
      return { queue: name, deleted: await client.clean(name) };
    },
    'queues.setLimits': async ({ params, body }) => client.setQueueLimits(params.name, body),
    'queues.clearLimits': async ({ params }) => {
      await client.clearQueueLimits(params.name);
    },
    'queues.flow': async ({ params, query }) => {
      // The query's words: `keys`, not the client's `busiestKeys`.
      const options = { ...(query.keys === undefined ? {} : { busiestKeys: query.keys }), ...(query.key === undefined ? {} : { key: query.key }) };
      return client.queueFlow(params.name, options).catch((err: unknown) => {
        throw renameField(err, (field) => (field === 'busiestKeys' ? 'keys' : field));
      });
    },
  };
}
