/**
 * Statistics for charts: jobs ended per bucket over the last hour, day or week.
 */
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import { withoutUndefined } from './jobs.js';

export function statsHandlers(client: ServerClient): HandlersFor<'stats.throughput'> {
  return {
    'stats.throughput': async ({ query }) => client.throughput(withoutUndefined({ window: query.window, queue: query.queue })),
  };
}
