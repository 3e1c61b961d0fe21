/**
 * Schedules declared in code (`defineTask(name, { schedule })`) brought into the database when
 * a worker or scheduler starts with those tasks. The store's `sync` mode makes it safe to run
 * from every process at every start: a schedule is created once, its definition follows the
 * code, and a schedule someone paused stays paused.
 */
import type { Store } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { resolveSchedule } from './schedule-spec.js';
import { nextOf } from './schedules.js';

/** What a sync did, by schedule name. */
export interface CodeScheduleSync {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Upserts every schedule the registry's tasks declare. Schedules removed from the code are
 * left as they are (delete them with `ordo schedules rm`): a process running older code must
 * not delete what a newer one declared.
 * @param target A store, or a client (its store is used).
 */
export async function syncCodeSchedules(target: Store | { store: Store }, registry: TaskRegistry): Promise<CodeScheduleSync> {
  const store = 'store' in target ? target.store : target;
  const result: CodeScheduleSync = { created: [], updated: [], unchanged: [] };
  for (const name of registry.names()) {
    const definition = registry.get(name)!;
    const { schedule } = definition.options;
    if (!schedule) continue;
    const { name: scheduleName, payload, cron, every, at, tz, misfire, misfireLimit, overlap } = schedule;
    const input = resolveSchedule(scheduleName ?? name, { task: name, payload, cron, every, at, tz, misfire, misfireLimit, overlap }, definition, 'code');
    const { created, changed } = await store.scheduleUpsert({ schedule: input, mode: 'sync', next: nextOf(input) });
    (created ? result.created : changed ? result.updated : result.unchanged).push(input.name);
  }
  return result;
}
