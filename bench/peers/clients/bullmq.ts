/** BullMQ's producer side: a Queue on the measurement's own queue name. */
import { Queue } from 'bullmq';
import { TASK } from '../systems.js';
import { range, type OpenClient } from './client.js';

export const openClient: OpenClient = async (target) => {
  if (target.storage !== 'redis') throw new Error('BullMQ runs on Redis');
  const queue = new Queue(target.queue, { connection: { host: '127.0.0.1', port: target.port } });
  await queue.waitUntilReady();
  return {
    enqueue: async (i, delayMs) => void (await queue.add(TASK, { i }, delayMs ? { delay: delayMs } : {})),
    enqueueMany: async (from, count) => void (await queue.addBulk(range(from, count).map((i) => ({ name: TASK, data: { i } })))),
    async counts() {
      const c = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'waiting-children', 'active', 'completed', 'failed');
      return { waiting: c.wait! + c.prioritized! + c.delayed! + c['waiting-children']!, running: c.active!, done: c.completed!, failed: c.failed! };
    },
    close: () => queue.close(),
  };
};
