/**
 * Durable functions across real OS processes (the built CLI, so `npm run build` first), on
 * both engines, with the functions of support/tasks/durable/functions.ts:
 * - a worker killed with SIGKILL right after a function's second step was checkpointed: a
 *   second worker resumes the run from its checkpoints and runs only the third step (each
 *   step's runs counted outside the database, in a file the steps append to);
 * - a function waiting for an event holds no worker, and resumes when `ordo emit` runs as a
 *   CLI process, its output carrying the payload; one whose wait times out ends with
 *   `{ status: 'timed_out' }`; an event emitted before its waiter arrives is seen, the first
 *   emit of a key winning.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Ordo } from '../src/client/ordo.js';
import type { RunRecord } from '../src/core/workflow-types.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { TEST_TASKS, openDb, runCliOk, startWorker, stopEverything, tempDir, waitFor } from './support/processes.js';

const DURABLE_TASKS = join(TEST_TASKS, 'durable');

afterEach(stopEverything);
afterAll(dropCreatedSchemas);

/** `[step, pid]` of each line of the markers file, in the order the steps ran. */
function markers(out: string): [string, number][] {
  const file = join(out, 'markers.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [step, pid] = line.split(' ');
    return [step!, Number(pid)];
  });
}

function runEnded(ordo: Ordo, runId: string, timeoutMs = 30_000): Promise<RunRecord> {
  return waitFor(`run ${runId} to end`, async () => {
    const run = await ordo.workflows.getRun(runId);
    return run.state !== 'running' && run;
  }, { timeoutMs, intervalMs: 50 });
}

