/**
 * Backoff with equal jitter: each delay lies between half and all of its envelope
 * `min(cap, base * 2^(attempt - 1))`, the envelope never shrinks as attempts grow, and the
 * jitter spans exactly its half. Policies are validated naming the field and its bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS } from '../../src/core/duration.js';
import { ValidationError } from '../../src/core/errors.js';
import { DEFAULT_RETRY, MAX_ATTEMPTS_LIMIT, backoffDelay, checkRetryPolicy } from '../../src/core/retry.js';

const attempt = fc.integer({ min: 1, max: 200 });
const policy = fc
  .tuple(fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 0, max: MAX_DURATION_MS }))
  .map(([baseMs, capMs]) => ({ baseMs, capMs }));
/** Any value `Math.random` may return: [0, 1). */
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

function envelope(n: number, p: { baseMs: number; capMs: number }): number {
  return Math.min(p.capMs, p.baseMs * 2 ** Math.min(n - 1, 40));
}

describe('backoffDelay', () => {
  it('waits from half of the envelope to all of it, never more than the cap', () => {
    fc.assert(fc.property(attempt, policy, random, (n, p, r) => {
      const delay = backoffDelay(n, p, () => r);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(envelope(n, p) / 2));
      expect(delay).toBeLessThanOrEqual(envelope(n, p));
      expect(delay).toBeLessThanOrEqual(p.capMs);
    }));
  });

  it('never retries at once unless the policy allows no delay', () => {
    fc.assert(fc.property(attempt, policy.filter((p) => p.baseMs >= 2 && p.capMs >= 2), random, (n, p, r) => {
      expect(backoffDelay(n, p, () => r)).toBeGreaterThanOrEqual(1);
    }));
  });

  it('has an envelope that never shrinks from one attempt to the next', () => {
    fc.assert(fc.property(attempt, policy, (n, p) => {
      const lowest = (k: number) => backoffDelay(k, p, () => 0);
      const highest = (k: number) => backoffDelay(k, p, () => 1 - Number.EPSILON);
      expect(lowest(n + 1)).toBeGreaterThanOrEqual(lowest(n));
      expect(highest(n + 1)).toBeGreaterThanOrEqual(highest(n));
    }));
  });

  it('grows with the random draw: the jitter spans the upper half of the envelope', () => {
    fc.assert(fc.property(attempt, policy, random, random, (n, p, a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      expect(backoffDelay(n, p, () => low)).toBeLessThanOrEqual(backoffDelay(n, p, () => high));
    }));
    const p = { baseMs: 1000, capMs: 600_000 };
    expect([backoffDelay(1, p, () => 0), backoffDelay(1, p, () => 0.5), backoffDelay(1, p, () => 0.999_999)]).toEqual([500, 750, 1000]);
    expect([backoffDelay(4, p, () => 0), backoffDelay(4, p, () => 0.999_999)]).toEqual([4000, 8000]);
    expect(backoffDelay(1_000, p, () => 0)).toBe(300_000);
  });

  it('treats attempts below 1 like the first', () => {
    const p = { baseMs: 1000, capMs: 600_000 };
    expect(backoffDelay(0, p, () => 0)).toBe(backoffDelay(1, p, () => 0));
    expect(backoffDelay(-3, p, () => 0)).toBe(backoffDelay(1, p, () => 0));
  });
});

describe('checkRetryPolicy', () => {
  it('accepts the default policy and every policy within bounds', () => {
    expect(() => checkRetryPolicy(DEFAULT_RETRY)).not.toThrow();
    const maxAttempts = fc.integer({ min: 1, max: MAX_ATTEMPTS_LIMIT });
    fc.assert(fc.property(maxAttempts, policy, (m, p) => {
      expect(() => checkRetryPolicy({ maxAttempts: m, ...p })).not.toThrow();
    }));
  });

  it('refuses attempts that are not a whole number from 1 to the limit, naming the field', () => {
    for (const bad of [0, -1, 1.5, MAX_ATTEMPTS_LIMIT + 1, Number.NaN, '3']) {
      const call = () => checkRetryPolicy({ maxAttempts: bad as number }, 'tasks.send.retry');
      expect(call, String(bad)).toThrow(ValidationError);
      expect(call, String(bad)).toThrow(/^tasks\.send\.retry\.maxAttempts: expected a whole number from 1 to 1000/);
    }
  });

  it('refuses delays that are negative, not finite or past 100 years, naming the field', () => {
    for (const field of ['baseMs', 'capMs'] as const) {
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_DURATION_MS + 1, 1e20]) {
        const call = () => checkRetryPolicy({ [field]: bad });
        expect(call, `${field} ${bad}`).toThrow(ValidationError);
        expect(call, `${field} ${bad}`).toThrow(new RegExp(`^retry\\.${field}: expected a number of milliseconds from 0 to ${MAX_DURATION_MS}`));
      }
    }
  });

  it('keeps every delay of an accepted policy a time a Date can hold', () => {
    fc.assert(fc.property(attempt, policy, (n, p) => {
      checkRetryPolicy(p);
      expect(Number.isNaN(new Date(Date.now() + backoffDelay(n, p)).getTime())).toBe(false);
    }));
  });
});
