/**
 * Workflows for the tests of the HTTP API, the remote client and the CLI: a diamond
 * a → (b, c) → d whose `b` fails while `failB` is set (so a run can fail and be retried),
 * `parked`, whose one step waits on a queue no worker serves (a run to cancel), and `held`,
 * whose step runs until the test lets it go (a run that cannot be retried yet). A worker in
 * the test process runs them on the given store, and stores their definitions as it starts.
 */
import { afterEach } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { PermanentError } from '../../src/core/errors.js';
import type { RunRecord, RunState } from '../../src/core/workflow-types.js';
import type { Store } from '../../src/store/contract.js';
import { workflow } from '../../src/workflows/define.js';
import { createWorker, type Worker } from '../../src/worker/worker.js';
import type { EngineFixture } from './engines.js';
import { useServers, type TestServer } from './server.js';
import { waitFor } from './wait.js';

/** While true, step `b` of the diamond fails for good (one attempt). */
export const switches = { failB: false };

export const diamond = workflow('diamond', { description: 'a, then b and c, then d with both' })
  .step('a', async (input: { n: number }) => ({ n: input.n }))
  .step(
    'b',
    async (_input, ctx) => {
      if (switches.failB) throw new PermanentError('b is broken');
      return ctx.parents.a.n + 1;
    },
    { dependsOn: ['a'], retry: { maxAttempts: 1 } },
  )
  .step('c', async (_input, ctx) => ctx.parents.a.n * 2, { dependsOn: ['a'] })
  .step('d', async (_input, ctx) => ({ b: ctx.parents.b, c: ctx.parents.c }), { dependsOn: ['b', 'c'] });

export const parked = workflow('parked').step('wait', async () => 'never', { queue: 'nowhere' });

let release: () => void = () => {};
/** Lets the running step of `held` end (it ignores cancellation until then). */
export function releaseHeld(): void {
  release();
}

export const held = workflow('held').step('hold', async () => {
  await new Promise<void>((resolve) => (release = resolve));
  return 'released';
});

export const WORKFLOWS = [diamond, parked, held];

/** A started worker running the workflows above on `store` (their definitions stored). */
export async function workflowWorker(store: Store, name = 'w-flows'): Promise<Worker> {
  const worker = createWorker({ store, tasks: [], workflows: WORKFLOWS, queues: ['default'], name, pollMs: 20, logger: createLogger({ level: 'silent' }) });
  await worker.start();
  return worker;
}

/** Waits until the run is in `state`, and returns it. */
export function runInState<R extends Pick<RunRecord, 'state'>>(getRun: (id: string) => Promise<R>, id: string, state: RunState): Promise<R> {
  return waitFor(() => getRun(id), (run) => run.state === state, `run ${id} to be ${state}`);
}

/** The fixtures as a test found them: the held step let go, b no longer failing. */
export function resetFixtures(): void {
  releaseHeld();
  switches.failB = false;
}

/**
 * Test servers (`useServers`), each started with a workflow worker on its store. After each
 * test the fixtures are reset and the worker stops before its server's store closes.
 */
export function useWorkflowServers(engine: EngineFixture): () => Promise<TestServer> {
  const start = useServers(engine);
  let worker: Worker | null = null;
  // Registered after the servers' cleanup, so it runs before it: the worker stops while its store is open.
  afterEach(async () => {
    resetFixtures();
    await worker?.stop();
    worker = null;
  });
  return async () => {
    const server = await start();
    worker = await workflowWorker(server.store);
    return server;
  };
}
