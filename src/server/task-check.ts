/**
 * Unknown tasks: a server started with tasks refuses a job or schedule for a task none of
 * them defines (422, naming the known ones), since no worker of this deployment would run
 * it. A server that knows no tasks of its own (only the built-in ones) takes any valid name:
 * its workers may be elsewhere, with tasks it has never loaded.
 *
 * The known names come from the server's options (the CLI passes its registry's, built-in
 * ones included), else from `taskInfo()` (built-in tasks listed with source `built-in`).
 */
import type { TaskInfo } from '../client/api.js';
import { UnprocessableError } from './problems.js';

/** `TaskInfo.source` of the tasks every registry has (they say nothing about the deployment). */
const BUILT_IN_SOURCE = 'built-in';
/** Known names shown in the error, at most. */
const SHOWN = 20;

export class TaskCheck {
  private known: Promise<{ names: Set<string>; strict: boolean }> | null = null;

  /** @param names The tasks jobs may name, when the caller knows them; null: any (no tasks of its own). */
  constructor(
    private readonly taskInfo: () => Promise<TaskInfo[]>,
    private readonly names?: readonly string[] | null,
  ) {}

  /** Throws an UnprocessableError naming `field` when the server has tasks and `task` is not one. */
  async check(task: string | undefined, field: string): Promise<void> {
    if (task === undefined) return;
    const { names, strict } = await this.load();
    if (!strict || names.has(task)) return;
    const list = [...names].sort();
    const shown = list.length > SHOWN ? `${list.slice(0, SHOWN).join(', ')}, … (${list.length} in all; GET /api/v1/tasks)` : list.join(', ');
    throw new UnprocessableError(field, `a task this server knows: ${shown}`, task);
  }

  private load(): Promise<{ names: Set<string>; strict: boolean }> {
    // Tasks are loaded once when the server starts: the answer cannot change while it runs.
    if (this.names !== undefined) return (this.known ??= Promise.resolve({ names: new Set(this.names ?? []), strict: this.names !== null }));
    this.known ??= this.taskInfo().then((tasks) => ({
      names: new Set(tasks.map((t) => t.name)),
      strict: tasks.some((t) => t.source !== BUILT_IN_SOURCE),
    }));
    this.known.catch(() => (this.known = null));
    return this.known;
  }
}
