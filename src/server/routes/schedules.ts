/**
 * Schedules: add, list, read, change, remove, pause, resume, fire now, and the fire history.
 */
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import type { TaskCheck } from '../task-check.js';

type ScheduleRoutes =
  | 'schedules.create'
  | 'schedules.list'
  | 'schedules.get'
  | 'schedules.update'
  | 'schedules.delete'
  | 'schedules.pause'
  | 'schedules.resume'
  | 'schedules.run'
  | 'schedules.history';

export function scheduleHandlers(client: ServerClient, tasks: TaskCheck): HandlersFor<ScheduleRoutes> {
  const schedules = client.schedules;
  return {
    'schedules.create': async ({ body }) => {
      await tasks.check(body.task, 'task');
      const { name, ...spec } = body;
      return schedules.add(name, spec);
    },
    'schedules.list': async () => ({ schedules: await schedules.list() }),
    'schedules.get': async ({ params }) => schedules.get(params.name),
    'schedules.update': async ({ params, body }) => {
      await tasks.check(body.task, 'task');
      return schedules.update(params.name, body);
    },
    'schedules.delete': async ({ params }) => schedules.remove(params.name),
    'schedules.pause': async ({ params }) => schedules.pause(params.name),
    'schedules.resume': async ({ params }) => schedules.resume(params.name),
    'schedules.run': async ({ params }) => schedules.run(params.name),
    'schedules.history': async ({ params, query }) => ({ fires: await schedules.history(params.name, query.limit === undefined ? {} : { limit: query.limit }) }),
  };
}
