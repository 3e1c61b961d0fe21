/**
 * Bulk actions on every job the page's filter matches (write scope): retry the failed ones,
 * cancel the pending and running ones, delete the finished ones. Each first asks the server
 * how many it would change (`dryRun`), says so in a confirmation dialog, and only then acts.
 */
import { useState } from 'preact/hooks';
import { api, type BulkBody, type BulkResult, type JobFilterBody, type JobState } from '../../api.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { formatCount } from '../../components/format.js';
import { toast, toastError } from '../../components/toasts.js';
import { bulkFilter, type JobFilter } from './filter.js';

type Action = BulkBody['action'];

interface ActionSpec {
  label: string;
  /** The dialog's title. */
  question: string;
  verb: string;
  done: string;
  doing: string;
  states: readonly JobState[];
  danger: boolean;
}

const ACTIONS: Record<Action, ActionSpec> = {
  retry: { label: 'Retry failed', question: 'Retry the matching failed jobs?', verb: 'retry', done: 'Retried', doing: 'Retrying', states: ['failed'], danger: false },
  cancel: { label: 'Cancel pending and running', question: 'Cancel the matching pending and running jobs?', verb: 'cancel', done: 'Cancelled', doing: 'Cancelling', states: ['pending', 'running'], danger: true },
  delete: { label: 'Delete finished', question: 'Delete the matching finished jobs?', verb: 'delete', done: 'Deleted', doing: 'Deleting', states: ['succeeded', 'failed', 'cancelled'], danger: true },
};

function jobs(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'job' : 'jobs'}`;
}

interface Pending {
  action: Action;
  filter: JobFilterBody;
  count: number;
}

export function BulkActions({ filter, onDone }: { filter: JobFilter; onDone(): void }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);

  const preview = async (action: Action) => {
    const body = bulkFilter(filter, ACTIONS[action].states);
    if (!body) return;
    setBusy(true);
    try {
      const answer = await api<BulkResult>('POST', '/jobs/bulk', { body: { action, filter: body, dryRun: true } });
      setPending({ action, filter: body, count: answer.count });
    } catch (err) {
      toastError(`Counting the jobs to ${ACTIONS[action].verb}`, err);
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (!pending) return;
    const spec = ACTIONS[pending.action];
    setBusy(true);
    try {
      const answer = await api<BulkResult>('POST', '/jobs/bulk', { body: { action: pending.action, filter: pending.filter } });
      toast(`${spec.done} ${jobs(answer.count)}.`);
      onDone();
    } catch (err) {
      toastError(`${spec.doing} jobs`, err);
    } finally {
      setBusy(false);
      setPending(null);
    }
  };

  const spec = pending ? ACTIONS[pending.action] : null;
  return (
    <div class="toolbar" role="group" aria-label="Bulk actions on every matching job">
      <span class="muted">All matching:</span>
      {(Object.keys(ACTIONS) as Action[]).map((action) => {
        const applies = bulkFilter(filter, ACTIONS[action].states) !== null;
        return (
          <button key={action} type="button" disabled={busy || !applies} title={applies ? undefined : 'The state filter leaves no job this applies to'} onClick={() => void preview(action)}>
            {ACTIONS[action].label}…
          </button>
        );
      })}
      <ConfirmDialog
        open={pending !== null}
        title={spec?.question ?? 'Confirm'}
        confirmLabel={spec && pending ? `${spec.verb[0]!.toUpperCase()}${spec.verb.slice(1)} ${jobs(pending.count)}` : 'Confirm'}
        danger={spec?.danger ?? false}
        busy={busy}
        onConfirm={() => void run()}
        onCancel={() => setPending(null)}
      >
        {spec && pending && (
          <>
            <p data-testid="bulk-preview">
              This will {spec.verb} {jobs(pending.count)}.
            </p>
            <p class="hint">Counted just now with the page's filter ({pending.filter.state?.join(', ')}); jobs that start matching meanwhile are included.</p>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}