describe.each(engines)('durable functions across worker processes ($name)', (engine) => {
  async function setUp(): Promise<{ ordo: Ordo; dbArgs: string[]; db: string; flags: (name: string) => string[] }> {
    const { db, schema } = await engine.freshDatabase();
    // Created and migrated here first, so the worker does not race this client to migrate.
    const ordo = await openDb(db, schema ? { schema } : {});
    const schemaArgs = schema ? ['--schema', schema] : [];
    // The shortest lease a worker takes: a rescuer waits out one lease before it sweeps.
    const flags = (name: string): string[] => [...schemaArgs, '--name', name, '--lease', '1s', '--concurrency', '4', '--poll', '100ms'];
    return { ordo, db, dbArgs: ['--db', db, ...schemaArgs], flags };
  }

  it('resumes on another worker after SIGKILL right after the second step, and runs only the third', async () => {
    const { ordo, db, dbArgs, flags } = await setUp();
    const doomed = await startWorker(db, DURABLE_TASKS, flags('doomed'));
    const out = tempDir('ordo-durable-');
    // Started by name: the worker stored the definition when it started.
    const { runId } = await ordo.workflows.start('crash-three-steps', { out });

    // The second step's checkpoint is in the database: the function now waits for `release`.
    const atKill = await waitFor('the second step to be checkpointed', async () => {
      const run = await ordo.workflows.getRun(runId);
      return run.checkpoints.some((c) => c.name === 'two' && c.state === 'succeeded') && run;
    }, { timeoutMs: 15_000, intervalMs: 20 });
    doomed.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect(atKill.checkpoints.map((c) => [c.seq, c.name, c.kind, c.state])).toEqual([[0, 'one', 'step', 'succeeded'], [1, 'two', 'step', 'succeeded']]);
    expect(markers(out)).toEqual([['one', doomed.pid], ['two', doomed.pid]]);

    writeFileSync(join(out, 'release'), '');
    const rescuer = await startWorker(db, DURABLE_TASKS, flags('rescuer'));
    const run = await runEnded(ordo, runId);
    expect(run.state, JSON.stringify(run.error)).toBe('succeeded');
    expect(run.output).toEqual({ one: 1, two: 2, three: 3, pid: rescuer.pid });
    // Steps one and two ran once, on the killed worker; three once, on the rescuer.
    expect(markers(out)).toEqual([['one', doomed.pid], ['two', doomed.pid], ['three', rescuer.pid]]);
    expect(run.checkpoints.map((c) => [c.seq, c.name, c.state, c.result, c.attempts])).toEqual([
      [0, 'one', 'succeeded', 1, 1],
      [1, 'two', 'succeeded', 2, 1],
      [2, 'three', 'succeeded', 3, 1],
    ]);

    // The function's one job: lost with the killed worker, then succeeded on the rescuer.
    const { jobs } = await ordo.listJobs({}, { limit: 100 });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.workflow).toEqual({ runId, step: 'main', mapIndex: null });
    expect(jobs[0]!.attempts.map((a) => [a.outcome, a.worker])).toEqual([['worker_lost', 'doomed'], ['succeeded', 'rescuer']]);

    const shown = await runCliOk([...dbArgs, 'workflows', 'show', runId]);
    expect(shown).toMatch(new RegExp(`^run ${runId}\\s+crash-three-steps\\s+succeeded\\b`, 'm'));
    ['one', 'two', 'three'].forEach((step, seq) => expect(shown, `step ${step} shown`).toMatch(new RegExp(`^\\s+${seq}\\s+step\\s+${step}\\s+succeeded\\s+1\\b`, 'm')));
    expect(shown).not.toMatch(/waiting/);
  }, 60_000);

  it('resumes a wait when `ordo emit` runs, with the payload in its output; a wait with no event times out', async () => {
    const { ordo, dbArgs, db, flags } = await setUp();
    await startWorker(db, DURABLE_TASKS, flags('waiter'));
    const key = `order-${Date.now()}.approved`;
    const { runId: waiting } = await ordo.workflows.start('await-event', { key, timeout: '10m' });
    const { runId: forgotten } = await ordo.workflows.start('await-event', { key: `${key}.never`, timeout: '1s' });

    await waitFor('the function to wait for its event', async () => {
      const run = await ordo.workflows.getRun(waiting);
      return run.checkpoints.some((c) => c.kind === 'event' && c.state === 'waiting' && c.eventKey === key);
    }, { timeoutMs: 15_000, intervalMs: 20 });
    // The wait holds no worker: the function's job goes back to the queue, due at its next
    // re-check of the event. Emitted while that is over 3 s away (time for the CLI process to
    // start), the run ending before it shows the emit woke the job.
    const mainJob = (await ordo.workflows.getRun(waiting)).steps[0]!.jobId!;
    const released = await waitFor('the waiting function to be released for over 3 s', async () => {
      const job = await ordo.job(mainJob);
      return job.state !== 'running' && job.runAt.getTime() - Date.now() > 3_000 && job;
    }, { timeoutMs: 15_000, intervalMs: 20 });
    expect((await ordo.listJobs({ state: 'running' })).jobs.filter((job) => job.id === mainJob)).toEqual([]);
    expect((await ordo.workflows.getRun(waiting)).state).toBe('running');

    expect(await runCliOk([...dbArgs, 'emit', key, '{"ok":true}'])).toMatch(/^stored; 1 waiting run woken$/m);
    const received = await runEnded(ordo, waiting, 20_000);
    expect(received.state, JSON.stringify(received.error)).toBe('succeeded');
    expect(received.output).toEqual({ status: 'received', payload: { ok: true } });
    expect(received.finishedAt!.getTime(), `ended ${received.finishedAt!.toISOString()}, next re-check ${released.runAt.toISOString()}`).toBeLessThan(released.runAt.getTime());
    expect(received.checkpoints.map((c) => [c.kind, c.state, c.eventKey, c.result])).toEqual([['event', 'succeeded', key, { status: 'received', payload: { ok: true } }]]);

    const timedOut = await runEnded(ordo, forgotten);
    expect(timedOut.state, JSON.stringify(timedOut.error)).toBe('succeeded');
    expect(timedOut.output).toEqual({ status: 'timed_out' });

    // An event emitted before its waiter arrives is kept, and the wait sees it at once.
    expect(await runCliOk([...dbArgs, 'emit', `${key}.early`, '{"n":1}', '--keep', '1h'])).toMatch(/^stored; 0 waiting runs woken$/m);
    expect(await runCliOk([...dbArgs, 'emit', `${key}.early`, '{"n":2}'])).toMatch(/^already emitted \(first emit wins\)/m);
    const { runId: late } = await ordo.workflows.start('await-event', { key: `${key}.early`, timeout: '10m' });
    const early = await runEnded(ordo, late, 20_000);
    expect(early.output).toEqual({ status: 'received', payload: { n: 1 } });
  }, 60_000);
});
