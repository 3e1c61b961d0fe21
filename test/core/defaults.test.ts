/**
 * The defaults and limits agree with each other: every default lies within its limit, the
 * heartbeat fits the lease several times over even at the shortest lease, and the periodic
 * duties come round well inside one lease.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULTS, HEARTBEATS_PER_LEASE, LIMITS } from '../../src/core/defaults.js';
import { parseDuration } from '../../src/core/duration.js';
import { checkQueueName } from '../../src/core/names.js';
import { DEFAULT_RETRY, checkRetryPolicy } from '../../src/core/retry.js';
import { MAX_TIMER_MS } from '../../src/core/sleep.js';

describe('defaults', () => {
  it('lie within the limits', () => {
    expect(DEFAULTS.leaseMs).toBeGreaterThanOrEqual(LIMITS.minLeaseMs);
    expect(DEFAULTS.leaseMs).toBeLessThanOrEqual(LIMITS.maxLeaseMs);
    expect(DEFAULTS.concurrency).toBeGreaterThanOrEqual(1);
    expect(DEFAULTS.concurrency).toBeLessThanOrEqual(LIMITS.maxConcurrency);
    expect(DEFAULTS.claimBatch).toBeGreaterThanOrEqual(1);
    expect(DEFAULTS.claimBatch).toBeLessThanOrEqual(LIMITS.maxClaimBatch);
    for (const key of ['cancelCheckMs', 'pollMs', 'rescueMs', 'graceMs'] as const) {
      expect(DEFAULTS[key], key).toBeGreaterThan(0);
      expect(DEFAULTS[key], key).toBeLessThanOrEqual(LIMITS.maxIntervalMs);
    }
  });

  it('heartbeat several times per lease, leaving room for a late beat even at the shortest lease', () => {
    expect(HEARTBEATS_PER_LEASE).toBeGreaterThanOrEqual(2);
    for (const lease of [LIMITS.minLeaseMs, DEFAULTS.leaseMs, LIMITS.maxLeaseMs]) {
      const heartbeat = lease / HEARTBEATS_PER_LEASE;
      // One missed beat still leaves the lease alive when the next one comes.
      expect(2 * heartbeat, `lease ${lease}`).toBeLessThan(lease);
      expect(heartbeat, `lease ${lease}`).toBeGreaterThanOrEqual(250);
    }
  });

  it('check cancellations, poll and rescue well inside one lease', () => {
    expect(DEFAULTS.cancelCheckMs).toBeLessThanOrEqual(DEFAULTS.leaseMs / HEARTBEATS_PER_LEASE);
    expect(DEFAULTS.pollMs).toBeLessThan(DEFAULTS.leaseMs);
    expect(DEFAULTS.rescueMs).toBeLessThan(DEFAULTS.leaseMs);
  });

  it('keep limits ordered and within what a timer and a duration can hold', () => {
    expect(LIMITS.minLeaseMs).toBeLessThan(LIMITS.maxLeaseMs);
    expect(LIMITS.maxLeaseMs).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(LIMITS.maxIntervalMs).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(parseDuration('1d')).toBe(LIMITS.maxLeaseMs);
  });

  it('name queues that pass the queue name check, the default queue served by dev too', () => {
    for (const queue of [...DEFAULTS.queues, ...DEFAULTS.devQueues]) expect(checkQueueName(queue)).toBe(queue);
    for (const queue of DEFAULTS.queues) expect(DEFAULTS.devQueues).toContain(queue);
  });

  it('name a PostgreSQL schema that needs no quoting', () => {
    expect(DEFAULTS.schema).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
  });

  it('retry with a valid policy whose first delay is under its cap', () => {
    expect(() => checkRetryPolicy(DEFAULT_RETRY)).not.toThrow();
    expect(DEFAULT_RETRY.baseMs).toBeLessThan(DEFAULT_RETRY.capMs);
    expect(DEFAULT_RETRY.maxAttempts).toBeGreaterThan(1);
  });
});
