/**
 * Short notes about what an action did ("Retried 12 jobs") or why it failed, shown in a
 * corner and read out by screen readers (a polite live region; errors assertively). Any
 * page calls `toast(...)`; the shell renders `<Toasts />` once.
 */
import { useEffect, useState } from 'preact/hooks';

export type ToastKind = 'success' | 'error' | 'info';

interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

const SHOWN_MS = 6_000;
const ERROR_SHOWN_MS = 12_000;
let nextId = 1;
let toasts: Toast[] = [];
const listeners = new Set<(toasts: Toast[]) => void>();

function publish(next: Toast[]): void {
  toasts = next;
  for (const listener of listeners) listener(toasts);
}

export function dismissToast(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

/** Shows a note for a few seconds (errors stay longer). */
export function toast(message: string, kind: ToastKind = 'success'): void {
  const id = nextId++;
  publish([...toasts.slice(-4), { id, kind, message }]);
  setTimeout(() => dismissToast(id), kind === 'error' ? ERROR_SHOWN_MS : SHOWN_MS);
}

/** Shows an error of an action, with what was being done: "Retry failed: job 4 is running". */
export function toastError(doing: string, err: unknown): void {
  toast(`${doing} failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
}

export function Toasts() {
  const [shown, setShown] = useState(toasts);
  useEffect(() => {
    listeners.add(setShown);
    return () => listeners.delete(setShown);
  }, []);
  const errors = shown.filter((t) => t.kind === 'error');
  const others = shown.filter((t) => t.kind !== 'error');
  return (
    <div class="toasts">
      <div role="status" aria-live="polite">
        {others.map((t) => <ToastItem key={t.id} toast={t} />)}
      </div>
      <div role="alert" aria-live="assertive">
        {errors.map((t) => <ToastItem key={t.id} toast={t} />)}
      </div>
    </div>
  );
}

function ToastItem({ toast: t }: { toast: Toast }) {
  return (
    <div class={`toast toast-${t.kind}`}>
      <span>{t.message}</span>
      <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
        ×
      </button>
    </div>
  );
}
