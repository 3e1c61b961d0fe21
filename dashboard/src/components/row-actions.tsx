/**
 * The buttons at the end of a table row. Each button's visible label is short ("Pause"); the
 * row's subject follows it for screen readers only, so a list of buttons read out of the
 * table still says which row each acts on ("Pause nightly-report").
 */
import type { ComponentChildren } from 'preact';

export function RowActions({ children }: { children: ComponentChildren }) {
  return (
    <td>
      <div class="row-actions">{children}</div>
    </td>
  );
}

export interface RowActionProps {
  label: string;
  /** What the row is about (a queue's or a schedule's name). */
  subject: string;
  disabled?: boolean;
  danger?: boolean;
  onClick: () => void;
}

export function RowAction({ label, subject, disabled, danger, onClick }: RowActionProps) {
  return (
    <button type="button" class={danger ? 'danger' : undefined} disabled={disabled} onClick={onClick}>
      {label}
      <span class="visually-hidden"> {subject}</span>
    </button>
  );
}
