/** A graphile-worker process, configured as its performance page runs it (see `graphilePreset`). */
import { run, type Runner } from 'graphile-worker';
import { graphilePreset, quietLogger } from '../clients/graphile-worker.js';
import { TASK } from '../systems.js';
import { serveWorker } from '../worker-host.js';

await serveWorker(async (spec, record) => {
  const { target } = spec;
  if (target.storage !== 'postgres') throw new Error('graphile-worker runs on PostgreSQL');
  let runner: Runner | null = null;
  return {
    async start() {
      runner = await run({
        preset: graphilePreset(target.url, target.schema, spec.concurrency),
        logger: quietLogger,
        noHandleSignals: true,
        taskList: { [TASK]: async (payload) => void record((payload as { i: number }).i) },
      });
    },
    stop: async () => runner?.stop(),
  };
});
