/**
 * Cancel, retry and delete one job. A button shows only when the session's scope allows
 * the action and the job's state does (the server checks both again). Delete asks first.
 */
import { useState } from 'preact/hooks';
import { api, type JobRecord } from '../../api.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { toast, toastError } from '../../components/toasts.js';
import { can, type Session } from '../../context.js';

export interface JobActionsProps {
  job: JobRecord;
  session: Session;
  onChanged(): void;
  /** True just before the delete request (the page stops fetching a job about to vanish), false if it failed. */
  onDeleting(active: boolean): void;
  onDeleted(): void;
}

export function JobActions({ job, session, onChanged, onDeleting, onDeleted }: JobActionsProps) {
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (!can(session, 'write')) return null;

  /** Runs an action and says how it went; resolves with whether it succeeded. */
  const act = async (doing: string, call: () => Promise<unknown>, done: string, after: () => void): Promise<boolean> => {
    setBusy(true);
    try {
      await call();
      toast(done);
      after();
      return true;
    } catch (err) {
      toastError(doing, err);
      onChanged();
      return false;
    } finally {
      setBusy(false);
    }
  };
  const canCancel = (job.state === 'pending' || job.state === 'running') && !job.cancelRequested;
  const canRetry = job.state === 'failed' || job.state === 'cancelled';
  const canDelete = job.state !== 'running';
  return (
    <div class="toolbar" role="group" aria-label="Job actions">
      {canCancel && (
        <button type="button" disabled={busy} onClick={() => void act('Cancel', () => api('POST', `/jobs/${job.id}/cancel`), job.state === 'running' ? `Asked job ${job.id} to stop.` : `Cancelled job ${job.id}.`, onChanged)}>
          Cancel job
        </button>
      )}
      {canRetry && (
        <button type="button" class="primary" disabled={busy} onClick={() => void act('Retry', () => api('POST', `/jobs/${job.id}/retry`), `Job ${job.id} will run again.`, onChanged)}>
          Retry job
        </button>
      )}
      {canDelete && (
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirmDelete(true)}>
          Delete job
        </button>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete job ${job.id}?`}
        confirmLabel="Delete"
        danger
        busy={busy}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => {
          onDeleting(true);
          void act('Delete', () => api('DELETE', `/jobs/${job.id}`), `Deleted job ${job.id}.`, onDeleted).then((deleted) => {
            setConfirmDelete(false);
            if (deleted) return;
            onDeleting(false);
            onChanged(); // see why it could not be deleted (it started running?)
          });
        }}
      >
        <p>The job and its history go for good.</p>
      </ConfirmDialog>
    </div>
  );
}
