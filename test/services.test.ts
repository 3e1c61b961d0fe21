/**
 * The service lifecycle every long-running part shares: idempotent start and stop, a stop
 * during or before the start, and the soft stop that becomes a hard stop after the grace.
 */
import { describe, expect, it } from 'vitest';
import { pause, Service } from '../src/services/service.js';

/** A service that records what happened to it, with a start and work the test controls. */
class Probe extends Service {
  readonly log: string[] = [];
  starts = 0;
  startGate: Promise<void> = Promise.resolve();
  failStart: Error | null = null;
  /** Work that ends on its own after `workMs`, or when the hard stop aborts it. */
  workMs = 0;

  constructor(defaultGraceMs = 1_000) {
    super(defaultGraceMs);
  }

  protected async onStart(): Promise<void> {
    this.starts++;
    this.log.push('start');
    await this.startGate;
    if (this.failStart) throw this.failStart;
    this.log.push('started');
  }

  protected async onStop(): Promise<void> {
    this.log.push(`stop (soft: ${this.stopSignal.aborted}, hard: ${this.abortSignal.aborted})`);
    await pause(this.workMs, this.abortSignal);
    this.log.push(this.abortSignal.aborted ? 'work aborted' : 'work ended');
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('Service', () => {
  it('starts once however often start() is called, and stops once', async () => {
    const service = new Probe();
    const [a, b] = [service.start(), service.start()];
    expect(a).toBe(b);
    await a;
    await service.start();
    expect(service.starts).toBe(1);
    expect(service.state).toBe('running');
    const [x, y] = [service.stop(), service.stop()];
    expect(x).toBe(y);
    await x;
    await service.stop();
    expect(service.state).toBe('stopped');
    expect(service.log).toEqual(['start', 'started', 'stop (soft: true, hard: false)', 'work ended']);
  });

  it('does nothing on a stop before any start', async () => {
    const service = new Probe();
    await service.stop();
    expect(service.state).toBe('idle');
    expect(service.log).toEqual([]);
  });

  it('lets a stop during the start wait for the start, then stops', async () => {
    const service = new Probe();
    const { promise, open } = gate();
    service.startGate = promise;
    const started = service.start();
    const stopped = service.stop();
    expect(service.state).toBe('stopping');
    open();
    await Promise.all([started, stopped]);
    expect(service.state).toBe('stopped');
    expect(service.log).toEqual(['start', 'started', 'stop (soft: true, hard: false)', 'work ended']);
  });

  it('does not restart once stopped', async () => {
    const service = new Probe();
    await service.start();
    await service.stop();
    await service.start();
    expect(service.starts).toBe(1);
    expect(service.state).toBe('stopped');
  });

  it('goes back to idle when the start fails, and can start again', async () => {
    const service = new Probe();
    service.failStart = new Error('no database');
    await expect(service.start()).rejects.toThrow('no database');
    expect(service.state).toBe('idle');
    service.failStart = null;
    await service.start();
    expect(service.state).toBe('running');
    await service.stop();
  });

  it('stops without calling onStop when the start it waited for failed', async () => {
    const service = new Probe();
    const { promise, open } = gate();
    service.startGate = promise;
    service.failStart = new Error('no database');
    const started = service.start().catch((err: Error) => err.message);
    const stopped = service.stop();
    open();
    expect(await started).toBe('no database');
    await stopped;
    expect(service.state).toBe('stopped');
    expect(service.log).toEqual(['start']);
  });

  it('lets running work end within the grace period', async () => {
    const service = new Probe();
    service.workMs = 20;
    await service.start();
    await service.stop({ graceMs: 5_000 });
    expect(service.log.at(-1)).toBe('work ended');
  });

  it('aborts work that outlives the grace period (hard stop)', async () => {
    const service = new Probe();
    service.workMs = 60_000;
    await service.start();
    const started = Date.now();
    await service.stop({ graceMs: 30 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(service.log.at(-1)).toBe('work aborted');
  });

  it('stops hard at once with a grace period of 0', async () => {
    const service = new Probe(0);
    service.workMs = 60_000;
    await service.start();
    await service.stop();
    expect(service.log.at(-1)).toBe('work aborted');
  });

  it('aborts at once on abortNow() during the grace period', async () => {
    const service = new Probe();
    service.workMs = 60_000;
    await service.start();
    const stopped = service.stop({ graceMs: 60_000 });
    service.abortNow();
    await stopped;
    expect(service.log.at(-1)).toBe('work aborted');
  });
});
