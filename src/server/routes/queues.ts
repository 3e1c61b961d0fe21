/**
 * Queues: their counts and ages, pause, resume, and cleaning out pending jobs.
 */
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';

type QueueRoutes = 'queues.list' | 'queues.pause' | 'queues.resume' | 'queues.clean';

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
  };
}
