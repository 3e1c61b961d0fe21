/**
 * The scheduler on each real engine, in this process, on a store with a test clock: a due
 * schedule fires into a job (`schedule:fired`), one long overdue is reported once
 * (`schedule:overdue`), and the host stops cleanly leaving the store it was given open; its
 * maintenance leader prunes finished jobs past the retention age, never pending ones.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createOrdo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import { SchedulerHost } from '../src/maintenance/scheduler-host.js';
import { dropCreatedSchemas, engines, freshClockedStore } from './support/engines.js';
import { job } from './support/jobs.js';
import { nextEvent, waitUntil } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

afterAll(dropCreatedSchemas);

describe.each(engines)('SchedulerHost on $name', (engine) => {
  it('fires a due schedule into a job and reports it overdue once', async () => {
    const { store, clock } = await freshClockedStore(engine);
    const ordo = await createOrdo({ store });
    const host = new SchedulerHost({ store, maintenance: false, logger: quiet });
    try {
      await ordo.schedules.add('hourly', { task: 'report', every: '1h' });
      await host.start();
      const fired = nextEvent(host.events, 'schedule:fired');
      const overdue = nextEvent(host.events, 'schedule:overdue');
      clock.advance(3 * 3_600_000);
      host.scheduler!.wake();
      const [fire] = await fired;
      expect(fire).toMatchObject({ schedule: 'hourly', manual: false, skipped: null });
      expect((await store.jobGet({ id: fire.jobId! }))?.task).toBe('report');
      const [late] = await overdue;
      expect(late.schedule).toBe('hourly');
      expect(late.lateMs).toBeGreaterThan(2 * 3_600_000);
      expect((await ordo.schedules.get('hourly')).nextRunAt!.getTime()).toBeGreaterThan(clock.now().getTime());
    } finally {
      await host.stop();
      await ordo.close();
      await store.close();
    }
  });

  it('prunes, as maintenance leader, finished jobs older than the retention age and no others', async () => {
    const { store, clock } = await freshClockedStore(engine);
    const host = new SchedulerHost({ store, logger: quiet, pruneAgeMs: 3_600_000 });
    try {
      const [old, recent, waiting] = await store.jobInsertMany({ jobs: [job(), job(), job()] });
      await store.jobCancel({ id: old!.id });
      clock.advance(2 * 3_600_000);
      await store.jobCancel({ id: recent!.id });
      await host.start();
      await waitUntil(() => host.maintenance!.isLeader);
      expect(await host.maintenance!.pruner.tick()).toMatchObject({ jobs: 1 });
      expect(await store.jobGet({ id: old!.id })).toBeNull();
      expect(await store.jobGet({ id: recent!.id })).not.toBeNull();
      expect((await store.jobGet({ id: waiting!.id }))?.state).toBe('pending');
    } finally {
      await host.stop();
      await store.close();
    }
  });
});
