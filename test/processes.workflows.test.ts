/**
 * A workflow run survives `kill -9` of the worker running it, on both engines, across real
 * OS processes (the built CLI, so `npm run build` first). The diamond a → (b, c) → d of
 * support/tasks/workflows/diamond.ts: a worker process runs `a`, claims `b` and `c` and is
 * killed while they sleep; a second worker recovers their leases, runs them again, releases
 * `d` and finishes the run. Every step then has one job with one succeeded attempt (the
 * killed ones recorded as `worker_lost`), every step ran to its end exactly once (counted
 * outside the database, in files the steps append to), and `ordo workflows show` draws the
 * run with every step succeeded.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import type { RunRecord } from '../src/core/workflow-types.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { TEST_TASKS, openDb, recordedIds, runCliOk, startWorker, stopEverything, tempDir, waitFor } from './support/processes.js';

const WORKFLOW_TASKS = join(TEST_TASKS, 'workflows');
const STEPS = ['a', 'b', 'c', 'd'];

afterEach(stopEverything);
afterAll(dropCreatedSchemas);

/** `[attempt, outcome, worker]` of each finished attempt. */
const attemptsOf = (job: JobRecord): [number, string, string | null][] => job.attempts.map((a) => [a.attempt, a.outcome, a.worker]);

describe.each(engines)('a workflow run across worker processes ($name)', (engine) => {
  it('completes after the worker running two of its steps is killed with SIGKILL, each step succeeded once', async () => {
    const { db, schema } = await engine.freshDatabase();
    const dbArgs = ['--db', db, ...(schema ? ['--schema', schema] : [])];
    // Created and migrated here first, so the worker does not race this client to migrate.
    const ordo = await openDb(db, schema ? { schema } : {});
    // The shortest lease a worker takes: the rescuer waits out one lease before it sweeps.
    const flags = (name: string): string[] => [...(schema ? ['--schema', schema] : []), '--name', name, '--lease', '1s', '--concurrency', '4', '--poll', '100ms'];
    const doomed = await startWorker(db, WORKFLOW_TASKS, flags('doomed'));
    const out = tempDir('ordo-done-');
    // Started by name: the worker stored the definition when it started.
    const { runId } = await ordo.workflows.start('crash-diamond', { out, ms: 1500 });

    const runningAtKill = await waitFor('the doomed worker to run b and c', async () => {
      const { jobs } = await ordo.listJobs({ state: 'running', workerId: 'doomed' });
      return jobs.length === 2 && jobs;
    }, { timeoutMs: 15_000, intervalMs: 20 });
    doomed.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect(runningAtKill.map((job) => job.workflow?.step).sort()).toEqual(['b', 'c']);
    const rescuer = await startWorker(db, WORKFLOW_TASKS, flags('rescuer'));

    const run: RunRecord = await waitFor('the run to end', async () => {
      const current = await ordo.workflows.getRun(runId);
      return current.state !== 'running' && current;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    expect(run.state, JSON.stringify(run.error)).toBe('succeeded');
    expect(run.steps.map((step) => [step.step, step.state])).toEqual(STEPS.map((step) => [step, 'succeeded']));

    // One job per step, each with exactly one succeeded attempt; the killed ones worker_lost.
    const { jobs } = await ordo.listJobs({}, { limit: 100 });
    expect(jobs).toHaveLength(STEPS.length);
    const byStep = new Map(run.steps.map((step) => [step.step, jobs.find((job) => job.id === step.jobId)!]));
    for (const job of jobs) expect(job.workflow, `job ${job.id}`).toEqual({ runId, step: expect.any(String), mapIndex: null });
    expect(attemptsOf(byStep.get('a')!)).toEqual([[1, 'succeeded', 'doomed']]);
    for (const step of ['b', 'c']) expect(attemptsOf(byStep.get(step)!), step).toEqual([[1, 'worker_lost', 'doomed'], [2, 'succeeded', 'rescuer']]);
    expect(attemptsOf(byStep.get('d')!)).toEqual([[1, 'succeeded', 'rescuer']]);

    // Each step ran to its end once: the killed runs of b and c never got there.
    const completions = recordedIds(out, 'done-');
    expect([...completions.keys()].sort()).toEqual(jobs.map((job) => job.id).sort());
    expect([...completions].filter(([, count]) => count !== 1), 'steps that ran to completion more than once').toEqual([]);

    // d saw both results, from the rescuer; the run's output is its one leaf's result.
    const d = byStep.get('d')!;
    expect(d.result).toEqual({ parents: { b: { step: 'b', pid: rescuer.pid }, c: { step: 'c', pid: rescuer.pid } }, pid: rescuer.pid });
    expect(run.output).toEqual({ d: d.result });

    const shown = await runCliOk([...dbArgs, 'workflows', 'show', runId]);
    expect(shown).toMatch(new RegExp(`^run ${runId}\\s+crash-diamond\\s+succeeded\\b`, 'm'));
    for (const step of STEPS) expect(shown, `step ${step} drawn succeeded`).toMatch(new RegExp(`(^|[\\s▶>─])${step}[\\s:([]+succeeded\\b`, 'm'));
    // d's line names both of its parents.
    expect(shown).toMatch(/^.*\bb\b.*\bc\b.*\bd\s+succeeded\b/m);
    expect(shown).not.toMatch(/\b(failed|cancelled|skipped|waiting|active|running)\b/);
  }, 60_000);
});
