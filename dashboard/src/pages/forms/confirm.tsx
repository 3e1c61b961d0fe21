/**
 * A confirmation for actions that cannot be undone, as a modal `<dialog>` (the browser
 * keeps focus inside it and closes it on Escape). With `typed`, the confirm button stays
 * disabled until that text is typed: deleting a queue's jobs must not be one stray click.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './errors.js';
import { valueOf } from './field.js';

export interface ConfirmProps {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  /** Text the user must type to confirm (a queue's name). */
  typed?: string;
  /** Runs the action; the dialog closes when it resolves and shows the error when it throws. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function Confirm({ title, children, confirmLabel, typed, onConfirm, onClose }: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const confirm = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  const ready = !busy && (typed === undefined || text === typed);
  return (
    <dialog ref={dialog} class="dialog confirm" aria-labelledby="confirm-title" onClose={onClose}>
      <form method="dialog" onSubmit={confirm}>
        <h2 id="confirm-title">{title}</h2>
        <div class="confirm-body">{children}</div>
        {typed !== undefined && (
          <div class="field">
            <label for="confirm-typed">
              Type <strong>{typed}</strong> to confirm
            </label>
            <input id="confirm-typed" type="text" autoComplete="off" spellcheck={false} value={text} onInput={(e) => setText(valueOf(e))} />
          </div>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()} disabled={busy}>
            Go back
          </button>
          <button type="submit" class="danger" disabled={!ready}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
