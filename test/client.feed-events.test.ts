/**
 * How the change feed turns rows into events, on rows made by hand: the gaps the attempt
 * records fill (a start never seen running, a quick retry whose first end was never read),
 * each change told once however often its row is read again, a shutdown release claimed again
 * told as a new start, and what is older than the feed or its memory never told.
 */
import { describe, expect, it } from 'vitest';
import { byTime, FeedMemory, MEMORY_MS } from '../src/client/feed-events.js';
import type { FeedEvent } from '../src/client/api.js';
import type { AttemptRecord, JobRecord } from '../src/core/types.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const at = (ms: number) => new Date(T0 + ms);

function row(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: '7', task: 't', queue: 'default', payload: {}, state: 'pending', priority: 0, runAt: at(0), createdAt: at(0), attempt: 0, maxAttempts: 3,
    timeoutMs: null, backoffBaseMs: null, backoffCapMs: null, uniqueKey: null, lockedBy: null, lockedUntil: null, startedAt: null, finishedAt: null,
    cancelRequested: false, progress: null, result: null, lastError: null, attempts: [], traceId: 'req-1', workflow: null, concurrencyKey: null, ...overrides,
  };
}

function attempt(n: number, start: number, end: number, outcome: AttemptRecord['outcome']): AttemptRecord {
  return { attempt: n, worker: 'w', startedAt: at(start), finishedAt: at(end), outcome, ...(outcome === 'failed' ? { error: { message: `boom ${n}` } } : {}) };
}

const lines = (events: FeedEvent[]) => events.sort(byTime).map((e) => ('job' in e ? `${e.type}#${e.job.attempt} ${e.job.state}` : e.type));

describe('feed events', () => {
  it('a job that retried and succeeded between two reads gives every start and end, once', () => {
    const memory = new FeedMemory(T0);
    const done = row({ state: 'succeeded', attempt: 2, finishedAt: at(40), attempts: [attempt(1, 10, 20, 'failed'), attempt(2, 30, 40, 'succeeded')] });
    expect(lines(memory.finishedEvents([done], at(0)))).toEqual(['job:started#1 running', 'job:retried#1 pending', 'job:started#2 running', 'job:finished#2 succeeded']);
    expect(memory.finishedEvents([done], at(0))).toEqual([]);
    expect(memory.startedEvents([done], at(0))).toEqual([]);
  });

  it('a job read both running again and with a finished attempt, finished first, tells both starts', () => {
    const memory = new FeedMemory(T0);
    const again = row({ state: 'running', attempt: 2, startedAt: at(30), finishedAt: at(20), lockedBy: 'w', attempts: [attempt(1, 10, 20, 'failed')] });
    const events = [...memory.finishedEvents([again], at(0)), ...memory.startedEvents([again], at(0))];
    expect(lines(events)).toEqual(['job:started#1 running', 'job:retried#1 pending', 'job:started#2 running']);
  });

  it('a start seen running is not told again by its attempt record; the record still tells the end', () => {
    const memory = new FeedMemory(T0);
    const running = row({ state: 'running', attempt: 1, startedAt: at(10), lockedBy: 'w' });
    expect(lines(memory.startedEvents([running], at(0)))).toEqual(['job:started#1 running']);
    expect(memory.startedEvents([running], at(0))).toEqual([]);
    const done = row({ state: 'failed', attempt: 1, finishedAt: at(20), attempts: [attempt(1, 10, 20, 'failed')] });
    const [end] = memory.finishedEvents([done], at(15));
    expect(end).toMatchObject({ type: 'job:finished', at: at(20), job: { id: '7', attempt: 1, state: 'failed', outcome: 'failed', durationMs: 10, error: 'boom 1', worker: 'w', traceId: 'req-1' } });
  });

  it('an attempt given back on shutdown and claimed again is a new start of the same attempt number', () => {
    const memory = new FeedMemory(T0);
    expect(memory.startedEvents([row({ state: 'running', attempt: 1, startedAt: at(10) })], at(0))).toHaveLength(1);
    expect(memory.startedEvents([row({ state: 'running', attempt: 1, startedAt: at(500) })], at(400))).toHaveLength(1);
  });

  it('a job cancelled while pending ends without an attempt; a later attempt of it is told as usual', () => {
    const memory = new FeedMemory(T0);
    const cancelled = row({ state: 'cancelled', finishedAt: at(5) });
    expect(lines(memory.finishedEvents([cancelled], at(0)))).toEqual(['job:finished#0 cancelled']);
    expect(memory.finishedEvents([cancelled], at(0))).toEqual([]);
  });

  it('tells nothing older than the feed, nor what its memory let go of', () => {
    const memory = new FeedMemory(T0);
    const before = row({ id: '1', state: 'succeeded', attempt: 1, finishedAt: at(-5), attempts: [attempt(1, -10, -5, 'succeeded')] });
    expect(memory.finishedEvents([before], at(-10))).toEqual([]);
    const done = row({ state: 'succeeded', attempt: 1, finishedAt: at(20), attempts: [attempt(1, 10, 20, 'succeeded')] });
    expect(memory.finishedEvents([done], at(0))).toHaveLength(2);
    const later = at(20 + MEMORY_MS + 1_000);
    memory.forget(later);
    expect(memory.finishedEvents([done], later)).toEqual([]);
  });
});
