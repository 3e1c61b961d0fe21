/**
 * How the schedule actions (pause, resume, run now) are told in the shell's toasts, the
 * same on the list and on a schedule's own page.
 */
import type { ScheduleFire } from '../../api.js';

export type ScheduleAction = 'pause' | 'resume' | 'run';

/** What was being done, for a failure's toast ("Running nightly failed: …"). */
export const ACTION_VERBS: Record<ScheduleAction, string> = { pause: 'Pausing', resume: 'Resuming', run: 'Running' };

/** What an action did, for its toast: a fire names its job (or why it made none). */
export function actionNote(name: string, action: ScheduleAction, answer: unknown): string {
  if (action !== 'run') return `Schedule ${name} ${action === 'pause' ? 'paused' : 'resumed'}.`;
  const fire = answer as ScheduleFire;
  return fire.jobId ? `Schedule ${name} fired: job ${fire.jobId}.` : `Schedule ${name} fired; no job (${fire.skipped ?? 'skipped'}).`;
}
