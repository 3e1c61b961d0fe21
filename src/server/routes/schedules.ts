/**
 * Schedules (of a task's job or a workflow's run): add, list, read, change, remove, pause,
 * resume, fire now, the fire history, and a preview of a timing not saved yet (the schedule
 * form's live check).
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
  | 'schedules.preview'
  | 'schedules.history';

export function scheduleHandlers(client: ServerClient, tasks: TaskCheck): HandlersFor<ScheduleRoutes> {
  const schedules = client.schedules;
  return {
    'schedules.create': async ({ body }) => {
      await tasks.check(body.task, 'task');
      const { name, ...spec } = body;
      // A task's job or a workflow's run: which one, and that it is one, the client checks.
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
    'schedules.preview': async ({ body }) => ({ nextFires: await client.previewTiming(body) }),
    'schedules.history': async ({ params, query }) => ({ fires: await schedules.history(params.name, query.limit === undefined ? {} : { limit: query.limit }) }),
  };
}
