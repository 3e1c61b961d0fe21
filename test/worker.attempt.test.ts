/**
 * One attempt on its own, without a store: the handler's abort signal is made only when the
 * handler reads it, so what a handler sees must not depend on when it reads it — before the
 * abort (the event fires), or only after (already aborted, with the same reason) — and an
 * attempt ends at its abort whether or not its handler ever looked at the signal.
 */
import { describe, expect, it } from 'vitest';
import { OrdoError } from '../src/core/errors.js';
import { defineTask, type TaskContext } from '../src/tasks/define.js';
import { Attempt, type AttemptHooks } from '../src/worker/attempt.js';
import { claimedJob } from './support/jobs.js';

const job = claimedJob;

const hooks: AttemptHooks = {
  workerId: 'w1',
  log: () => {},
  progress: () => {},
  prepareStep: () => Promise.reject(new Error('no workflow step in these tests')),
};

/** A handler that waits until `release` is called, then runs `after` with its context. */
function gated<R>(after: (ctx: TaskContext) => R) {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const running = new Promise<void>((resolve) => (started = resolve));
  const seen: { value?: R } = {};
  const task = defineTask('probe', async (_payload: unknown, ctx: TaskContext) => {
    started();
    await gate;
    seen.value = after(ctx);
  });
  return { task, release, running, seen };
}

describe('Attempt', () => {
  it('gives a handler that reads its signal only after the abort an aborted signal with the abort reason', async () => {
    const attempt = new Attempt(job());
    const probe = gated((ctx) => ({ aborted: ctx.signal.aborted, reason: ctx.signal.reason as unknown, same: ctx.signal === attempt.signal }));
    const finishing = attempt.run(probe.task, hooks);
    await probe.running;
    attempt.abort('cancel');
    const finish = await finishing;
    expect(finish).toMatchObject({ state: 'cancelled', outcome: 'cancelled' });
    probe.release();
    await attempt.handlerSettled;
    expect(probe.seen.value).toMatchObject({ aborted: true, same: true });
    expect(probe.seen.value?.reason).toBeInstanceOf(OrdoError);
    expect((probe.seen.value?.reason as OrdoError).code).toBe('cancelled');
  });

  it('fires the abort event once on a signal read before the abort, with the first reason', async () => {
    const attempt = new Attempt(job({ timeoutMs: 30 }));
    const events: unknown[] = [];
    const task = defineTask('probe', async (_payload: unknown, ctx: TaskContext) => {
      ctx.signal.addEventListener('abort', () => events.push(ctx.signal.reason));
      await new Promise(() => {}); // never settles: the attempt must end at its timeout anyway
    });
    const finish = await attempt.run(task, hooks);
    attempt.abort('cancel'); // a second abort changes nothing
    expect(finish).toMatchObject({ state: 'pending', outcome: 'timed_out', error: { message: 'timed out after 30 ms' } });
    expect(events).toHaveLength(1);
    expect((events[0] as OrdoError).code).toBe('timeout');
    expect(attempt.signal.aborted).toBe(true);
  });

  it('does not start the handler of an attempt aborted before it runs', async () => {
    const attempt = new Attempt(job());
    let ran = false;
    attempt.abort('shutdown');
    const finish = await attempt.run(defineTask('probe', () => void (ran = true)), hooks);
    expect(finish).toMatchObject({ state: 'pending', outcome: 'released', retryDelayMs: 0 });
    expect(ran).toBe(false);
    expect(attempt.signal.aborted).toBe(true);
  });

  it('records what a handler that never reads its signal returns', async () => {
    const attempt = new Attempt(job());
    const finish = await attempt.run(defineTask('probe', () => ({ ok: 1 })), hooks);
    expect(finish).toMatchObject({ id: '7', attempt: 1, workerId: 'w1', state: 'succeeded', outcome: 'succeeded', result: { ok: 1 }, logs: [] });
    expect(finish?.startedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
  });
});
