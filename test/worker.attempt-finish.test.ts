/**
 * The finish an attempt hands on, on its own without a store: exactly the fields its end
 * calls for, the handler's log lines as they were when the attempt ended (a handler that
 * outlives its attempt cannot change them), the lines past the limit counted, and the worker's
 * log told of every line with the job it came from.
 */
import { describe, expect, it } from 'vitest';
import { defineTask, type TaskContext } from '../src/tasks/define.js';
import { Attempt, type AttemptHooks } from '../src/worker/attempt.js';
import { claimedJob } from './support/jobs.js';

const job = claimedJob;

function hooksLogging(lines: { jobId: string; message: string }[]): AttemptHooks {
  return {
    workerId: 'w1',
    log: (logged, message) => lines.push({ jobId: logged.id, message }),
    progress: () => {},
    prepareStep: () => Promise.reject(new Error('no workflow step in these tests')),
  };
}

describe('the finish of an attempt', () => {
  it('has exactly the fields of its end: no result on a failure, no error or retry on a success', async () => {
    const hooks = hooksLogging([]);
    const succeeded = await new Attempt(job()).run(defineTask('probe', () => undefined), hooks);
    expect(Object.keys(succeeded!).sort()).toEqual(['attempt', 'finishedAt', 'id', 'logs', 'outcome', 'result', 'startedAt', 'state', 'workerId']);
    expect(succeeded).toMatchObject({ state: 'succeeded', outcome: 'succeeded', result: null, logs: [] });
    const failed = await new Attempt(job()).run(defineTask('probe', () => Promise.reject(new Error('boom'))), hooks);
    expect(Object.keys(failed!).sort()).toEqual(['attempt', 'error', 'finishedAt', 'id', 'logs', 'outcome', 'retryDelayMs', 'startedAt', 'state', 'workerId']);
    expect(failed).toMatchObject({ state: 'pending', outcome: 'failed', error: { name: 'Error', message: 'boom' } });
    expect(failed!.retryDelayMs).toBeGreaterThan(0);
    const released = await new Attempt(job()).run(undefined, hooks);
    expect(Object.keys(released!).sort()).toEqual(['attempt', 'finishedAt', 'id', 'logs', 'outcome', 'retryDelayMs', 'startedAt', 'state', 'workerId']);
  });

  it("carries the run's id for a job of a run", async () => {
    const attempt = new Attempt(job({ workflow: { runId: '42', step: 's', mapIndex: null } }));
    const finish = await attempt.run(undefined, hooksLogging([]));
    expect(finish).toMatchObject({ runId: '42', state: 'pending', outcome: 'released' });
  });

  it('keeps the log lines as they were at the end, though the handler logs on after its timeout', async () => {
    const lines: { jobId: string; message: string }[] = [];
    let context!: TaskContext;
    let release!: () => void;
    const task = defineTask('probe', async (_payload: unknown, ctx: TaskContext) => {
      context = ctx;
      ctx.log('one');
      ctx.log('two');
      await new Promise<void>((resolve) => (release = resolve)); // ignores its signal
    });
    const attempt = new Attempt(job({ timeoutMs: 20 }));
    const finish = await attempt.run(task, hooksLogging(lines));
    expect(finish).toMatchObject({ outcome: 'timed_out' });
    context.log('three, too late');
    release();
    await attempt.handlerSettled;
    expect(finish!.logs!.map((line) => line.message)).toEqual(['one', 'two']);
    expect(finish!.logs![0]!.at).toBeInstanceOf(Date);
    // The worker's log hears every line, the late one too, with the job it came from.
    expect(lines).toEqual([{ jobId: '7', message: 'one' }, { jobId: '7', message: 'two' }, { jobId: '7', message: 'three, too late' }]);
  });

  it('keeps the first thousand lines and says how many more were dropped', async () => {
    const task = defineTask('probe', (_payload: unknown, ctx: TaskContext) => {
      for (let i = 0; i < 1_005; i++) ctx.log(`line ${i}`);
    });
    const finish = await new Attempt(job()).run(task, hooksLogging([]));
    expect(finish!.logs).toHaveLength(1_001);
    expect(finish!.logs![999]!.message).toBe('line 999');
    expect(finish!.logs![1_000]!.message).toBe('(5 more log lines dropped)');
  });

  it('resolves handlerSettled only once a handler that outlived its attempt returns', async () => {
    let release!: () => void;
    const attempt = new Attempt(job({ timeoutMs: 10 }));
    await attempt.run(defineTask('probe', () => new Promise<void>((resolve) => (release = resolve))), hooksLogging([]));
    let settled = false;
    void attempt.handlerSettled.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    release();
    await attempt.handlerSettled;
    expect(settled).toBe(true);
  });
});
