/**
 * Cancel and retry a run, each behind a confirmation: cancelling aborts the steps running on
 * any worker, retrying runs the failed and skipped-by-failure steps again. A button shows
 * only when the session may write and the run's state allows it (the server checks both
 * again, and says why it refused, such as a step that still runs).
 */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { can, type Session } from '../context.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { toast, toastError } from './toasts.js';
import type { RunCancelled, RunRecord, RunRetried } from './workflow-wire.js';

type RunAction = 'cancel' | 'retry';

export interface RunActionsProps {
  run: RunRecord;
  session: Session;
  onChanged(): void;
}

async function perform(run: RunRecord, action: RunAction): Promise<string> {
  const path = `/workflows/runs/${encodeURIComponent(run.id)}/${action}`;
  if (action === 'cancel') {
    const answer = await api<RunCancelled>('POST', path);
    return answer.state === 'cancelled' ? `Cancelled run ${run.id}.` : `Run ${run.id} had already ended (${answer.state}).`;
  }
  const answer = await api<RunRetried>('POST', path);
  return answer.retried ? `Run ${run.id} runs its failed steps again.` : `Run ${run.id} had nothing to retry (${answer.state}).`;
}

export function RunActions({ run, session, onChanged }: RunActionsProps) {
  const [asking, setAsking] = useState<RunAction | null>(null);
  const [busy, setBusy] = useState(false);
  if (!can(session, 'write')) return null;

  const confirm = async (action: RunAction): Promise<void> => {
    setBusy(true);
    try {
      toast(await perform(run, action));
    } catch (err) {
      toastError(action === 'cancel' ? 'Cancel' : 'Retry', err);
    } finally {
      setBusy(false);
      setAsking(null);
      onChanged();
    }
  };
  const canCancel = run.state === 'running';
  const canRetry = run.state === 'failed' || run.state === 'cancelled';
  if (!canCancel && !canRetry) return null;
  return (
    <div class="toolbar" role="group" aria-label="Run actions">
      {canCancel && (
        <button type="button" class="danger" disabled={busy} onClick={() => setAsking('cancel')}>
          Cancel run
        </button>
      )}
      {canRetry && (
        <button type="button" class="primary" disabled={busy} onClick={() => setAsking('retry')}>
          Retry run
        </button>
      )}
      <ConfirmDialog
        open={asking !== null}
        title={asking === 'cancel' ? `Cancel run ${run.id}?` : `Retry run ${run.id}?`}
        confirmLabel={asking === 'cancel' ? 'Cancel run' : 'Retry run'}
        danger={asking === 'cancel'}
        busy={busy}
        onCancel={() => setAsking(null)}
        onConfirm={() => asking && void confirm(asking)}
      >
        {asking === 'cancel' ? (
          <p>Waiting steps are cancelled and running steps are asked to stop, on whichever worker runs them. Steps that succeeded keep their results.</p>
        ) : (
          <p>The failed and cancelled steps, and the steps skipped because of them, run again. Steps that succeeded keep their results and do not run again.</p>
        )}
      </ConfirmDialog>
    </div>
  );
}
